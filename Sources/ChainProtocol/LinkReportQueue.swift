// LinkReportQueue: a sender's link reports waiting to ride to the controller in its next γ, or sent alone when due.

/// The link reports of a panel's acknowledged hops, held until the panel's next γ (or step result) carries them to
/// the controller, so that a hop costs no message of its own. A report that found no γ within ``holdNs`` (the
/// panel left the route, the run set ended) is sent alone: ``isDue(now:)``.
public struct LinkReportQueue<Report: Sendable>: Sendable {
    /// The longest a report waits for a γ to ride in, ns (the controller joins reports two steps after their
    /// step and waits 100 ms after the last step, so this stays below both at the default chain's pace).
    public let holdNs: UInt64
    /// Reports waiting, oldest first.
    public private(set) var reports: [Report] = []
    /// When the oldest waiting report was queued, ns of the panel's monotonic clock.
    public private(set) var oldestNs: UInt64?

    public init(holdNs: UInt64 = 25_000_000, capacity: Int = 8) {
        self.holdNs = holdNs
        reports.reserveCapacity(capacity)
    }

    /// Queues the report of a hop just acknowledged.
    public mutating func add(_ report: Report, now: UInt64) {
        if reports.isEmpty { oldestNs = now }
        reports.append(report)
    }

    /// Whether the waiting reports should be sent alone now.
    public func isDue(now: UInt64) -> Bool {
        guard let oldestNs else { return false }
        return now >= oldestNs &+ holdNs
    }

    /// When they will be due, ns (nil: none waiting).
    public var dueNs: UInt64? { oldestNs.map { $0 &+ holdNs } }

    /// Moves the waiting reports onto the end of `carrier` (γ's list), keeping this queue's storage.
    public mutating func move(into carrier: inout [Report]) {
        carrier.append(contentsOf: reports)
        removeAll()
    }

    /// Forgets the waiting reports (they were sent, or the run they belong to is over).
    public mutating func removeAll() {
        reports.removeAll(keepingCapacity: true)
        oldestNs = nil
    }
}
