// ZeroMQ: the only Swift code that touches libzmq — context, sockets, messages, poller, CURVE keys.
import CZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// A libzmq error, with the errno and libzmq's text for it.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The errno value libzmq reported.
    public let code: Int32
    /// What was being done ("bind tcp://127.0.0.1:5550").
    public let operation: String

    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// libzmq's error text (`zmq_strerror`).
    public var text: String { String(cString: zmq_strerror(code)) }
    public var description: String { "\(operation): \(text) (errno \(code))" }

    /// The operation would block (send queue full, nothing to receive, or no connected peer with IMMEDIATE).
    public var isAgain: Bool { code == EAGAIN }
    /// The context was shut down.
    public var isTerminated: Bool { code == ETERM }
    /// A ROUTER with ROUTER_MANDATORY had no peer with that routing id.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }
    /// The address is already in use.
    public var isAddressInUse: Bool { code == EADDRINUSE }

    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation())
    }
}

/// The libzmq version linked at run time, e.g. "4.3.4".
public func zmqVersion() -> String {
    var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return "\(major).\(minor).\(patch)"
}

/// A ZeroMQ context. Thread-safe; sockets made from it are not.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private var terminated = false

    /// - Parameter ioThreads: libzmq I/O threads (1 is right below about 1 GB/s).
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let ctx = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = ctx
        if zmq_ctx_set(ctx, ZMQ_IO_THREADS, ioThreads) != 0 { throw ZMQError.last("zmq_ctx_set io_threads") }
    }

    /// Makes every blocking call on this context's sockets return ``ZMQError/isTerminated``.
    /// Safe to call from any thread, more than once.
    public func shutdown() { zmq_ctx_shutdown(handle) }

    deinit {
        // Sockets hold a reference to their context, so every socket is closed when this runs.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}

/// The socket patterns the chain uses.
public enum ZMQSocketType: Sendable {
    case router, dealer, pair, rep

    var raw: Int32 {
        switch self {
        case .router: ZMQ_ROUTER
        case .dealer: ZMQ_DEALER
        case .pair: ZMQ_PAIR
        case .rep: ZMQ_REP
        }
    }
}

/// A received message frame. Owns libzmq's buffer: read it in place, no copy.
public struct ZMQMessage: ~Copyable {
    let msg: UnsafeMutablePointer<zmq_msg_t>

    /// An empty message, to receive into again and again (``ZMQSocket/receive(into:dontWait:)``).
    public init() {
        msg = .allocate(capacity: 1)
        zmq_msg_init(msg)
    }

    deinit {
        zmq_msg_close(msg)
        msg.deallocate()
    }

    /// The frame's bytes, valid while the message lives.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(msg), count: zmq_msg_size(msg))
    }

    /// Number of bytes.
    public var count: Int { zmq_msg_size(msg) }

    /// Whether more frames of the same multipart message follow.
    public var more: Bool { zmq_msg_more(msg) != 0 }

    /// A copy of the bytes (for small frames such as routing ids).
    public var array: [UInt8] { Array(bytes) }
}

/// A ZeroMQ socket. Not thread-safe: owned and used by one thread.
public final class ZMQSocket {
    private var handle: UnsafeMutableRawPointer?
    /// Keeps the context alive as long as the socket.
    public let context: ZMQContext
    public let type: ZMQSocketType

    public init(_ context: ZMQContext, _ type: ZMQSocketType) throws(ZMQError) {
        guard let h = zmq_socket(context.handle, type.raw) else { throw ZMQError.last("zmq_socket") }
        handle = h
        self.context = context
        self.type = type
        try setInt(ZMQ_LINGER, 0, "linger")  // never block at close: a dead peer must not hang the process
    }

    deinit { close() }

    /// Closes the socket; pending outgoing messages are dropped (linger 0 unless changed). Idempotent.
    public func close() {
        if let h = handle { zmq_close(h); handle = nil }
    }

