// StepEnding+Wire: a step's ending as the wire's and the result files' outcome.
import ChainProtocol
import Wire

extension Outcome {
    /// The outcome recorded for a step that ended `ending`.
    public init(_ ending: StepEnding) {
        switch ending {
        case .delivered: self = .delivered
        case .degraded: self = .degraded
        case .abandoned: self = .abandoned
        }
    }
}
