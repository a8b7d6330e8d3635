// InPlaceSendLedger: which of a sender's γ buffers libzmq may still be reading (sent without a copy) and which are free.

/// The bookkeeping of γ buffers handed to ZeroMQ without a copy (a constant message that libzmq reads from its I/O
/// thread after the send call returned). A buffer is in use from its transmission until the receiver acknowledges
/// the hop: the receiver then holds the whole message, so libzmq wrote it all. One socket per receiver delivers in
/// order, so an acknowledgement of hop `h` by panel `r` also frees every buffer sent to `r` before `h`'s (a receiver
/// that missed one acknowledgement but answers a later one gives its buffers back). Only a hop's first transmission
/// goes out in place (resends, duplicates and corrupted copies are copied by libzmq), so any acknowledgement of the
/// hop follows its in-place transmission on that socket. A receiver's socket that is closed retires its buffers:
/// libzmq may still hold them, so they are never written again (``retire(receiver:)``).
public struct InPlaceSendLedger: Sendable, Equatable {
    /// What a buffer in use was sent as.
    public struct Use: Sendable, Equatable {
        public var receiver: Int32
        public var hop: HopID
        /// Order of transmission among all of this sender's in-place sends.
        public var sequence: UInt64
    }

    /// Per buffer: nil when free, else what it was sent as.
    public private(set) var uses: [Use?]
    /// Buffers given up (their receiver's socket closed while they were in use): the shell replaces them.
    public private(set) var retired: [Int] = []
    private var nextSequence: UInt64 = 0

    /// - Parameter buffers: how many γ buffers the sender keeps (one is in use in steady state).
    public init(buffers: Int) {
        precondition(buffers >= 0)
        uses = Array(repeating: nil, count: buffers)
    }

    /// A free buffer for a hop's first transmission, or nil when every one is in use (send by copying then).
    public func freeBuffer() -> Int? { uses.firstIndex(where: { $0 == nil }) }

    /// Number of buffers in use.
    public var inUse: Int { uses.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Buffer `index` went out in place to `receiver` as hop `hop` (the send call queued it).
    public mutating func sent(_ index: Int, to receiver: Int32, hop: HopID) {
        precondition(uses[index] == nil, "buffer \(index) is still in use")
        uses[index] = Use(receiver: receiver, hop: hop, sequence: nextSequence)
        nextSequence &+= 1
    }

    /// `receiver` acknowledged `hop`: frees that hop's buffer and every buffer sent to `receiver` before it.
    /// An acknowledgement of a hop sent by copying (or unknown) frees nothing.
    public mutating func acknowledged(_ hop: HopID, by receiver: Int32) {
        guard let acked = uses.first(where: { $0?.receiver == receiver && $0?.hop == hop }) ?? nil else { return }
        for i in uses.indices {
            if let use = uses[i], use.receiver == receiver, use.sequence <= acked.sequence { uses[i] = nil }
        }
    }

    /// `receiver`'s socket is closed: its buffers in use will never be acknowledged, and libzmq may still read
    /// them; they are listed in ``retired`` for the shell to replace by fresh ones, and count as free here.
    public mutating func retire(receiver: Int32) {
        for i in uses.indices where uses[i]?.receiver == receiver {
            uses[i] = nil
            retired.append(i)
        }
    }

    /// Every receiver's socket is closed (a new configuration).
    public mutating func retireAll() {
        for i in uses.indices where uses[i] != nil {
            uses[i] = nil
            retired.append(i)
        }
    }

    /// The shell replaced the retired buffers.
    public mutating func replacedRetired() { retired.removeAll() }
}
