// ExperimentRunner: runs a run set in one process or over J panel processes and records every step.
import Config
import Localization
import Scenario
import Wire

/// A resolved experiment: the world, the filter, and how many runs and steps.
public struct Experiment: Sendable {
    public var world: World
    public var filter: FilterParameters
    /// Seed of the run set; run r uses seed + r for its measurements and its filter.
    public var baseSeed: UInt64
    public var runs: Int
    public var steps: Int
    /// The resolved configuration, as written to config.yaml and sent to the panels.
    public var configYAML: String
    public var method: String

    public init(world: World, filter: FilterParameters, baseSeed: UInt64, runs: Int, steps: Int,
                configYAML: String, method: String) {
        self.world = world; self.filter = filter; self.baseSeed = baseSeed; self.runs = runs
        self.steps = steps; self.configYAML = configYAML; self.method = method
    }

    public var panelCount: Int { world.panelCount }

    /// The chain as the filter sees it.
    public var setup: ChainSetup {
        ChainSetup(panelPositions: world.panels.map(\.position), radio: world.radio, filter: filter,
                   priorCentre: world.trajectory.priorCentre, priorVelocity: world.trajectory.priorVelocity)
    }

    func seed(run: Int) -> UInt64 { baseSeed &+ UInt64(run) }
}

/// How a run set ended.
public struct RunSetOutcome: Sendable {
    public var accumulator: RecordAccumulator
    /// Stopped early by SIGINT/SIGTERM.
    public var interrupted: Bool
    public var reason: String?
}

/// Runs the experiment in this process with the same panel code the panel processes run.
public func runInProcess(_ experiment: Experiment, files: ResultFiles, signals: SignalWatcher?,
                         progress: ProgressLine) -> RunSetOutcome {
    let panels = experiment.panelCount
    var accumulator = RecordAccumulator(runs: experiment.runs, steps: experiment.steps, panels: panels)
    let setup = experiment.setup
    for run in 0..<experiment.runs {
        let seed = experiment.seed(run: run)
        var chain = InProcessChain(setup: setup, seed: seed)
        for step in 0..<experiment.steps {
            if let signals, !signals.pending().isEmpty {
                files.flush()
                return RunSetOutcome(accumulator: accumulator, interrupted: true, reason: "interrupted")
            }
            let measurements = (0..<panels).map { experiment.world.measurements(seed: seed, step: step, panel: $0) }
            let start = monotonicNanos()
            let outcome = chain.step { measurements[$0] }
            let elapsed = monotonicNanos() - start
            let record = StepRecord(
                run: run, step: step, truth: experiment.world.agentPosition(step: step), estimate: outcome.estimate,
                contributing: Array(0..<panels), skipped: [],
                existence: outcome.reports.map(\.existence), losDetected: outcome.reports.map(\.losDetected),
                losVisible: (0..<panels).map { experiment.world.losVisible(step: step, panel: $0) },
                latencyNs: elapsed, outcome: .delivered,
                hops: outcome.reports.enumerated().map { j, r in
                    HopRecord(panel: j, recvNs: 0, computeDoneNs: 0, sendNs: 0, linkNs: nil, ackRttNs: nil,
                              measurements: r.measurementCount)
                })
            files.append(record)
            accumulator.add(record)
            progress.update(run * experiment.steps + step + 1, experiment.runs * experiment.steps,
                            extra: "steps (run \(run + 1)/\(experiment.runs), RMSE so far \(fixed(accumulator.rmseSoFar * 100, 2)) cm)")
        }
    }
    files.flush()
    return RunSetOutcome(accumulator: accumulator, interrupted: false)
}

