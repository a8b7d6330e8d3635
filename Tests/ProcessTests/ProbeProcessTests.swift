// Process-level tests: real panel-node processes, real ZeroMQ sockets, real protobuf-c bytes.
import ChainRuntime
import Config
import Foundation
import Testing
import Wire
import ZeroMQ

/// The folder holding this package's built executables (the test bundle sits next to them).
func builtProductsDirectory() -> URL {
    URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent()
}

func panelExecutable() throws -> String {
    let path = builtProductsDirectory().appendingPathComponent("panel-node").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw RuntimeError("panel-node not built at \(path): run `swift build` before the tests")
    }
    return path
}

func makeSession(panels: Int, signals: SignalWatcher) throws -> ChainSession {
    var options = SessionOptions(panels: panels, runID: UInt64.random(in: 1...UInt64.max))
    options.panelExecutable = try panelExecutable()
    options.mode = .probe
    return try ChainSession(options: options, signals: signals)
}

/// Session options that spawn `experiment`'s panel processes on this host, running its filter.
func filterSessionOptions(_ experiment: Experiment, runID: UInt64 = UInt64.random(in: 1...UInt64.max)) throws -> SessionOptions {
    var options = SessionOptions(panels: experiment.panelCount, runID: runID)
    options.panelExecutable = try panelExecutable()
    let config = try ExperimentConfig.load(yaml: experiment.configYAML)
    options.runFilter(experiment, chain: config.chain, fronthaul: config.fronthaul)
    return options
}

/// Process ids whose parent is `pid` (from /proc).
func childProcesses(of pid: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> Int32? in
        guard let child = Int32(name),
              let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 2 && Int32(fields[1]) == pid ? child : nil
    }
}

func processExists(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first
    return state != "Z"
}

/// Polls (every `intervalUs` µs) until the controller `pid` has at least `count` child processes (its panel
/// processes) and `ready` holds, or `timeout` passes. - Returns: the child processes seen last (the caller checks them).
func waitForPanels(of pid: Int32, count: Int, timeout: Duration, intervalUs: useconds_t = 20_000,
                   until ready: () -> Bool = { true }) -> [Int32] {
    let deadline = ContinuousClock.now + timeout
    var panels = childProcesses(of: pid)
    while !(panels.count >= count && ready()) && ContinuousClock.now < deadline {
        usleep(intervalUs)
        panels = childProcesses(of: pid)
    }
    return panels
}

/// Polls (every `intervalUs` µs) until none of `panels` exists any more (a zombie counts as gone), or `timeout`
/// passes. - Returns: the panels still there.
func waitForPanelsGone(_ panels: [Int32], timeout: Duration, intervalUs: useconds_t = 10_000) -> [Int32] {
    let deadline = ContinuousClock.now + timeout
    while panels.contains(where: processExists) && ContinuousClock.now < deadline { usleep(intervalUs) }
    return panels.filter(processExists)
}

@Suite(.serialized) struct ProbeProcessTests {
    @Test func thousandMessagesThroughFourPanelsArriveIntactAndInOrder() throws {
        let signals = try SignalWatcher()
        let session = try makeSession(panels: 4, signals: signals)
        defer { session.shutdown() }
        try session.start()
        var options = ProbeOptions(particles: 4096, messages: 1000)
        options.warmup = 0
        options.timeoutMs = 10_000
        let result = try runProbe(session: session, options: options)
        #expect(result.intact == 1000)
        #expect(result.corrupted == 0)
        #expect(result.outOfOrder == 0)
        #expect(result.panelChecksumErrors == 0)
        #expect(result.endToEnd.count == 1000)
        #expect(result.hops.allSatisfy { $0.count == 1000 })
        #expect(result.messageBytes > 4 * 4096 * 4)
    }

