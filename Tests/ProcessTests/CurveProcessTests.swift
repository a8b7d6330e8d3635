// Process-level test of CURVE security: a peer without a configured key cannot change any estimate of a real chain.
import ChainRuntime
import Config
import Foundation
import Synchronization
import Testing
import Wire
import ZeroMQ

/// An attacker on its own thread: floods every panel's data socket with forged step starts / γ of the running
/// run (right run id, every step, particles far from the agent) over plain text and over CURVE with a key pair
/// that is not in the ring; with `controlTarget`, also forges step results into the controller's control socket
/// under the last panel's routing id.
final class ForgingAttacker: Sendable {
    let stopFlag = Atomic<Bool>(false)
    /// Forged messages offered to the sockets (rounds × links), and how many of them libzmq queued.
    let attempts = Atomic<Int>(0)
    let sent = Atomic<Int>(0)
    let done = DispatchSemaphore(value: 0)

    init(dataEndpoints: [String], panelKeys: [String], controlTarget: (endpoint: String, key: String)?,
         runID: UInt64, steps: Int) {  // γ of 512 particles: the test chain's filter.particles
        let panels = dataEndpoints.count
        Thread { [self] in
            defer { done.signal() }
            guard let context = try? ZMQContext(), let stranger = try? CurveKeyPair.generate() else { return }
            var links: [(socket: ZMQSocket, panel: Int)] = []
            for k in 0..<panels {
                for curve in [false, true] {
                    guard let socket = try? ZMQSocket(context, .dealer) else { continue }
                    if curve {
                        try? socket.setCurveClient(publicKey: stranger.publicKey, secretKey: stranger.secretKey,
                                                   serverPublicKey: panelKeys[k])
                    }
                    try? socket.connect(dataEndpoints[k])
                    links.append((socket, k))
                }
            }
            var control: ZMQSocket?
            if let target = controlTarget, let socket = try? ZMQSocket(context, .dealer) {
                try? socket.setRoutingID("panel-\(panels - 1)")
                try? socket.setCurveClient(publicKey: stranger.publicKey, secretKey: stranger.secretKey,
                                           serverPublicKey: target.key)
                try? socket.connect(target.endpoint)
                control = socket
            }
            let far = ParticleArrays(x: [Float](repeating: 29, count: 512), y: [Float](repeating: 1, count: 512),
                                     vx: [Float](repeating: 0, count: 512), vy: [Float](repeating: 0, count: 512))
            let route = (0..<panels).map(Int32.init)
            var step = 0
            while !stopFlag.load(ordering: .relaxed) {
                for link in links {
                    let header = Header(runID: runID, run: 0,
                                        step: UInt32(step), sender: link.panel == 0 ? controllerSender : Int32(link.panel - 1))
                    let body: Body = .gamma(Gamma(route: route, hop: UInt32(link.panel), particles: far))
                    attempts.add(1, ordering: .relaxed)
                    if (try? link.socket.send(WireCodec.encode(Envelope(header: header, body: body)), dontWait: true)) == true {
                        sent.add(1, ordering: .relaxed)
                    }
                    while (try? link.socket.receive(dontWait: true)) != nil {}  // acks, if any get through
                }
                if let control {
                    let forged = StepResult(estX: 29, estY: 1, estVX: 0, estVY: 0, posterior: far, outcome: .delivered)
                    _ = try? control.send(WireCodec.encode(Envelope(
                        header: Header(runID: runID, step: UInt32(step), sender: Int32(panels - 1)),
                        body: .stepResult(forged))), dontWait: true)
                }
                step = (step + 1) % steps
                usleep(500)
            }
            for link in links { link.socket.close() }
            control?.close()
        }.start()
    }

    func stop() {
        stopFlag.store(true, ordering: .relaxed)
        done.wait()
    }
}