    var raw: UnsafeMutableRawPointer {
        get throws(ZMQError) {
            guard let h = handle else { throw ZMQError(code: ENOTSOCK, operation: "socket already closed") }
            return h
        }
    }

    // MARK: endpoints

    public func bind(_ endpoint: String) throws(ZMQError) {
        if zmq_bind(try raw, endpoint) != 0 { throw ZMQError.last("bind \(endpoint)") }
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        if zmq_connect(try raw, endpoint) != 0 { throw ZMQError.last("connect \(endpoint)") }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        if zmq_disconnect(try raw, endpoint) != 0 { throw ZMQError.last("disconnect \(endpoint)") }
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        if zmq_unbind(try raw, endpoint) != 0 { throw ZMQError.last("unbind \(endpoint)") }
    }

    /// The endpoint last bound, with the actual port for `tcp://host:*` binds.
    public func lastEndpoint() throws(ZMQError) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        var size = buffer.count
        if zmq_getsockopt(try raw, ZMQ_LAST_ENDPOINT, &buffer, &size) != 0 { throw ZMQError.last("last endpoint") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: options

    func setInt(_ option: Int32, _ value: Int32, _ name: String) throws(ZMQError) {
        var v = value
        if zmq_setsockopt(try raw, option, &v, MemoryLayout<Int32>.size) != 0 { throw ZMQError.last("set \(name)") }
    }

    func setInt64(_ option: Int32, _ value: Int64, _ name: String) throws(ZMQError) {
        var v = value
        if zmq_setsockopt(try raw, option, &v, MemoryLayout<Int64>.size) != 0 { throw ZMQError.last("set \(name)") }
    }

    func setBytes(_ option: Int32, _ value: [UInt8], _ name: String) throws(ZMQError) {
        let h = try raw
        let rc = value.withUnsafeBytes { zmq_setsockopt(h, option, $0.baseAddress, $0.count) }
        if rc != 0 { throw ZMQError.last("set \(name)") }
    }

    func getInt(_ option: Int32, _ name: String) throws(ZMQError) -> Int32 {
        var v: Int32 = 0
        var size = MemoryLayout<Int32>.size
        if zmq_getsockopt(try raw, option, &v, &size) != 0 { throw ZMQError.last("get \(name)") }
        return v
    }

    /// Milliseconds pending messages are kept after close (0 = drop at once; default here 0).
    public func setLinger(milliseconds: Int32) throws(ZMQError) { try setInt(ZMQ_LINGER, milliseconds, "linger") }
    /// Outgoing queue limit in messages.
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) { try setInt(ZMQ_SNDHWM, messages, "sndhwm") }
    /// Incoming queue limit in messages.
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) { try setInt(ZMQ_RCVHWM, messages, "rcvhwm") }
    /// The identity a ROUTER peer sees for this socket (1–255 bytes, not starting with 0).
    public func setRoutingID(_ id: String) throws(ZMQError) { try setBytes(ZMQ_ROUTING_ID, Array(id.utf8), "routing id") }
    /// ROUTER: fail with EHOSTUNREACH instead of silently dropping a message to an unknown peer.
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_ROUTER_MANDATORY, on ? 1 : 0, "router mandatory") }
    /// ROUTER: a new connection with a known routing id takes it over (a restarted node reclaims its id).
    public func setRouterHandover(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_ROUTER_HANDOVER, on ? 1 : 0, "router handover") }
    /// Queue messages only to completed connections (sends fail fast with EAGAIN otherwise).
    public func setImmediate(_ on: Bool) throws(ZMQError) { try setInt(ZMQ_IMMEDIATE, on ? 1 : 0, "immediate") }
    /// ZMTP heartbeats: ping every `interval` ms, drop the connection after `timeout` ms of silence,
    /// ask the peer to time out after `ttl` ms (rounded to 100 ms; < 100 ignored).
    public func setHeartbeat(intervalMs: Int32, timeoutMs: Int32, ttlMs: Int32) throws(ZMQError) {
        try setInt(ZMQ_HEARTBEAT_IVL, intervalMs, "heartbeat ivl")
        try setInt(ZMQ_HEARTBEAT_TIMEOUT, timeoutMs, "heartbeat timeout")
        try setInt(ZMQ_HEARTBEAT_TTL, ttlMs, "heartbeat ttl")
    }
    /// Reconnect after `intervalMs`, backing off up to `maxMs` (0 = no backoff).
    public func setReconnect(intervalMs: Int32, maxMs: Int32) throws(ZMQError) {
        try setInt(ZMQ_RECONNECT_IVL, intervalMs, "reconnect ivl")
        try setInt(ZMQ_RECONNECT_IVL_MAX, maxMs, "reconnect ivl max")
    }
    /// Largest inbound message in bytes; a peer sending more is disconnected (-1 = no limit).
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) { try setInt64(ZMQ_MAXMSGSIZE, bytes, "maxmsgsize") }
    /// Blocking receive timeout in ms (-1 = forever).
    public func setReceiveTimeout(milliseconds: Int32) throws(ZMQError) { try setInt(ZMQ_RCVTIMEO, milliseconds, "rcvtimeo") }
    /// Blocking send timeout in ms (-1 = forever).
    public func setSendTimeout(milliseconds: Int32) throws(ZMQError) { try setInt(ZMQ_SNDTIMEO, milliseconds, "sndtimeo") }
    /// Linger value in ms.
    public func linger() throws(ZMQError) -> Int32 { try getInt(ZMQ_LINGER, "linger") }

    /// Makes this socket a CURVE server holding `secretKey` (Z85, 40 characters).
    public func setCurveServer(secretKey: String) throws(ZMQError) {
        try setInt(ZMQ_CURVE_SERVER, 1, "curve server")
        try setBytes(ZMQ_CURVE_SECRETKEY, Array(secretKey.utf8), "curve secret key")
    }

    /// Sets the ZAP domain a CURVE server passes to the authenticator (``CurveAuthenticator``).
    public func setZAPDomain(_ domain: String) throws(ZMQError) { try setBytes(ZMQ_ZAP_DOMAIN, Array(domain.utf8), "zap domain") }

    /// Makes this socket a CURVE client with its own key pair that talks to the server `serverPublicKey` (Z85).
    public func setCurveClient(publicKey: String, secretKey: String, serverPublicKey: String) throws(ZMQError) {
        try setBytes(ZMQ_CURVE_SERVERKEY, Array(serverPublicKey.utf8), "curve server key")
        try setBytes(ZMQ_CURVE_PUBLICKEY, Array(publicKey.utf8), "curve public key")
        try setBytes(ZMQ_CURVE_SECRETKEY, Array(secretKey.utf8), "curve secret key")
    }

    // MARK: send

    /// Sends one frame (libzmq copies the bytes). `EINTR` is retried.
    /// - Returns: false if the send would block (`dontWait`) — queue full or no peer; throws otherwise.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = true) throws(ZMQError) -> Bool {
        let h = try raw
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_send(h, bytes.baseAddress, bytes.count, flags) >= 0 { return true }
            let e = zmq_errno()
            if e == EINTR { continue }
            if e == EAGAIN && dontWait { return false }
            throw ZMQError(code: e, operation: "send")
        }
    }

    /// Sends one frame without copying it: libzmq reads `bytes` in place from its I/O thread after this call
    /// returned (a constant message, `zmq_msg_init_data` without a free function, so libzmq allocates nothing).
    /// The caller keeps the bytes alive and unchanged until it knows the frame has left (for γ: the receiver's
    /// acknowledgement, ``InPlaceSendLedger`` in ChainProtocol). `EINTR` is retried.
    /// - Returns: false if the send would block (`dontWait`) — nothing was queued and the bytes are free again.
    @discardableResult
    public func sendInPlace(_ bytes: UnsafeRawBufferPointer, more: Bool = false,
                            dontWait: Bool = true) throws(ZMQError) -> Bool {
        let h = try raw
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        let data = UnsafeMutableRawPointer(mutating: bytes.baseAddress)
        let outcome: Int32 = withUnsafeTemporaryAllocation(of: zmq_msg_t.self, capacity: 1) { buffer in
            let msg = buffer.baseAddress!
            while true {
                guard zmq_msg_init_data(msg, data, bytes.count, nil, nil) == 0 else { return zmq_errno() }
                if zmq_msg_send(msg, h, flags) >= 0 { return 0 }  // libzmq owns the message now
                let e = zmq_errno()
                zmq_msg_close(msg)
                if e != EINTR { return e }
            }
        }
        if outcome == 0 { return true }
        if outcome == EAGAIN && dontWait { return false }
        throw ZMQError(code: outcome, operation: "send")
    }

    /// Sends one frame from a byte array.
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = true) throws(ZMQError) -> Bool {
        var result: Result<Bool, ZMQError> = .success(false)
        bytes.withUnsafeBytes { buffer in
            do throws(ZMQError) { result = .success(try send(buffer, more: more, dontWait: dontWait)) }
            catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// Sends a multipart message (all frames, or none if the first would block).
    @discardableResult
    public func send(frames: [[UInt8]], dontWait: Bool = true) throws(ZMQError) -> Bool {
        for (i, frame) in frames.enumerated() {
            let sent = try send(frame, more: i < frames.count - 1, dontWait: dontWait)
            if !sent {
                precondition(i == 0, "libzmq guarantees atomic multipart delivery once the first frame is queued")
                return false
            }
        }
        return true
    }

    // MARK: receive

    /// Receives one frame, zero-copy. `EINTR` is retried.
    /// - Returns: nil if nothing is waiting (`dontWait`) or the receive timeout expired.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> ZMQMessage? {
        let h = try raw
        let message = ZMQMessage()
        while true {
            if zmq_msg_recv(message.msg, h, dontWait ? ZMQ_DONTWAIT : 0) >= 0 { return message }
            let e = zmq_errno()
            if e == EINTR { continue }
            if e == EAGAIN { return nil }
            throw ZMQError(code: e, operation: "receive")
        }
    }

    /// Receives one frame into `message`, replacing what it held (no allocation on this thread: libzmq's I/O
    /// thread allocated the frame's body). `EINTR` is retried.
    /// - Returns: false if nothing is waiting (`dontWait`) or the receive timeout expired.
    public func receive(into message: borrowing ZMQMessage, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let h = try raw
        while true {
            if zmq_msg_recv(message.msg, h, dontWait ? ZMQ_DONTWAIT : 0) >= 0 { return true }
            let e = zmq_errno()
            if e == EINTR { continue }
            if e == EAGAIN { return false }
            throw ZMQError(code: e, operation: "receive")
        }
    }

    /// Receives all frames of one multipart message, copied into arrays (for small control frames).
    public func receiveFrames(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        guard let first = try receive(dontWait: dontWait) else { return nil }
        var frames = [first.array]
        var more = first.more
        while more {
            guard let next = try receive(dontWait: false) else { break }
            frames.append(next.array)
            more = next.more
        }
        return frames
    }

    /// Whether the last received frame had more frames after it.
    public func hasMore() throws(ZMQError) -> Bool { try getInt(ZMQ_RCVMORE, "rcvmore") != 0 }

    /// Receives and discards the remaining frames of a multipart message.
    public func drainRemainingFrames() throws(ZMQError) {
        while try hasMore() { _ = try receive(dontWait: false) }
    }

    // MARK: polling

    fileprivate var pollHandle: UnsafeMutableRawPointer? { handle }
}

