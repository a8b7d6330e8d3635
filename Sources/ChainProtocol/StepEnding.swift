// StepEnding: how a step ended — delivered through every panel, degraded (some skipped), or abandoned.

/// How one injected step ended; every step ends in exactly one of these.
public enum StepEnding: Sendable, Equatable {
    /// Its estimate passed every panel of the chain.
    case delivered
    /// It has an estimate, but some panels were skipped on the way or left out of the route.
    case degraded
    /// No result within its attempts.
    case abandoned

    /// The ending of a step from its result.
    /// - Parameters:
    ///   - contributed: panels that processed the step (nil: no result arrived).
    ///   - skipped: panels the result lists as skipped on the way.
    ///   - panels: number J of panels of the chain.
    public init(contributed: [Int32]?, skipped: [Int32], panels: Int) {
        guard let contributed else { self = .abandoned; return }
        self = skipped.isEmpty && contributed.count == panels ? .delivered : .degraded
    }
}
