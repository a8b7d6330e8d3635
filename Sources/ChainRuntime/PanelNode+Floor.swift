// PanelNode+Floor: a panel's part of the transport floor — timed ping-pongs to its successor, PONGs on the control link.
import ChainProtocol
import Wire
import ZeroMQ

extension PanelNode {
    /// The controller's ``FloorRequest``: `rounds` ping-pongs of `payloadBytes` bytes, one at a time, from this
    /// panel's successor socket to panel `toPanel`'s data socket (the sockets γ takes), answered with a
    /// ``FloorReport`` on the control link. Runs before the first step, while the chain is idle; nothing else is read
    /// meanwhile (the other sockets queue).
    func measureFloor(_ request: FloorRequest) {
        let report = timeFloor(request)
        sendControl(.floorReport(report))
    }

    func timeFloor(_ request: FloorRequest) -> FloorReport {
        let to = request.toPanel
        func failed(_ why: String) -> FloorReport {
            log(.warning, "transport floor to panel \(to): \(why)")
            return FloorReport(fromPanel: Int32(options.index), toPanel: to, roundTripNs: [],
                               payloadBytes: request.payloadBytes, error: why)
        }
        guard let socket = successor(Int(to)) else { return failed("no connection to panel \(to)") }
        let payload = [UInt8](repeating: 0xA5, count: Int(request.payloadBytes))
        var rounds = FloorRounds(rounds: request.rounds, timeoutMs: request.timeoutMs)
        var bytes: [UInt8] = []
        let error = runFloorRounds(&rounds, send: { round, sequence in
            let ping = Envelope(header: Header(runID: runID, sender: Int32(options.index)),
                                body: .ping(Ping(sentNs: 0, seq: sequence, payload: payload, echo: true)))
            WireCodec.encode(ping, into: &bytes)
            let sentNs = monotonicNanos()
            do {
                guard try socket.send(bytes, dontWait: true) else { return .failed("round \(round): send would block") }
            } catch {
                return .failed("round \(round): send failed: \(error)")
            }
            return .sent(atNs: sentNs, answerOn: socket)
        }, pong: { message, _ in
            let receivedNs = monotonicNanos()
            // a stray acknowledgement is no PONG; a late PONG of an earlier round is not this round's answer
            guard let envelope = try? WireCodec.decode(message.bytes), case .pong(let pong) = envelope.body else { return nil }
            return (pong.seq, receivedNs)
        })
        if let error { return failed(error) }
        return FloorReport(fromPanel: Int32(options.index), toPanel: to, roundTripNs: rounds.roundTripsNs,
                           payloadBytes: request.payloadBytes)
    }

    /// A PING from the controller on the control link (the floor of the last panel → controller link): the PONG
    /// goes back the same way, with the PING's payload when it asks for an echo.
    func answerControlPing(_ ping: Ping, receivedNs: UInt64) {
        sendControl(.pong(Ping(sentNs: ping.sentNs, seq: ping.seq, payload: ping.echo ? ping.payload : [],
                               nodeRecvNs: receivedNs, nodeSendNs: monotonicNanos())))
    }
}
