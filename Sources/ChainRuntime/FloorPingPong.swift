// FloorPingPong: the socket shell of FloorRounds — each round's PING out, the poll, every message read until its PONG.
import ChainProtocol
import ZeroMQ

/// What sending one floor round's PING did.
enum FloorSend {
    /// Sent at `atNs` (stamped after encoding; caller's clock, ns); its PONG comes back on `answerOn`.
    case sent(atNs: UInt64, answerOn: ZMQSocket)
    /// Not sent: the link's error.
    case failed(String)
}

/// Runs every round of `rounds`, one at a time. `send` puts round `round`'s PING (sequence number `sequence`) on the
/// wire and says when and on which socket its PONG comes back; then that socket is polled until the round's deadline
/// and every message read from it goes to `pong`, which reads any further frames itself (so the receipt stamp is its
/// own, taken before decoding) and returns the sequence number and receipt stamp (ns) of a PONG from the timed peer,
/// or nil for anything else (which it handles: a heartbeat, a dropped message).
/// - Returns: nil when every round was answered, else why the link could not be timed; the round trips of the
///   rounds answered before stay in `rounds`.
func runFloorRounds<E: Error>(
    _ rounds: inout FloorRounds,
    send: (_ round: UInt32, _ sequence: UInt32) throws(E) -> FloorSend,
    pong: (_ message: borrowing ZMQMessage, _ socket: ZMQSocket) -> (sequence: UInt32, receivedNs: UInt64)?
) throws(E) -> String? {
    while !rounds.isDone {
        let socket: ZMQSocket
        switch try send(rounds.round, rounds.sequence) {
        case .failed(let why): return why
        case .sent(let sentNs, let answerOn):
            rounds.sent(atNs: sentNs)
            socket = answerOn
        }
        while rounds.isAwaitingPong {
            let timeoutMs: Int
            switch rounds.wait(nowNs: monotonicNanos()) {
            case .timedOut(let why): return why
            case .poll(let ms): timeoutMs = ms
            }
            guard let ready = try? zmqPoll([socket], timeoutMs: timeoutMs), ready[0] else { continue }
            // read everything queued: PONGs after the answer (late, duplicated) are not counted
            while let message = try? socket.receive(dontWait: true) {
                if let answer = pong(message, socket) { rounds.received(sequence: answer.sequence, atNs: answer.receivedNs) }
            }
        }
    }
    return nil
}
