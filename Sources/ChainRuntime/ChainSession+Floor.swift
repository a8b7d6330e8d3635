// ChainSession+Floor: the transport floor of every link of the route, timed before the first step (chain.floor_rounds).
import ChainProtocol
import Wire
import ZeroMQ

extension ChainSession {
    /// Uncounted ping-pongs per link before the counted ones (connection set-up, caches).
    static let floorWarmupRounds = 5
    /// Longest wait for one PONG, ms.
    static let floorTimeoutMs: UInt32 = 1000

    /// Times `rounds` γ-sized ping-pongs (after ``floorWarmupRounds`` uncounted ones) on each link of `route`, one
    /// link after another: controller → first panel on the controller's data link, panel → next panel by a
    /// ``FloorRequest`` (the panel's successor socket to the next panel's data socket), last panel → controller on the
    /// control link. A link that cannot be timed keeps its error (logged by the caller) and no round trips.
    /// - Parameter payloadBytes: bytes per link, in the order of ``RouteLink/along(_:)`` (``floorPayloadBytes``).
    public func measureTransportFloor(route: [Int], payloadBytes: [Int], rounds: Int) throws(RuntimeError) -> TransportFloor {
        let links = RouteLink.along(route)
        precondition(payloadBytes.count == links.count, "one payload size per link")
        let total = rounds + Self.floorWarmupRounds
        var floors: [LinkFloor] = []
        for (link, bytes) in zip(links, payloadBytes) {
            let timed: (roundTrips: [UInt64], error: String)
            if link.from == RouteLink.controller {
                timed = try pingPong(panel: link.to, onControl: false, bytes: bytes, rounds: total)
            } else if link.to == RouteLink.controller {
                timed = try pingPong(panel: link.from, onControl: true, bytes: bytes, rounds: total)
            } else {
                timed = try requestFloor(from: link.from, to: link.to, bytes: bytes, rounds: total)
            }
            floors.append(LinkFloor(link: link, payloadBytes: bytes, roundTripsNs: timed.roundTrips,
                                    warmup: Self.floorWarmupRounds, error: timed.error))
        }
        return TransportFloor(rounds: rounds, links: floors)
    }

    /// Ping-pongs between the controller and panel k: on the controller's data link into k (`onControl` false) or on
    /// the control link (true; the link the step result takes). Send stamp after encoding, receipt stamp before
    /// decoding, both on the controller's clock: the sockets are read here, not through ``poll(timeoutMs:)``.
    func pingPong(panel k: Int, onControl: Bool, bytes: Int, rounds total: Int) throws(RuntimeError) -> ([UInt64], String) {
        let payload = [UInt8](repeating: 0x5A, count: bytes)
        var rounds = FloorRounds(rounds: UInt32(total), timeoutMs: Self.floorTimeoutMs)
        let error = try runFloorRounds(&rounds, send: { (round, sequence) throws(RuntimeError) -> FloorSend in
            let ping = Envelope(header: Header(runID: options.runID, sender: controllerSender),
                                body: .ping(Ping(sentNs: 0, seq: sequence, payload: payload, echo: true)))
            guard onControl else {
                let sentNs = try sendData(toPanel: k, ping)
                guard let link = dataLinks[k] else { return .failed("no data link to panel \(k)") }
                return .sent(atNs: sentNs, answerOn: link)
            }
            WireCodec.encode(ping, into: &encodeBuffer)
            let sentNs = monotonicNanos()
            do { _ = try control.send(frames: [panelRoutingID(k), encodeBuffer]) } catch {
                return .failed("round \(round): send to panel \(k) failed: \(error)")
            }
            return .sent(atNs: sentNs, answerOn: control)
        }, pong: { first, socket in
            var from = k
            let receivedNs: UInt64
            let decoded: Envelope?
            if onControl {
                // [routing id, payload] from a panel's control DEALER
                let identity = first.array
                guard first.more, let body = try? socket.receive(dontWait: false),
                      let sender = panelIndex(identity), sender < options.panels else { dropped += 1; return nil }
                from = sender
                receivedNs = monotonicNanos()
                decoded = try? WireCodec.decode(body.bytes)
            } else {
                receivedNs = monotonicNanos()
                decoded = try? WireCodec.decode(first.bytes)
            }
            guard let envelope = decoded else { dropped += 1; return nil }
            if onControl { lastHeard[from] = receivedNs }
            switch envelope.body {
            case .pong(let pong) where from == k:
                return (pong.seq, receivedNs)  // this round's answer, or a late PONG of an earlier round
            case .heartbeat(let hb) where onControl:
                panelCounters[from] = hb.counters
                return nil
            default:
                return nil  // other control traffic waits for no one before step 0
            }
        })
        return (rounds.roundTripsNs, error ?? "")
    }

    /// Asks panel `from` to time the ping-pongs to panel `to` and waits for its ``FloorReport``: up to two PONG
    /// time-outs plus 50 ms a round (a panel that does not know the request leaves the link untimed, not the run stuck).
    func requestFloor(from: Int, to: Int, bytes: Int, rounds: Int) throws(RuntimeError) -> ([UInt64], String) {
        let request = FloorRequest(toPanel: Int32(to), payloadBytes: UInt32(bytes), rounds: UInt32(rounds),
                                   timeoutMs: Self.floorTimeoutMs)
        try sendControl(toPanel: from, Envelope(header: Header(runID: options.runID, sender: controllerSender),
                                                body: .floorRequest(request)))
        let deadline = monotonicNanos() + (2 * UInt64(Self.floorTimeoutMs) + 50 * UInt64(rounds)) * 1_000_000
        while monotonicNanos() < deadline {
            for event in try poll(timeoutMs: 20) {
                switch event {
                case .control(let k, let envelope):
                    if k == from, case .floorReport(let report) = envelope.body, report.toPanel == Int32(to) {
                        return (report.roundTripNs, report.error)
                    }
                case .panelExited(let j, let how):
                    throw RuntimeError("panel \(j) (\(dataEndpoints[j])) \(how) while the transport floor was timed")
                case .interrupted(let s):
                    throw RuntimeError("interrupted by signal \(s) while the transport floor was timed")
                default:
                    continue
                }
            }
        }
        return ([], "no floor report from panel \(from) in time")
    }
}
