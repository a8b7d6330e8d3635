// PanelFaults: the faults a controller injects into a panel (cut link, slow forwards, corrupt or duplicate sends) as state.

/// A control command to a panel, as the panel's protocol sees it (times in ns).
public enum PanelControl: Sendable, Equatable {
    /// Leave the run: exit with status 0.
    case shutdown
    /// Die at once, as a crash would (exit status 137).
    case kill
    /// Cut the links for `durationNs`: read nothing, send nothing, then drop what queued up meanwhile.
    case partition(durationNs: UInt64)
    /// Delay each forward by `delayNs` for `durationNs` (nil: until healed).
    case slow(delayNs: UInt64, durationNs: UInt64?)
    /// Send garbage instead of the next γ.
    case corrupt
    /// Send the next γ twice.
    case duplicate
    /// Clear every injected fault.
    case heal
    /// A command panels do not act on (stop and restart are done to the process by the controller).
    case ignored
}

/// What the shell does after a control command.
public enum ControlDirective: Sendable, Equatable {
    /// Nothing more: the fault state changed (or not).
    case none
    /// Leave the event loop and exit with this status.
    case exit(Int32)
    /// End the process immediately (no clean-up), as a crash would.
    case killProcess
}

/// How the next transmission of γ goes out under the injected faults.
public struct TransmitFaults: Sendable, Equatable {
    /// Replace the encoded bytes by garbage.
    public var corrupt: Bool
    /// How many copies to send (2 when duplicating).
    public var copies: Int

    public init(corrupt: Bool, copies: Int) {
        self.corrupt = corrupt
        self.copies = copies
    }
}

/// The faults injected into one panel. Pure: time is passed in.
public struct PanelFaultState: Sendable, Equatable {
    /// Deaf and mute until this time, ns.
    public private(set) var partitionedUntilNs: UInt64 = 0
    /// Extra delay before each forward, and until when, ns.
    public private(set) var slowDelayNs: UInt64 = 0
    public private(set) var slowUntilNs: UInt64 = 0
    var corruptNext = false
    var duplicateNext = false

    public init() {}

    /// Applies a control command received at `now`.
    public mutating func apply(_ control: PanelControl, now: UInt64) -> ControlDirective {
        switch control {
        case .shutdown: return .exit(0)
        case .kill: return .killProcess
        case .partition(let duration): partitionedUntilNs = now &+ duration
        case .slow(let delay, let duration):
            slowDelayNs = delay
            slowUntilNs = duration.map { now &+ $0 } ?? .max
        case .corrupt: corruptNext = true
        case .duplicate: duplicateNext = true
        case .heal: self = PanelFaultState()
        case .ignored: break
        }
        return .none
    }

    /// Whether the links are cut at `now`.
    public func isPartitioned(now: UInt64) -> Bool { now < partitionedUntilNs }

    /// The delay to add before a forward at `now`, ns (0: none).
    public func forwardDelayNs(now: UInt64) -> UInt64 { slowDelayNs > 0 && now < slowUntilNs ? slowDelayNs : 0 }

    /// The faults of the next transmission; a corruption or duplication applies to one transmission only.
    public mutating func takeTransmitFaults() -> TransmitFaults {
        defer { corruptNext = false; duplicateNext = false }
        return TransmitFaults(corrupt: corruptNext, copies: duplicateNext ? 2 : 1)
    }
}
