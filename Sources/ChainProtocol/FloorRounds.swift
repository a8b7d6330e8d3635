// FloorRounds: the ping-pong rounds that time one link's transport floor — sequence numbers, PONG wait, matching, count.

/// Sequence numbers of floor PINGs: this bit set and the round in the rest, so a late PONG of the start-up reachability
/// pings (sequence = panel index) or of a clock exchange is never taken for a floor round's answer.
public let floorPingSequenceBase: UInt32 = 0x8000_0000

/// The γ-sized ping-pong rounds that time one link (the controller's links and a panel's link to its successor alike),
/// one round at a time and without sockets. The shell sends the round's PING with sequence number ``sequence`` and
/// stamps it (``sent(atNs:)``), polls for at most what ``wait(nowNs:)`` says, and hands over every PONG it reads
/// (``received(sequence:atNs:)``): the one that answers the awaited round is counted, a late PONG of an earlier round
/// is not. Times are the caller's clock (monotonic), ns.
public struct FloorRounds: Sendable, Equatable {
    /// Rounds to run.
    public let rounds: UInt32
    /// Longest wait for one round's PONG, ms (0 waits 1 ms).
    public let timeoutMs: UInt32
    /// The round sent or next to send, 0-based; ``rounds`` once every round is answered.
    public private(set) var round: UInt32 = 0
    /// Round trips of the answered rounds, in order: the PONG's receipt stamp − the PING's send stamp (0 if the clock
    /// went backwards), ns.
    public private(set) var roundTripsNs: [UInt64] = []
    /// Send stamp of the awaited round, ns; nil when no PONG is awaited.
    public private(set) var sentNs: UInt64?

    public init(rounds: UInt32, timeoutMs: UInt32) {
        self.rounds = rounds
        self.timeoutMs = timeoutMs
        roundTripsNs.reserveCapacity(Int(rounds))
    }

    /// Every round is answered.
    public var isDone: Bool { round >= rounds }
    /// A PING is out and its PONG not yet read.
    public var isAwaitingPong: Bool { sentNs != nil }
    /// Sequence number of the current round's PING, and of the PONG that answers it.
    public var sequence: UInt32 { floorPingSequenceBase | round }

    /// The current round's PING went out at `ns` (stamped after encoding, before the send).
    public mutating func sent(atNs ns: UInt64) {
        precondition(!isDone && sentNs == nil, "a floor round is sent once, after the one before is answered")
        sentNs = ns
    }

    /// How long to wait for the awaited PONG.
    public enum Wait: Equatable, Sendable {
        /// Poll the socket for at most this long, ms (rounded up, so the wait never ends before the deadline).
        case poll(timeoutMs: Int)
        /// The deadline has passed: the link's error, naming the round.
        case timedOut(String)
    }

    /// The wait for the awaited round's PONG at time `nowNs`: until its send stamp + ``timeoutMs``.
    public func wait(nowNs: UInt64) -> Wait {
        guard let sentNs else { preconditionFailure("no floor round is awaited") }
        let deadlineNs = sentNs + UInt64(max(1, timeoutMs)) * 1_000_000
        guard nowNs < deadlineNs else { return .timedOut("round \(round): no PONG within \(timeoutMs) ms") }
        return .poll(timeoutMs: Int((deadlineNs - nowNs) / 1_000_000) + 1)
    }

    /// A PONG with sequence number `sequence`, read at `receivedNs` (stamped before decoding).
    /// - Returns: whether it answered the awaited round — then its round trip is counted and the next round is due; a
    ///   PONG of another round, or one read while no round is awaited, changes nothing.
    @discardableResult
    public mutating func received(sequence: UInt32, atNs receivedNs: UInt64) -> Bool {
        guard let sentNs, sequence == self.sequence else { return false }
        roundTripsNs.append(receivedNs > sentNs ? receivedNs - sentNs : 0)
        self.sentNs = nil
        round += 1
        return true
    }
}
