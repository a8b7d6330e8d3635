// HeldGammaProcessTests: a γ that reaches a panel process before its measurement batch is held (the panel keeps
// heartbeating) and processed with the batch when it comes, or without it once the wait is over.
import ChainRuntime
import Config
import Foundation
import Localization
import Testing
import Wire

@Suite(.serialized) struct HeldGammaProcessTests {
    /// Longest wait of a panel for a held γ's measurements (`PanelNodeOptions.measurementWaitMs`), ms.
    let measurementWaitMs: UInt64 = 2000

    /// A two-panel Loca-LoS chain of real panel processes, started and configured: on the synthetic world, or
    /// (`onTrace`) on that world's true paths exported by `chain-controller export-trace` and read back as a trace
    /// (an experiment without a synthetic world: its measurements and prior come from ``Experiment/source``).
    func startChain(_ signals: SignalWatcher, onTrace: Bool = false) throws -> (Experiment, ChainSession) {
        var overrides = ["scenario.panels=2", "filter.particles=512", "run.steps=1"]
        if onTrace { overrides.append("trace.file=\(try exportedTrace(overrides))") }
        let config = try ExperimentConfig.load(yaml: "", overrides: overrides)
        let experiment = try Experiment(config: config)
        let session = try ChainSession(options: try filterSessionOptions(experiment), signals: signals)
        try session.start()
        _ = try events(session, forMs: 300)  // every panel has taken its Configure
        return (experiment, session)
    }

    /// The true-paths trace of the synthetic world of `overrides`, written by the built chain-controller. - Returns: its path.
    func exportedTrace(_ overrides: [String]) throws -> String {
        let path = temporaryDirectory("held-gamma-trace") + "/true-paths.csv"
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        process.arguments = ["export-trace", "--out", path] + overrides.flatMap { ["--set", $0] }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "export-trace exited with \(process.terminationStatus)")
        return path
    }

    /// Panel `k`'s measurement batch of run 0, step 0, on the control plane.
    func sendMeasurements(_ session: ChainSession, _ experiment: Experiment, panel k: Int) throws {
        let m = experiment.source.measurements(seed: experiment.seed(run: 0), step: 0, panel: k)
        try session.sendControl(toPanel: k, Envelope(
            header: Header(runID: session.options.runID, run: 0, step: 0, sender: controllerSender),
            body: .measurements(MeasurementBatch(panel: Int32(k), distance: m.distance, aoa: m.aoa, amplitude: m.amplitude))))
    }

    /// Step 0's start (the prior particles) to panel 0, as the controller sends it.
    func sendStart(_ session: ChainSession, _ experiment: Experiment) throws {
        let prior = AgentParticles.prior(seed: experiment.seed(run: 0), centre: experiment.source.priorCentre,
                                         velocity: experiment.source.priorVelocity,
                                         count: experiment.filter.particleCount, radius: experiment.filter.priorRadius,
                                         velocitySpread: experiment.filter.priorVelocitySpread)
        let particles = ParticleArrays(x: prior.x, y: prior.y, vx: prior.vx, vy: prior.vy)
        try session.sendData(toPanel: 0, Envelope(
            header: Header(runID: session.options.runID, run: 0, step: 0, sender: controllerSender),
            body: .gamma(Gamma(route: [0, 1], hop: 0, particles: particles, skipped: [],
                               checksum: particleChecksum(particles), reset: true))))
    }

    /// The step results that arrive within `ms` (returns at the first one).
    func events(_ session: ChainSession, forMs ms: UInt64) throws -> StepResult? {
        let until = monotonicNanos() + ms * 1_000_000
        while monotonicNanos() < until {
            for case .control(_, let envelope) in try session.poll(timeoutMs: 20) {
                if case .stepResult(let result) = envelope.body { return result }
            }
        }
        return nil
    }

    /// The first step's estimate of the same chain in one process.
    func inProcessEstimate(_ experiment: Experiment) -> SIMD4<Double> {
        var chain = InProcessChain(setup: experiment.setup, seed: experiment.seed(run: 0))
        return chain.step { experiment.source.measurements(seed: experiment.seed(run: 0), step: 0, panel: $0) }.estimate
    }

    /// On a trace as on the synthetic world (a trace experiment has no World; its test used to trap on one).
    @Test(arguments: [false, true]) func aGammaBeforeItsMeasurementsIsHeldThenProcessedWithThem(onTrace: Bool) throws {
        let signals = try SignalWatcher()
        let (experiment, session) = try startChain(signals, onTrace: onTrace)
        if onTrace { guard case .trace = experiment.source else { Issue.record("not a trace experiment"); return } }
        defer { session.shutdown() }
        try sendMeasurements(session, experiment, panel: 1)
        try sendStart(session, experiment)
        let holding = monotonicNanos()
        #expect(try events(session, forMs: 800) == nil, "panel 0 must wait for its measurements")
        // the panel's loop goes on while it holds γ: its heartbeats (every 200 ms) keep arriving
        #expect(session.lastHeard[0] > holding + 400_000_000)
        try sendMeasurements(session, experiment, panel: 0)
        let result = try #require(try events(session, forMs: 3000))
        let batch = experiment.source.measurements(seed: experiment.seed(run: 0), step: 0, panel: 0)
        #expect(result.timings.map(\.panel) == [0, 1])
        #expect(result.timings.first?.measurements == UInt32(batch.distance.count))
        #expect(SIMD4(result.estX, result.estY, result.estVX, result.estVY) == inProcessEstimate(experiment))
    }

    @Test func aGammaWhoseMeasurementsNeverComeIsProcessedWithoutThemAfterTheWait() throws {
        let signals = try SignalWatcher()
        let (experiment, session) = try startChain(signals)
        defer { session.shutdown() }
        try sendMeasurements(session, experiment, panel: 1)
        let sent = monotonicNanos()
        try sendStart(session, experiment)
        let result = try #require(try events(session, forMs: measurementWaitMs + 3000))
        #expect(monotonicNanos() - sent >= measurementWaitMs * 1_000_000)
        #expect(result.timings.first?.measurements == 0)
        #expect(result.timings.last?.measurements ?? 0 > 0)
        _ = try events(session, forMs: 500)  // the next heartbeat carries the counter
        #expect(session.panelCounters[0].missingMeasurements == 1)
    }
}
