// Membership: the controller's view of which panels are in the route — suspected when silent, readmitted when heard.

/// A change of the route's membership, for the controller's log.
public enum MembershipChange: Sendable, Equatable {
    /// The panel left the route.
    case left(panel: Int)
    /// The panel is back in the route after being heard continuously for `heardForNs` ns.
    case readmitted(panel: Int, heardForNs: UInt64)
}

/// Which panels the next step's route holds. A panel is suspected (left out of the routes) when it is skipped,
/// unacknowledged or its process ends; it is readmitted once it has been heard continuously, after the suspicion,
/// for `readmitAfterNs`. Pure: time is passed in.
public struct Membership: Sendable {
    /// Number J of panels.
    public let panels: Int
    /// How long a suspected panel must be heard again before it is readmitted, ns.
    public let readmitAfterNs: UInt64
    /// Since when each suspected panel has been left out, ns.
    var suspectedSince: [Int: UInt64] = [:]
    /// Since when each suspected panel has been heard again, ns.
    var heardAgainSince: [Int: UInt64] = [:]

    public init(panels: Int, readmitAfterNs: UInt64) {
        self.panels = panels
        self.readmitAfterNs = readmitAfterNs
    }

    /// The next step's route: every panel not under suspicion, in chain order.
    public var liveRoute: [Int32] { (0..<panels).filter { suspectedSince[$0] == nil }.map(Int32.init) }
    /// Number of panels left out of the route.
    public var suspectedCount: Int { suspectedSince.count }
    public func isSuspected(_ panel: Int) -> Bool { suspectedSince[panel] != nil }

    /// Panel `panel` was skipped, did not acknowledge, or its process ended, at `now` (ns). A panel already
    /// suspected stays so, and its readmission clock starts again.
    /// - Returns: `.left` if it was in the route.
    public mutating func suspect(_ panel: Int, at now: UInt64) -> MembershipChange? {
        heardAgainSince[panel] = nil
        guard suspectedSince[panel] == nil else { return nil }
        suspectedSince[panel] = now
        return .left(panel: panel)
    }

    /// A message from panel `panel` arrived at `now` (ns).
    /// - Parameter processRunning: the panel's process is running (false for a spawned panel whose process is gone:
    ///   its last messages do not readmit it).
    /// - Returns: `.readmitted` once it has been heard for long enough since its suspicion.
    public mutating func heard(_ panel: Int, at now: UInt64, processRunning: Bool) -> MembershipChange? {
        guard let since = suspectedSince[panel], processRunning else { return nil }
        guard let first = heardAgainSince[panel] else {
            if now > since { heardAgainSince[panel] = now }
            return nil
        }
        guard now - first >= readmitAfterNs && first > since else { return nil }
        suspectedSince[panel] = nil
        heardAgainSince[panel] = nil
        return .readmitted(panel: panel, heardForNs: now - first)
    }

    /// The panels a step's result lists as skipped that are to leave the route. In a re-issued attempt
    /// (`attempt > 0`), a panel that already processed the step in an earlier attempt hands γ on unchanged and lists
    /// itself as skipped: it is alive, and stays, if it was heard on the control plane within `aliveWithinNs`.
    /// - Parameters:
    ///   - lastHeardNs: when each panel was last heard, ns, indexed by panel.
    ///   - receivedNs: when the result arrived, ns.
    public static func panelsToSuspect(skipped: [Int32], attempt: UInt32, lastHeardNs: [UInt64], receivedNs: UInt64,
                                       aliveWithinNs: UInt64) -> [Int] {
        skipped.map(Int.init).filter { k in
            let silentNs = receivedNs >= lastHeardNs[k] ? receivedNs - lastHeardNs[k] : 0
            return !(attempt > 0 && silentNs < aliveWithinNs)
        }
    }
}