@Suite(.serialized) struct CurveProcessTests {
    /// Plain text: the forged messages reach the panels and change the estimates (the attack is real). CURVE with
    /// the ring's keys: the same attack, plus forged results into the controller, changes nothing — the
    /// estimates are bit-identical to the in-process run, and the panels refused the stranger's handshakes.
    @Test func aPeerWithoutAConfiguredKeyCannotChangeAnyEstimate() throws {
        guard zmqHasCurve() else { Issue.record("libzmq without CURVE"); return }
        let panels = 4, steps = 40
        let keysDir = temporaryDirectory("keys")
        try ChainKeyRing.generate(directory: keysDir, panels: panels)
        let ring = try ChainKeyRing(directory: keysDir)
        let config = try ExperimentConfig.load(yaml: "", overrides: [
            "scenario.panels=\(panels)", "filter.particles=512", "run.steps=\(steps)", "run.seed=31",
            "chain.ack_timeout_ms=2000", "chain.lookahead_steps=4"])
        let experiment = try Experiment(config: config)
        let reference = temporaryDirectory("curve-inproc")
        let filesA = try ResultFiles(directory: reference, panels: panels, withHops: false)
        _ = runInProcess(experiment, files: filesA, signals: nil, progress: ProgressLine(label: "test"))
        filesA.close()
        let expected = try estimateColumns(reference)
        #expect(expected.count == steps + 1)

        for secure in [false, true] {
            let signals = try SignalWatcher()
            let runID = UInt64.random(in: 1...UInt64.max)
            var options = try filterSessionOptions(experiment, runID: runID)
            let logs = temporaryDirectory("curve-logs")
            options.logDirectory = logs
            if secure { options.security = try ring.security(for: controllerKeyName) }
            let session = try ChainSession(options: options, signals: signals)
            try session.start()
            let attacker = ForgingAttacker(
                dataEndpoints: session.dataEndpoints, panelKeys: try (0..<panels).map { try ring.publicKey(of: panelKeyName($0)) },
                controlTarget: secure ? (session.controlEndpoint, try ring.publicKey(of: controllerKeyName)) : nil,
                runID: runID, steps: steps)
            let directory = temporaryDirectory(secure ? "curve-on" : "curve-off")
            let files = try ResultFiles(directory: directory, panels: panels, withHops: true)
            var liveness = LivenessSettings(config.chain)
            if !secure {
                // the plain-text chain is wrecked by the forgeries: give each step little time, one attempt
                liveness.stepDeadlineNs = 150_000_000
                liveness.maxAttempts = 1
            }
            let outcome = try runDistributed(experiment, session: session, files: files,
                                             liveness: liveness, progress: ProgressLine(label: "test"))
            files.close()
            attacker.stop()
            let handshakes = session.curveHandshakes
            session.shutdown()
            // the attack ran through the run: every step forged at least once on each of the 2·J links
            #expect(attacker.attempts.load(ordering: .relaxed) >= steps * 2 * panels)
            let rows = try estimateColumns(directory)
            if secure {
                #expect(rows == expected, "CURVE on: an estimate changed")
                #expect(outcome.accumulator.delivered == steps)
                #expect((handshakes?.refused ?? 0) >= 1, "the controller refused no handshake")
                // every panel logs its handshake counts at exit: the stranger was refused at each
                let deadline = ContinuousClock.now + .seconds(10)
                var refusedEverywhere = false
                while !refusedEverywhere && ContinuousClock.now < deadline {
                    refusedEverywhere = (0..<panels).allSatisfy { k in
                        let log = (try? String(contentsOfFile: "\(logs)/panel-\(k).log", encoding: .utf8)) ?? ""
                        guard let line = log.split(separator: "\n").last(where: { $0.contains("CURVE:") }),
                              let refused = line.split(separator: " ").firstIndex(of: "refused").map({ line.split(separator: " ")[$0 - 1] })
                        else { return false }
                        return (Int(refused) ?? 0) >= 1
                    }
                    if !refusedEverywhere { usleep(50_000) }
                }
                #expect(refusedEverywhere, "a panel did not refuse the stranger's CURVE handshake")
            } else {
                #expect(attacker.sent.load(ordering: .relaxed) > 0)
                #expect(rows != expected, "plain text: the forged messages did not change any estimate — the attack is not real")
                #expect(handshakes == nil)
            }
        }
    }
}
