// FakePanel: a data socket on loopback that answers Ping the way the panel contract says (or misbehaves on purpose).
import ChainRuntime
import Foundation
import Synchronization
import Wire
import ZeroMQ

/// How a fake panel answers a Ping.
enum FakeBehaviour: Sendable {
    /// A correct Pong with these header and payload values.
    case pong(index: Int32, protocolVersion: UInt32 = wireProtocolVersion, software: String = dmimoVersion, runID: UInt64 = 0)
    /// Never answers.
    case silent
}

/// A ROUTER bound to a free loopback port, served by its own thread until ``stop()``.
final class FakePanel: Sendable {
    let endpoint: String
    private let control: FakeControl

    init(_ behaviour: FakeBehaviour) throws {
        let ready = DispatchSemaphore(value: 0)
        let bound = BoundEndpoint()
        let control = FakeControl()
        self.control = control
        let thread = Thread {
            defer { control.finished.signal() }
            let socket: ZMQSocket
            do throws(ZMQError) {
                let context = try ZMQContext()
                socket = try ZMQSocket(context, .router)
                try socket.bind("tcp://127.0.0.1:*")
                let endpoint = try socket.lastEndpoint()
                bound.set(.success(endpoint))
            } catch {
                bound.set(.failure(error))
                ready.signal()
                return
            }
            ready.signal()
            while !control.stopping.load(ordering: .relaxed) {
                guard let readable = try? zmqPoll([socket], timeoutMs: 20), readable[0],
                      let frames = try? socket.receiveFrames(dontWait: true), frames.count == 2 else { continue }
                guard case .pong(let index, let version, let software, let runID) = behaviour,
                      let request = try? WireCodec.decode(frames[1]), case .ping(let ping) = request.body else { continue }
                let reply = Envelope(header: Header(runID: runID, sender: index, protocolVersion: version),
                                     body: .pong(Ping(sentNs: ping.sentNs, seq: ping.seq, payload: Array(software.utf8))))
                _ = try? socket.send(frames: [frames[0], WireCodec.encode(reply)])
            }
            socket.close()
        }
        thread.start()
        ready.wait()
        endpoint = try bound.get()
    }

    func stop() {
        control.stopping.store(true, ordering: .relaxed)
        control.finished.wait()
    }
}

/// Stop request and completion signal shared with the serving thread.
final class FakeControl: Sendable {
    let stopping = Atomic<Bool>(false)
    let finished = DispatchSemaphore(value: 0)
}

/// The endpoint the serving thread bound, handed back to the test's thread.
final class BoundEndpoint: Sendable {
    private let value = Mutex<Result<String, ZMQError>?>(nil)
    func set(_ result: Result<String, ZMQError>) { value.withLock { $0 = result } }
    func get() throws -> String { try value.withLock { $0 }!.get() }
}

/// A loopback endpoint nobody listens on (bound once, then released).
func closedLoopbackEndpoint() throws -> String {
    let context = try ZMQContext()
    let socket = try ZMQSocket(context, .router)
    try socket.bind("tcp://127.0.0.1:*")
    let endpoint = try socket.lastEndpoint()
    socket.close()
    return endpoint
}
