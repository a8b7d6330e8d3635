// CurveAuthenticator: the ZAP handler (ZeroMQ RFC 27) that admits only CURVE clients whose public key is configured.
import CZeroMQ
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Decodes a Z85 CURVE key (40 characters) to its 32 bytes, or nil if it is not one.
public func curveKeyBytes(_ z85: String) -> [UInt8]? {
    guard z85.utf8.count == 40 else { return nil }
    var bytes = [UInt8](repeating: 0, count: 32)
    guard zmq_z85_decode(&bytes, z85) != nil else { return nil }
    return bytes
}

/// The ZAP handler of one context: every CURVE handshake on a server socket of that context asks it, and it
/// answers 200 for a client public key in the allowed set and 400 for any other. Without a ZAP handler libzmq
/// lets every client that knows the server's public key in — a public key is public, so the chain always runs
/// one when CURVE is on.
///
/// It runs its own thread with a REP socket bound to `inproc://zeromq.zap.01`; ``stop()`` (or the context's
/// shutdown) ends it. Create it before binding the context's server sockets.
public final class CurveAuthenticator: Sendable {
    private let state = HandlerState()
    private let stopped = Mutex<Bool>(false)

    /// Handshakes admitted so far.
    public var accepted: Int { state.accepted.load(ordering: .relaxed) }
    /// Handshakes refused so far (unknown key, or not CURVE).
    public var rejected: Int { state.rejected.load(ordering: .relaxed) }

    /// - Parameters:
    ///   - context: the context whose server sockets it guards (one authenticator per context).
    ///   - allowedPublicKeys: the client public keys admitted, Z85 (40 characters each).
    /// - Throws: for a key that is not Z85, or when the context already has a ZAP handler.
    public init(context: ZMQContext, allowedPublicKeys: [String]) throws(ZMQError) {
        var allowed = Set<[UInt8]>()
        for key in allowedPublicKeys {
            guard let bytes = curveKeyBytes(key) else {
                stopped.withLock { $0 = true }  // no thread to stop: deinit must not wait for one
                throw ZMQError(code: EINVAL, operation: "curve public key '\(key.prefix(40))' is not 40 Z85 characters")
            }
            allowed.insert(bytes)
        }
        let socket: ZMQSocket
        do {
            socket = try ZMQSocket(context, .rep)
            try socket.bind("inproc://zeromq.zap.01")
        } catch {
            stopped.withLock { $0 = true }
            throw error
        }
        let owned = UncheckedSocket(socket: socket)
        let state = self.state
        let admitted = allowed
        let handler = Thread {
            state.serve(owned.socket, allowed: admitted)
            owned.socket.close()
            state.finished.signal()
        }
        handler.name = "zap-handler"
        handler.start()
    }

    /// Ends the handler thread and waits for it (at most about 100 ms). Idempotent; also run by deinit.
    public func stop() {
        let first = stopped.withLock { wasStopped in
            defer { wasStopped = true }
            return !wasStopped
        }
        guard first else { return }
        state.stopRequested.store(true, ordering: .releasing)
        state.finished.wait()
    }

    deinit { stop() }
}

/// What the handler thread shares with its owner.
private final class HandlerState: Sendable {
    let stopRequested = Atomic<Bool>(false)
    let accepted = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
    let finished = DispatchSemaphore(value: 0)

    func serve(_ socket: ZMQSocket, allowed: Set<[UInt8]>) {
        while !stopRequested.load(ordering: .acquiring) {
            let ready: [Bool]
            do { ready = try zmqPoll([socket], timeoutMs: 100) } catch { return }  // ETERM: the context is going
            guard ready[0] else { continue }
            let request: [[UInt8]]
            do {
                guard let frames = try socket.receiveFrames(dontWait: true) else { continue }
                request = frames
            } catch { return }
            // RFC 27 request: version, request id, domain, address, routing id, mechanism, credentials...
            let version = request.count > 0 ? request[0] : []
            let requestID = request.count > 1 ? request[1] : []
            let mechanism = request.count > 5 ? String(decoding: request[5], as: UTF8.self) : ""
            let admitted = request.count >= 7 && mechanism == "CURVE" && allowed.contains(request[6])
            if admitted { accepted.add(1, ordering: .relaxed) } else { rejected.add(1, ordering: .relaxed) }
            let reply: [[UInt8]] = [
                version.isEmpty ? Array("1.0".utf8) : version, requestID,
                Array((admitted ? "200" : "400").utf8),
                Array((admitted ? "OK" : "client key not configured").utf8),
                [], [],
            ]
            do { _ = try socket.send(frames: reply, dontWait: false) } catch { return }
        }
    }
}

/// Hands the REP socket to the handler thread (created on one thread, then used only by the handler).
private struct UncheckedSocket: @unchecked Sendable {
    let socket: ZMQSocket
}
