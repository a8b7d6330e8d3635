// Tests of the ZeroMQ wrapper over inproc, ipc and tcp: multipart, options, errors, shutdown, CURVE.
import Foundation
import Testing
import ZeroMQ

@Suite struct ZeroMQTests {
    func roundTrip(_ endpoint: (Int) -> String) throws {
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router)
        try router.setRouterMandatory(true)
        try router.bind(endpoint(0))
        let bound = try router.lastEndpoint()
        let dealer = try ZMQSocket(ctx, .dealer)
        try dealer.setRoutingID("panel-7")
        try dealer.connect(bound)
        let payload = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try dealer.send(payload, dontWait: false)
        try router.setReceiveTimeout(milliseconds: 5000)
        guard let frames = try router.receiveFrames() else { Issue.record("no message"); return }
        #expect(frames.count == 2)
        #expect(String(decoding: frames[0], as: UTF8.self) == "panel-7")
        #expect(frames[1] == payload)
        // reply through the router to the dealer by routing id
        #expect(try router.send(frames: [frames[0], [1, 2, 3]]))
        try dealer.setReceiveTimeout(milliseconds: 5000)
        guard let reply = try dealer.receive() else { Issue.record("no reply"); return }
        let replyBytes = reply.array
        #expect(replyBytes == [1, 2, 3])
        let more = reply.more
        #expect(more == false)
    }

    @Test func inprocRoundTrip() throws { try roundTrip { _ in "inproc://zmq-test-\(UUID().uuidString)" } }
    @Test func ipcRoundTrip() throws { try roundTrip { _ in "ipc:///tmp/dmimo-zmq-test-\(getpid())-\(UUID().uuidString.prefix(8))" } }
    @Test func tcpRoundTrip() throws { try roundTrip { _ in "tcp://127.0.0.1:*" } }

    @Test func routerMandatoryToUnknownPeerFails() throws {
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router)
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        #expect {
            try router.send(frames: [Array("nobody".utf8), [1]])
        } throws: { error in
            (error as? ZMQError)?.isHostUnreachable == true
        }
    }

    @Test func lingerZeroCloseWithDeadPeerReturnsQuickly() throws {
        let ctx = try ZMQContext()
        let dealer = try ZMQSocket(ctx, .dealer)
        #expect(try dealer.linger() == 0)
        try dealer.connect("tcp://127.0.0.1:1")  // nobody listens here
        // queue messages that can never be delivered
        for _ in 0..<5 { _ = try dealer.send([UInt8](repeating: 7, count: 1000)) }
        let start = ContinuousClock.now
        dealer.close()
        dealer.close()  // idempotent
        _ = consume ctx
        #expect(ContinuousClock.now - start < .seconds(2))  // a hang would block here forever, not for 2 s
    }

    @Test func immediateMakesSendToUnconnectedPeerFailFast() throws {
        let ctx = try ZMQContext()
        let dealer = try ZMQSocket(ctx, .dealer)
        try dealer.setImmediate(true)
        try dealer.connect("tcp://127.0.0.1:1")
        #expect(try dealer.send([1, 2, 3], dontWait: true) == false)
    }

    @Test func receiveWithDontWaitOnEmptySocketIsNil() throws {
        let ctx = try ZMQContext()
        let s = try ZMQSocket(ctx, .dealer)
        try s.bind("inproc://empty-\(UUID().uuidString)")
        let nothing = try s.receive(dontWait: true)
        let empty: Bool = if case .none = consume nothing { true } else { false }
        #expect(empty)
    }

    @Test func bindingAPortInUseNamesTheEndpoint() throws {
        let ctx = try ZMQContext()
        let a = try ZMQSocket(ctx, .router)
        try a.bind("tcp://127.0.0.1:*")
        let endpoint = try a.lastEndpoint()
        let b = try ZMQSocket(ctx, .router)
        #expect {
            try b.bind(endpoint)
        } throws: { error in
            guard let z = error as? ZMQError else { return false }
            return z.isAddressInUse && z.description.contains(endpoint) && z.description.contains("in use")
        }
    }

    @Test func badEndpointIsAnError() throws {
        let ctx = try ZMQContext()
        let s = try ZMQSocket(ctx, .dealer)
        #expect(throws: ZMQError.self) { try s.connect("nonsense://x") }
    }

    @Test func shutdownUnblocksReceive() throws {
        let ctx = try ZMQContext()
        let s = try ZMQSocket(ctx, .dealer)
        try s.bind("inproc://shutdown-\(UUID().uuidString)")
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { ctx.shutdown(); done.signal() }
        #expect {
            _ = try s.receive()
        } throws: { error in
            (error as? ZMQError)?.isTerminated == true
        }
        done.wait()
    }

    @Test func pollReportsReadableSocket() throws {
        let ctx = try ZMQContext()
        let name = "inproc://poll-\(UUID().uuidString)"
        let a = try ZMQSocket(ctx, .pair), b = try ZMQSocket(ctx, .pair)
        try a.bind(name); try b.connect(name)
        #expect(try zmqPoll([a, b], timeoutMs: 10) == [false, false])
        try b.send([9], dontWait: false)
        #expect(try zmqPoll([a, b], timeoutMs: 1000) == [true, false])
    }

    @Test func curveOnlyAdmitsClientsThatKnowTheServerKey() throws {
        guard zmqHasCurve() else { return }
        let server = try CurveKeyPair.generate(), client = try CurveKeyPair.generate(), wrong = try CurveKeyPair.generate()
        #expect(try CurveKeyPair.publicKey(forSecret: server.secretKey) == server.publicKey)
        let ctx = try ZMQContext()
        let router = try ZMQSocket(ctx, .router)
        try router.setCurveServer(secretKey: server.secretKey)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint()
        // a client that believes the server has another key fails the handshake: nothing arrives
        let intruder = try ZMQSocket(ctx, .dealer)
        try intruder.setCurveClient(publicKey: client.publicKey, secretKey: client.secretKey, serverPublicKey: wrong.publicKey)
        try intruder.connect(endpoint)
        _ = try intruder.send([6, 6, 6])
        // a plain-text client fails too
        let plain = try ZMQSocket(ctx, .dealer)
        try plain.connect(endpoint)
        _ = try plain.send([6, 6, 6])
        // the right client gets through
        let good = try ZMQSocket(ctx, .dealer)
        try good.setCurveClient(publicKey: client.publicKey, secretKey: client.secretKey, serverPublicKey: server.publicKey)
        try good.connect(endpoint)
        try good.send([1, 2], dontWait: false)
        try router.setReceiveTimeout(milliseconds: 3000)
        let frames = try router.receiveFrames()
        #expect(frames?.last == [1, 2])
        try router.setReceiveTimeout(milliseconds: 500)
        #expect(try router.receiveFrames() == nil)  // the intruders' messages never arrive
    }

    /// A client with a valid key pair that knows the server's public key gets in without a ZAP handler — and
    /// is refused with one that admits only the configured keys.
    @Test func authenticatorAdmitsOnlyConfiguredClientKeys() throws {
        guard zmqHasCurve() else { return }
        let server = try CurveKeyPair.generate(), member = try CurveKeyPair.generate(), outsider = try CurveKeyPair.generate()
        for guarded in [false, true] {
            let ctx = try ZMQContext()
            let authenticator = guarded ? try CurveAuthenticator(context: ctx, allowedPublicKeys: [member.publicKey]) : nil
            let router = try ZMQSocket(ctx, .router)
            try router.setCurveServer(secretKey: server.secretKey)
            try router.bind("tcp://127.0.0.1:*")
            let endpoint = try router.lastEndpoint()
            let stranger = try ZMQSocket(ctx, .dealer)
            try stranger.setCurveClient(publicKey: outsider.publicKey, secretKey: outsider.secretKey,
                                        serverPublicKey: server.publicKey)
            try stranger.connect(endpoint)
            _ = try stranger.send([6, 6, 6])
            let good = try ZMQSocket(ctx, .dealer)
            try good.setCurveClient(publicKey: member.publicKey, secretKey: member.secretKey, serverPublicKey: server.publicKey)
            try good.connect(endpoint)
            try good.send([1, 2], dontWait: false)
            try router.setReceiveTimeout(milliseconds: 3000)
            var payloads: [[UInt8]] = []
            while let frames = try router.receiveFrames(), let last = frames.last {
                payloads.append(last)
                if payloads.contains([1, 2]) { try router.setReceiveTimeout(milliseconds: 500) }
            }
            #expect(payloads.contains([1, 2]))
            // without a ZAP handler any key pair is in; with one, the stranger's bytes never arrive
            #expect(payloads.contains([6, 6, 6]) == !guarded)
            if let authenticator {
                #expect(authenticator.accepted >= 1)
                #expect(authenticator.rejected >= 1)
                authenticator.stop()
            }
            stranger.close(); good.close(); router.close()
        }
        // a malformed key is refused up front
        #expect(throws: ZMQError.self) { try CurveAuthenticator(context: try ZMQContext(), allowedPublicKeys: ["short"]) }
    }

    @Test func errorsCarryErrnoText() {
        let e = ZMQError(code: EADDRINUSE, operation: "bind tcp://127.0.0.1:5550")
        #expect(e.description.contains("Address already in use"))
    }
}
