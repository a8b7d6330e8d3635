// ChainSession+Clocks: clock exchanges with every panel (stamped PING/PONG on its data link), before the first step and during the run.
import ChainProtocol
import Wire

extension ChainSession {
    /// Exchanges per panel before the first step (one after another, so none queues behind another).
    static let startupClockExchanges = 8
    /// How often each panel's clock is exchanged again during a run (the panels' heartbeat interval), ns.
    static let clockRefreshIntervalNs = UInt64(LinkSettings.panelHeartbeatIntervalMs) * 1_000_000

    /// Panel k's clock relative to the controller's (nil before the first stamped PONG), as every figure uses it:
    /// an offset within its bound of zero counts as zero (``ClockTable/reported(_:)``).
    public func clockOffset(ofPanel k: Int) -> ClockOffset? {
        k >= 0 && k < clockEstimators.count ? ClockTable.reported(clockEstimators[k].estimate) : nil
    }

    /// Every panel's offset, as the clock PINGs carry it.
    public var clockTable: ClockTable { ClockTable(offsets: (0..<options.panels).map(clockOffset(ofPanel:))) }

    /// A PONG stamped by the node is one clock exchange (its PING's send stamp is the controller's).
    func noteClockExchange(panel k: Int, _ envelope: Envelope, receivedNs: UInt64) {
        guard case .pong(let pong) = envelope.body, pong.nodeRecvNs != 0,
              pong.sentNs != 0, pong.sentNs <= receivedNs, k >= 0, k < clockEstimators.count else { return }
        clockEstimators[k].add(ClockExchange(controllerSendNs: pong.sentNs, nodeRecvNs: pong.nodeRecvNs,
                                             nodeSendNs: pong.nodeSendNs, controllerRecvNs: receivedNs))
        clockExchanges[k] += 1
    }

    /// A clock PING into panel k's data socket, stamped just before it is encoded, carrying the clock table.
    public func sendClockPing(toPanel k: Int, table: ClockTable) throws(RuntimeError) {
        let (offsets, bounds) = table.wire
        try sendData(toPanel: k, Envelope(header: Header(runID: options.runID, sender: controllerSender),
                                          body: .ping(Ping(sentNs: monotonicNanos(), seq: UInt32(k),
                                                           clockOffsetNs: offsets, clockBoundNs: bounds))))
    }

    /// Before the first step: `exchanges` PING/PONGs with each panel in turn, each waiting for its PONG (up to
    /// 200 ms), then one PING per panel carrying the resulting table, so fronthaul emulation has it from step 0.
    func synchronizeClocks(exchanges: Int = ChainSession.startupClockExchanges) throws(RuntimeError) {
        for k in 0..<options.panels {
            for _ in 0..<exchanges {
                let before = clockExchanges[k]
                try sendClockPing(toPanel: k, table: ClockTable(offsets: []))
                let deadline = monotonicNanos() + 200_000_000
                while clockExchanges[k] == before && monotonicNanos() < deadline {
                    for event in try poll(timeoutMs: 20) {
                        switch event {
                        case .panelExited(let j, let how): throw RuntimeError("panel \(j) (\(dataEndpoints[j])) \(how) during start-up")
                        case .interrupted(let s): throw RuntimeError("interrupted by signal \(s) during start-up")
                        default: continue
                        }
                    }
                }
            }
        }
        let table = clockTable
        for k in 0..<options.panels { try sendClockPing(toPanel: k, table: table) }
        nextClockPingNs = monotonicNanos() + Self.clockRefreshIntervalNs / UInt64(max(1, options.panels))
    }

    /// During a run, between steps: the panel whose clock exchange is due (each panel once per refresh interval,
    /// in turn), or nil. The caller sends it a clock PING and waits briefly for its PONG while handling its events,
    /// so the exchange runs while the chain is idle and the controller stamps the PONG as it arrives.
    public func clockExchangeDue(now: UInt64) -> Int? {
        guard options.panels > 0, now >= nextClockPingNs else { return nil }
        nextClockPingNs = now + Self.clockRefreshIntervalNs / UInt64(options.panels)
        defer { nextClockPanel = (nextClockPanel + 1) % options.panels }
        return nextClockPanel
    }
}