/// Waits until one of `sockets` has a message to read, or `timeoutMs` passes (-1 = forever). `EINTR` is retried
/// with the remaining time.
/// - Returns: for each socket, whether it is readable.
public func zmqPoll(_ sockets: [ZMQSocket], timeoutMs: Int) throws(ZMQError) -> [Bool] {
    try zmqPoll(sockets, fileDescriptors: [], timeoutMs: timeoutMs).sockets
}

/// Waits until one of `sockets` or plain file descriptors (e.g. a signalfd) is readable, or `timeoutMs` passes.
/// - Returns: readability of each socket and each file descriptor, in order.
public func zmqPoll(_ sockets: [ZMQSocket], fileDescriptors: [Int32],
                    timeoutMs: Int) throws(ZMQError) -> (sockets: [Bool], fileDescriptors: [Bool]) {
    var items = sockets.map { zmq_pollitem_t(socket: $0.pollHandle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
    items += fileDescriptors.map { zmq_pollitem_t(socket: nil, fd: $0, events: Int16(ZMQ_POLLIN), revents: 0) }
    try pollRetryingInterrupts(&items, timeoutMs: timeoutMs)
    let ready = items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    return (Array(ready.prefix(sockets.count)), Array(ready.dropFirst(sockets.count)))
}

/// The one zmq_poll loop: waits until an item of `items` is readable or `timeoutMs` passes (-1 = forever; 0 = do not
/// wait), setting their `revents`; `EINTR` is retried with the time that remains (CLOCK_MONOTONIC, ms). Allocates nothing.
private func pollRetryingInterrupts(_ items: inout [zmq_pollitem_t], timeoutMs: Int) throws(ZMQError) {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var remaining = timeoutMs
    while true {
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), remaining) }
        if rc >= 0 { return }
        let e = zmq_errno()
        guard e == EINTR else { throw ZMQError(code: e, operation: "poll") }
        if timeoutMs >= 0 {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let elapsedMs = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1_000_000
            remaining = max(0, timeoutMs - elapsedMs)
        }
    }
}

