// InPlaceGammaBuffers: the buffers a panel encodes γ into and hands to libzmq without a copy, with their ledger.
import ChainProtocol
import Wire
import ZeroMQ

/// A panel's γ send buffers: a hop's first transmission is encoded into a free one and sent in place
/// (``ZMQSocket/sendInPlace(_:more:dontWait:)``, no copy and no allocation); the buffer is written again only once
/// the receiver acknowledged the hop (``InPlaceSendLedger``). With none free (receivers that do not answer), γ is
/// sent by copying. A buffer libzmq may still read is never freed: retired ones (their socket closed) and those in
/// use when the panel ends are kept for the life of the process.
final class InPlaceGammaBuffers {
    /// Buffers kept (steady state uses one per island in flight; the others cover a successor that has not answered yet).
    static let count = 8
    private(set) var ledger = InPlaceSendLedger(buffers: InPlaceGammaBuffers.count)
    private var buffers = [[UInt8]](repeating: [], count: InPlaceGammaBuffers.count)
    private var retired: [[UInt8]] = []

    /// A free buffer, or nil (send by copying).
    func freeBuffer() -> Int? { ledger.freeBuffer() }

    /// Encodes `envelope` into buffer `index` (which must be free; its capacity is reused).
    func encode(_ envelope: Envelope, into index: Int, arena: WireArena) {
        precondition(ledger.uses[index] == nil, "γ buffer \(index) is still being sent")
        WireCodec.encode(envelope, into: &buffers[index], arena: arena)
    }

    /// Size of buffer `index`, bytes.
    func byteCount(_ index: Int) -> Int { buffers[index].count }

    /// Sends buffer `index` in place on `socket` as hop `hop` to `receiver`; on success the buffer is in use until
    /// the hop is acknowledged.
    /// - Returns: false if the send would block (nothing queued; the buffer stays free).
    func send(_ index: Int, on socket: ZMQSocket, to receiver: Int32, hop: HopID) throws(ZMQError) -> Bool {
        var result: Result<Bool, ZMQError> = .success(false)
        buffers[index].withUnsafeBytes { bytes in
            do throws(ZMQError) { result = .success(try socket.sendInPlace(bytes, dontWait: true)) }
            catch { result = .failure(error) }
        }
        // the array is not touched again until the ledger frees it, so its storage stays where libzmq reads it
        if try result.get() {
            ledger.sent(index, to: receiver, hop: hop)
            return true
        }
        return false
    }

    /// `receiver` acknowledged `hop` (``InPlaceSendLedger/acknowledged(_:by:)``).
    func acknowledged(_ hop: HopID, by receiver: Int32) { ledger.acknowledged(hop, by: receiver) }

    /// Every successor socket was closed: the buffers in use are kept aside and replaced by fresh ones.
    func retireAll() {
        ledger.retireAll()
        for i in ledger.retired {
            retired.append(buffers[i])
            buffers[i] = []
        }
        ledger.replacedRetired()
    }

    deinit {
        // libzmq's I/O thread may still read these after the sockets closed: keep them for the life of the process
        let kept = retired + ledger.uses.indices.filter { ledger.uses[$0] != nil }.map { buffers[$0] }
        if !kept.isEmpty { _ = Unmanaged.passRetained(KeptBuffers(kept)) }
    }
}

/// γ buffers kept alive on purpose (``InPlaceGammaBuffers``'s deinit).
private final class KeptBuffers {
    let buffers: [[UInt8]]
    init(_ buffers: [[UInt8]]) { self.buffers = buffers }
}
