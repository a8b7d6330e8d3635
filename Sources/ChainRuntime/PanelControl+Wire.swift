// PanelControl+Wire: a Control message as the panel protocol's control command.
import ChainProtocol
import Wire

extension PanelControl {
    /// The command a Control message carries (durations ms → ns, delays µs → ns; a slow-down of duration 0 lasts
    /// until healed).
    public init(_ c: Control) {
        switch c.action {
        case .shutdown: self = .shutdown
        case .kill: self = .kill
        case .partition: self = .partition(durationNs: UInt64(c.durationMs) * 1_000_000)
        case .slow: self = .slow(delayNs: UInt64(c.delayUs) * 1000,
                                 durationNs: c.durationMs == 0 ? nil : UInt64(c.durationMs) * 1_000_000)
        case .corrupt: self = .corrupt
        case .duplicate: self = .duplicate
        case .heal: self = .heal
        case .stop, .restart, .unspecified: self = .ignored
        }
    }
}