    @Test func aKilledPanelIsReportedByNameWithoutHanging() throws {
        let signals = try SignalWatcher()
        let session = try makeSession(panels: 4, signals: signals)
        defer { session.shutdown() }
        try session.start()
        let victim = try #require(session.children.running.values.first { session.panel(ofChild: $0.pid) == 2 })
        var options = ProbeOptions(particles: 1024, messages: 100_000)
        options.warmup = 0
        options.timeoutMs = 5_000
        let started = ContinuousClock.now
        #expect {
            _ = try runProbe(session: session, options: options) { done, _ in
                if done == 50 { session.children.signal(victim, SIGKILL) }
            }
        } throws: { error in
            let text = "\(error)"
            return text.contains("panel 2") && text.contains("signal 9") && text.contains("tcp://127.0.0.1:")
        }
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func garbageAndWrongRunMessagesAreDroppedAndCountedAndThePanelKeepsWorking() throws {
        let signals = try SignalWatcher()
        let session = try makeSession(panels: 1, signals: signals)
        defer { session.shutdown() }
        try session.start()
        let ctx = try ZMQContext()
        let attacker = try ZMQSocket(ctx, .dealer)
        try attacker.connect(session.dataEndpoints[0])
        let valid = WireCodec.encode(Envelope(
            header: Header(runID: session.options.runID, sender: controllerSender),
            body: .gamma(Gamma(route: [0], hop: 0, particles: ParticleArrays(x: [1], y: [2], vx: [3], vy: [4])))))
        var wrongRun = Envelope(header: Header(runID: session.options.runID ^ 1, sender: controllerSender),
                                body: .gamma(Gamma(route: [0], hop: 0, particles: ParticleArrays(x: [1], y: [2], vx: [3], vy: [4]))))
        var wrongVersion = wrongRun
        wrongVersion.header.runID = session.options.runID
        wrongVersion.header.protocolVersion = 9
        wrongRun.header.step = 1
        let garbage: [[UInt8]] = [
            [0xFF, 0xFF, 0xFF, 0xFF], Array(valid.prefix(valid.count / 2)), [UInt8](repeating: 0xAB, count: 70_000),
            WireCodec.encode(wrongRun), WireCodec.encode(wrongVersion), [],
        ]
        for g in garbage { try attacker.send(g, dontWait: false) }
        // heartbeats carry the panel's counters: wait (bounded) until it has counted all six
        let deadline = ContinuousClock.now + .seconds(10)
        while session.panelCounters[0].dropped < 6 && ContinuousClock.now < deadline {
            _ = try session.poll(timeoutMs: 100)
        }
        let counters = session.panelCounters[0]
        #expect(counters.dropped == 6)
        #expect(counters.droppedWrongRun == 1)
        // the empty frame is a valid protobuf with every field zero, so it fails on its version (0)
        #expect(counters.droppedWrongVersion == 2)
        #expect(counters.droppedMalformed == 3)
        // the panel still does its job
        var options = ProbeOptions(particles: 256, messages: 10)
        options.warmup = 0
        let result = try runProbe(session: session, options: options)
        #expect(result.intact == 10)
    }

    /// The checksum is verified where bytes become values: a γ whose particles do not match it is not
    /// acknowledged, not processed and not forwarded (no step result), and the panel counts it in checksum_errors;
    /// the same γ with the right checksum is acknowledged and ends in a result.
    @Test func aGammaWhoseChecksumFailsIsDroppedUnacknowledgedAndCounted() throws {
        let signals = try SignalWatcher()
        let session = try makeSession(panels: 1, signals: signals)
        defer { session.shutdown() }
        try session.start()
        let particles = ParticleArrays(x: [1, 2], y: [3, 4], vx: [5, 6], vy: [7, 8])
        var changed = particles
        changed.vy[1] = changed.vy[1].nextUp
        func gamma(_ p: ParticleArrays, step: UInt32) -> Envelope {
            Envelope(header: Header(runID: session.options.runID, step: step, sender: controllerSender),
                     body: .gamma(Gamma(route: [0], hop: 0, particles: p, checksum: particleChecksum(particles))))
        }
        /// Acknowledgements and results of `step` within `ms`.
        func answers(step: UInt32, ms: UInt64) throws -> (acks: Int, results: Int) {
            var acks = 0, results = 0
            let deadline = ContinuousClock.now + .milliseconds(Int(ms))
            // the panel acknowledges after it has sent the result (acknowledgements off the critical path): wait for both
            while ContinuousClock.now < deadline && (results == 0 || acks == 0) {
                for event in try session.poll(timeoutMs: 50) {
                    switch event {
                    case .data(_, let e, _) where e.type == .hopAck && e.header.step == step: acks += 1
                    case .control(_, let e) where e.type == .stepResult && e.header.step == step: results += 1
                    default: break
                    }
                }
            }
            return (acks, results)
        }
        try session.sendData(toPanel: 0, gamma(changed, step: 1))
        let bad = try answers(step: 1, ms: 1500)
        #expect(bad.acks == 0 && bad.results == 0)
        let deadline = ContinuousClock.now + .seconds(10)
        while session.panelCounters[0].checksumErrors < 1 && ContinuousClock.now < deadline {
            _ = try session.poll(timeoutMs: 100)
        }
        #expect(session.panelCounters[0].checksumErrors == 1)
        try session.sendData(toPanel: 0, gamma(particles, step: 2))
        let good = try answers(step: 2, ms: 5000)
        #expect(good.acks == 1 && good.results == 1)
    }

