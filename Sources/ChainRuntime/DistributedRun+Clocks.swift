// DistributedRun+Clocks: the run's clock exchanges, one panel at a time between steps, its events handled as always.
import Wire

extension DistributedRun {
    /// How long the controller waits between steps for a clock PONG before it goes on without it, ns.
    static let clockPongWaitNs: UInt64 = 5_000_000

    /// Between steps: if a panel's clock exchange is due (``ChainSession/clockExchangeDue(now:)``), sends it a
    /// clock PING with the current table and pumps events until its PONG is in (or 5 ms passed). A panel out of the
    /// route is left out. Returns false when interrupted.
    func exchangeClockIfDue() throws(RuntimeError) -> Bool {
        guard let k = session.clockExchangeDue(now: monotonicNanos()), !membership.isSuspected(k) else { return true }
        let before = session.clockExchanges[k]
        do { try session.sendClockPing(toPanel: k, table: session.clockTable) } catch { return true }
        let deadline = monotonicNanos() + Self.clockPongWaitNs
        while session.clockExchanges[k] == before && monotonicNanos() < deadline {
            if case .interrupted? = try pump(run: -1, step: -1, timeoutMs: 1, onAck: { _, _, _ in }) { return false }
        }
        return true
    }
}