/// Runs the experiment over the panel processes of `session` (already started and configured).
/// - Parameter lookahead: measurement batches are sent this many steps ahead of γ.
public func runDistributed(_ experiment: Experiment, session: ChainSession, files: ResultFiles,
                           fronthaul: FronthaulSection = FronthaulSection(),
                           progress: ProgressLine, stepTimeoutMs: Int = 10_000, lookahead: Int = 2,
                           afterStep: ((_ run: Int, _ step: Int) -> Void)? = nil) throws(RuntimeError) -> RunSetOutcome {
    let panels = experiment.panelCount
    var accumulator = RecordAccumulator(runs: experiment.runs, steps: experiment.steps, panels: panels)
    let route = (0..<panels).map(Int32.init)
    let runID = session.options.runID
    var pendingHops: [(record: StepRecord, run: Int, step: Int)] = []
    var ackRtts: [UInt64: UInt64] = [:]  // (run, step, panel) → rtt

    func rttKey(_ run: UInt32, _ step: UInt32, _ panel: Int32) -> UInt64 {
        UInt64(run) << 44 | UInt64(step) << 12 | UInt64(UInt32(bitPattern: panel) & 0xFFF)
    }
    func flushHops(keepLast: Int) {
        while pendingHops.count > keepLast {
            var entry = pendingHops.removeFirst()
            for i in entry.record.hops.indices {
                let p = entry.record.hops[i].panel
                entry.record.hops[i].ackRttNs = ackRtts.removeValue(forKey: rttKey(UInt32(entry.run), UInt32(entry.step), Int32(p)))
                if let rtt = entry.record.hops[i].ackRttNs { accumulator.addAckRtt(panel: p, ns: rtt) }
            }
            files.append(entry.record)
        }
    }

    for run in 0..<experiment.runs {
        let seed = experiment.seed(run: run)
        let prior = AgentParticles.prior(seed: seed, centre: experiment.world.trajectory.priorCentre,
                                         velocity: experiment.world.trajectory.priorVelocity,
                                         count: experiment.filter.particleCount, radius: experiment.filter.priorRadius,
                                         velocitySpread: experiment.filter.priorVelocitySpread)
        var particles = ParticleArrays(x: prior.x, y: prior.y, vx: prior.vx, vy: prior.vy)
        var sentThrough = -1
        for step in 0..<experiment.steps {
            // measurement batches go ahead of γ: local data in a real deployment, not fronthaul
            while sentThrough < min(step + lookahead, experiment.steps - 1) {
                sentThrough += 1
                for j in 0..<panels {
                    let m = experiment.world.measurements(seed: seed, step: sentThrough, panel: j)
                    let batch = MeasurementBatch(panel: Int32(j), distance: m.distance, aoa: m.aoa, amplitude: m.amplitude)
                    try session.sendControl(toPanel: j, Envelope(
                        header: Header(type: .measurementBatch, runID: runID, run: UInt32(run), step: UInt32(sentThrough),
                                       sender: controllerSender), body: .measurements(batch)))
                }
            }
            let header = Header(type: .stepStart, runID: runID, run: UInt32(run), step: UInt32(step), sender: controllerSender)
            let start = StepStart(route: route, prior: particles, checksum: particleChecksum(particles), reset: step == 0)
            let sendNs = try session.sendData(toPanel: Int(route[0]), Envelope(header: header, body: .stepStart(start)))
            let deadline = sendNs + UInt64(stepTimeoutMs) * 1_000_000
            var result: StepResult?
            var receivedNs: UInt64 = 0
            while result == nil {
                let now = monotonicNanos()
                if now >= deadline {
                    throw RuntimeError("run \(run) step \(step): no result within \(stepTimeoutMs) ms")
                }
                for event in try session.poll(timeoutMs: Int((deadline - now) / 1_000_000) + 1) {
                    switch event {
                    case .panelExited(let k, let how):
                        throw RuntimeError("panel \(k) (\(session.dataEndpoints[k])) \(how) at run \(run) step \(step)")
                    case .interrupted:
                        flushHops(keepLast: 0)
                        files.flush()
                        return RunSetOutcome(accumulator: accumulator, interrupted: true, reason: "interrupted")
                    case .data(let k, let ack, let at):
                        if case .hopAck = ack.body {
                            ackRtts[rttKey(ack.header.run, ack.header.step, Int32(k))] = at &- sendNs
                        }
                    case .control(_, let reply):
                        switch reply.body {
                        case .linkReport(let link):
                            ackRtts[rttKey(reply.header.run, reply.header.step, link.toPanel)] = link.rttNs
                        case .stepResult(let r) where reply.header.run == UInt32(run) && reply.header.step == UInt32(step):
                            result = r
                            receivedNs = monotonicNanos()
                        default:
                            break
                        }
                    }
                }
            }
            guard let result else { continue }
            particles = result.posterior
            var hops: [HopRecord] = []
            var reportByPanel: [Int: Wire.PanelReport] = [:]
            for r in result.reports { reportByPanel[Int(r.panel)] = r }
            for (i, t) in result.timings.enumerated() {
                let previousSend = i == 0 ? sendNs : result.timings[i - 1].sendNs
                var hop = HopRecord(panel: Int(t.panel), recvNs: t.recvNs, computeDoneNs: t.computeDoneNs,
                                    sendNs: t.sendNs, linkNs: t.recvNs &- previousSend, ackRttNs: nil,
                                    measurements: Int(t.measurements))
                hop.linkBytes = Int(t.linkBytes)
                hop.rawLinkNs = (t.rawRecvNs == 0 ? t.recvNs : t.rawRecvNs) &- previousSend
                if i > 0 { hop.modelledNs = fronthaul.modelledNs(bytes: Int(t.linkBytes)) }
                hops.append(hop)
            }
            let record = StepRecord(
                run: run, step: step, truth: experiment.world.agentPosition(step: step),
                estimate: SIMD4(result.estX, result.estY, result.estVX, result.estVY),
                contributing: result.contributed.map(Int.init), skipped: result.skipped.map(Int.init),
                existence: (0..<panels).map { reportByPanel[$0].map { Double($0.existence) } ?? .nan },
                losDetected: (0..<panels).map { reportByPanel[$0]?.losDetected ?? false },
                losVisible: (0..<panels).map { experiment.world.losVisible(step: step, panel: $0) },
                latencyNs: receivedNs &- sendNs, outcome: result.outcome, hops: hops)
            accumulator.add(record)
            pendingHops.append((record, run, step))
            flushHops(keepLast: 1)
            afterStep?(run, step)
            progress.update(run * experiment.steps + step + 1, experiment.runs * experiment.steps,
                            extra: "steps (run \(run + 1)/\(experiment.runs), RMSE so far \(fixed(accumulator.rmseSoFar * 100, 2)) cm)")
        }
    }
    // the last acknowledgement reports trail the last result
    let settle = monotonicNanos() + 100_000_000
    while monotonicNanos() < settle {
        for event in try session.poll(timeoutMs: 20) {
            if case .control(_, let reply) = event, case .linkReport(let link) = reply.body {
                ackRtts[rttKey(reply.header.run, reply.header.step, link.toPanel)] = link.rttNs
            }
        }
    }
    flushHops(keepLast: 0)
    files.flush()
    return RunSetOutcome(accumulator: accumulator, interrupted: false)
}