    @Test func aPortInUseIsReportedWithPanelAndEndpoint() throws {
        let ctx = try ZMQContext()
        let squatter = try ZMQSocket(ctx, .router)
        try squatter.bind("tcp://127.0.0.1:*")
        let taken = try squatter.lastEndpoint()
        let signals = try SignalWatcher()
        var options = SessionOptions(panels: 2, runID: 7)
        options.panelExecutable = try panelExecutable()
        options.panelBind = ["tcp://127.0.0.1:*", taken]
        let session = try ChainSession(options: options, signals: signals)
        defer { session.shutdown() }
        #expect {
            try session.start()
        } throws: { error in
            let text = "\(error)"
            return text.contains("panel 1") && text.contains(taken) && text.contains("exited with status 2")
        }
    }

    @Test func sigintToTheControllerLeavesNoPanelProcessBehind() throws {
        let controller = builtProductsDirectory().appendingPathComponent("chain-controller").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: controller)
        process.arguments = ["probe", "--panels", "4", "--particles", "1024", "--messages", "10000000"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // wait (bounded) until its four panels are up
        let panels = waitForPanels(of: process.processIdentifier, count: 4, timeout: .seconds(20), intervalUs: 50_000)
        #expect(panels.count == 4)
        usleep(300_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        let left = waitForPanelsGone(panels, timeout: .seconds(2), intervalUs: 20_000)
        #expect(left.isEmpty, "panel processes left behind: \(left)")
    }
}

@Suite(.serialized) struct GarbageFloodTests {
    /// 100,000 random and mutated messages on a panel's real data socket: it keeps running and counts every one.
    @Test func aPanelSurvivesAndCountsAHundredThousandBadMessages() throws {
        let signals = try SignalWatcher()
        let session = try makeSession(panels: 1, signals: signals)
        defer { session.shutdown() }
        try session.start()
        let ctx = try ZMQContext()
        let attacker = try ZMQSocket(ctx, .dealer)
        try attacker.setSendHighWaterMark(100_000)
        try attacker.connect(session.dataEndpoints[0])
        // mutation seeds: valid messages of another run (they can never act on this run)
        let seeds = (0..<4).map { i in WireCodec.encode(Envelope(
            header: Header(runID: session.options.runID ^ 0xFFFF, step: UInt32(i), sender: 3),
            body: .gamma(Gamma(route: [0], hop: 0, particles: ParticleArrays(x: [1, 2], y: [3, 4], vx: [5, 6], vy: [7, 8])))))
        }
        // the panel's own count before the flood (the start-up pings), from a heartbeat
        let settle = ContinuousClock.now + .milliseconds(600)
        while ContinuousClock.now < settle { _ = try session.poll(timeoutMs: 50) }
        let c0 = session.panelCounters[0]
        let before = c0.received + c0.droppedMalformed + c0.droppedWrongVersion
        var state: UInt64 = 99
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let total = 100_000
        for i in 0..<total {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = (0..<Int(next() % 200)).map { _ in UInt8(truncatingIfNeeded: next()) }
            } else {
                bytes = seeds[Int(next() % 4)]
                for _ in 0..<(1 + Int(next() % 4)) where !bytes.isEmpty { bytes[Int(next()) % bytes.count] ^= UInt8(1 + next() % 255) }
            }
            try attacker.send(bytes, dontWait: false)
        }
        // wait (bounded) until the panel's heartbeat counters account for all of them
        func accounted() -> UInt64 {
            let c = session.panelCounters[0]
            return c.received + c.droppedMalformed + c.droppedWrongVersion
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while accounted() - before < UInt64(total) && ContinuousClock.now < deadline { _ = try session.poll(timeoutMs: 100) }
        #expect(accounted() - before == UInt64(total))
        #expect(session.children.running.count == 1)  // still alive
        var options = ProbeOptions(particles: 256, messages: 10)
        options.warmup = 0
        let result = try runProbe(session: session, options: options)
        #expect(result.intact == 10)
    }
}