/// A poll set rebuilt and polled again and again without allocating once its capacity is reached (a panel's loop).
/// Not thread-safe: used by the thread that owns its sockets.
public final class ZMQPollSet {
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Empties the set (keeps its storage).
    public func removeAll() { items.removeAll(keepingCapacity: true) }

    /// Adds a socket to wait for. - Returns: its index for ``isReadable(_:)``.
    @discardableResult
    public func add(_ socket: ZMQSocket) -> Int {
        items.append(zmq_pollitem_t(socket: socket.pollHandle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Adds a plain file descriptor (e.g. a signal pipe). - Returns: its index for ``isReadable(_:)``.
    @discardableResult
    public func add(fileDescriptor: Int32) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: Int16(ZMQ_POLLIN), revents: 0))
        return items.count - 1
    }

    /// Waits until an item is readable or `timeoutMs` passes (-1 = forever; 0 = do not wait). `EINTR` is retried
    /// with the remaining time.
    public func poll(timeoutMs: Int) throws(ZMQError) { try pollRetryingInterrupts(&items, timeoutMs: timeoutMs) }

    /// Whether item `index` was readable at the last ``poll(timeoutMs:)``.
    public func isReadable(_ index: Int) -> Bool { items[index].revents & Int16(ZMQ_POLLIN) != 0 }
}

/// A CURVE key pair in Z85 text (40 characters each).
public struct CurveKeyPair: Sendable, Equatable, Codable {
    public let publicKey: String
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new random key pair (libzmq with libsodium).
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&pub, &sec) != 0 { throw ZMQError.last("curve keypair") }
        func text(_ c: [CChar]) -> String { String(decoding: c.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        return CurveKeyPair(publicKey: text(pub), secretKey: text(sec))
    }

    /// The public key that belongs to a secret key (Z85).
    public static func publicKey(forSecret secretKey: String) throws(ZMQError) -> String {
        var pub = [CChar](repeating: 0, count: 41)
        guard secretKey.utf8.count == 40 else { throw ZMQError(code: EINVAL, operation: "curve secret key must be 40 Z85 characters") }
        if zmq_curve_public(&pub, secretKey) != 0 { throw ZMQError.last("curve public") }
        return String(decoding: pub.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Whether this libzmq supports CURVE (built with libsodium).
public func zmqHasCurve() -> Bool { zmq_has("curve") != 0 }
