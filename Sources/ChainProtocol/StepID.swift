// StepID: which step of which run a message belongs to, which hop of that step's route, and which panel received it.

/// One step of one Monte-Carlo run. Ordered by run, then step: a step of a later run is newer than every step of an
/// earlier one.
public struct StepID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Monte-Carlo run (0-based).
    public var run: UInt32
    /// Step within the run (0-based).
    public var step: UInt32

    @inlinable public init(run: UInt32, step: UInt32) {
        self.run = run
        self.step = step
    }

    @inlinable public static func < (a: StepID, b: StepID) -> Bool { (a.run, a.step) < (b.run, b.step) }

    /// Whether `self` comes after `earlier` in the same run with at least one step between them.
    public func skipsSteps(after earlier: StepID) -> Bool { earlier.run == run && earlier.step + 1 < step }

    public var description: String { "run \(run) step \(step)" }
}

/// One hop of one step: the γ of `step` (its island `island`, 0 without islands) sent to the panel at position
/// `hop` of its route.
public struct HopID: Hashable, Sendable, CustomStringConvertible {
    public var step: StepID
    /// Position of the receiving panel in the step's route (0 = the first panel, sent by the controller).
    public var hop: Int
    /// The island the hop carries (filter.islands = B > 1: each island is a hop of its own; 0 without islands).
    public var island: Int

    @inlinable public init(step: StepID, hop: Int, island: Int = 0) {
        self.step = step
        self.hop = hop
        self.island = island
    }

    public var description: String { island == 0 ? "\(step) hop \(hop)" : "\(step) hop \(hop) island \(island)" }
}

/// The hop of one step into one panel, named by its receiver (as a link report or an acknowledgement names it,
/// whatever the panel's position in the route).
public struct ReceiverID: Hashable, Sendable, CustomStringConvertible {
    public var step: StepID
    /// The receiving panel.
    public var panel: Int32

    @inlinable public init(step: StepID, panel: Int32) {
        self.step = step
        self.panel = panel
    }

    public var description: String { "\(step) into panel \(panel)" }
}
