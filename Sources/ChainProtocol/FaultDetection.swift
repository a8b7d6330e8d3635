// FaultDetection: when the chain noticed an injected fault (a result skipped the panel) and when it recovered.

/// What the step results say about one fault injected into `panel` at global step `injectedAt`. Pure: times passed in.
public struct FaultDetection: Sendable, Equatable {
    /// The panel the fault was injected into.
    public let panel: Int32
    /// Global step (run · steps + step) of the injection.
    public let injectedAt: Int
    /// First time the chain noticed: a result after the injection skipped the panel, or its process ended, ns.
    public private(set) var detectedNs: UInt64?
    /// First result after detection in which the panel contributed again, ns, and its global step.
    public private(set) var recoveredNs: UInt64?
    public private(set) var recoveredAt: Int?

    public init(panel: Int32, injectedAt: Int) {
        self.panel = panel
        self.injectedAt = injectedAt
    }

    /// A step result at `globalStep`, received at `ns`.
    public mutating func observe(skipped: [Int32], contributed: [Int32], globalStep: Int, at ns: UInt64) {
        guard injectedAt <= globalStep else { return }
        if detectedNs == nil, skipped.contains(panel) { detectedNs = ns }
        if detectedNs != nil, recoveredNs == nil, contributed.contains(panel), !skipped.contains(panel) {
            recoveredNs = ns
            recoveredAt = globalStep
        }
    }

    /// The panel's process ended at `ns` (the controller saw it exit): the fault is noticed if it was not yet.
    public mutating func processExited(at ns: UInt64) {
        if detectedNs == nil { detectedNs = ns }
    }
}

/// Which steps' measurement batches go out before a step starts: every step up to `lookahead` ahead, each once.
public struct MeasurementLookahead: Sendable, Equatable {
    /// Steps ahead of the current one whose batches are sent.
    public let lookahead: Int
    /// Steps per run.
    public let steps: Int
    /// The last step whose batches were sent (-1: none yet in this run).
    public private(set) var sentThrough = -1

    public init(lookahead: Int, steps: Int) {
        self.lookahead = lookahead
        self.steps = steps
    }

    /// A new run: nothing sent yet.
    public mutating func startRun() { sentThrough = -1 }

    /// Step `step` is about to start: the steps whose batches to send now, in order (none already sent).
    public mutating func stepStarts(_ step: Int) -> ClosedRange<Int>? {
        let target = min(step + lookahead, steps - 1)
        guard sentThrough < target else { return nil }
        defer { sentThrough = target }
        return (sentThrough + 1)...target
    }
}
