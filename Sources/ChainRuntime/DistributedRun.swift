// DistributedRun: the controller's step loop over J panel processes — measurements ahead, γ through the live
// route, acknowledgements, skips, re-issue from the checkpoint, membership, scripted faults, one result per step.
import ChainLog
import ChainProtocol
import Logging
import Config
import Localization
import Scenario
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Liveness settings of the controller (from the `chain` section).
public struct LivenessSettings: Sendable {
    public var ackTimeoutNs: UInt64 = 100_000_000
    public var hopRetries = 1
    public var stepDeadlineNs: UInt64 = 2_000_000_000
    public var maxAttempts = 3
    public var readmitAfterNs: UInt64 = 500_000_000
    public var lookahead = 2
    public init() {}

    public init(_ chain: ChainSection) {
        ackTimeoutNs = UInt64(chain.ackTimeoutMs) * 1_000_000
        hopRetries = chain.hopRetries
        stepDeadlineNs = UInt64(chain.stepDeadlineMs) * 1_000_000
        maxAttempts = chain.maxAttempts
        readmitAfterNs = UInt64(chain.readmitAfterMs) * 1_000_000
        lookahead = chain.lookaheadSteps
    }
}


/// Drives one run set over the session's panel processes.
final class DistributedRun {
    let experiment: Experiment
    let session: ChainSession
    let files: ResultFiles
    let fronthaul: FronthaulSection
    let liveness: LivenessSettings
    let progress: ProgressLine
    let afterStep: ((StepRecord) -> Void)?
    var accumulator: RecordAccumulator
    var pendingHops: [(record: StepRecord, run: Int, step: Int)] = []
    /// Acknowledgement round trips of the hops into each (step, receiving panel), ns, until their step is written.
    var ackRtts: [ReceiverID: UInt64] = [:]
    /// A panel sender's encoding and send call(s) of each hop it reported (``LinkReport``), ns, by receiver.
    var hopSendCosts: [ReceiverID: (encodeNs: UInt64, sendCallNs: UInt64)] = [:]
    /// Which panels the routes hold: suspected ones are left out until heard again for long enough.
    var membership: Membership
    var faults: [FaultRecord] = []
    var scheduled: [FaultSpec]
    /// Timers: (time ns, action).
    var timers: [(at: UInt64, action: () -> Void)] = []
    var duplicateResults = 0
    var reissues = 0
    /// Membership changes, for the log.
    var events: [String] = []
    /// (run, current step, last step whose batches were sent).
    var measurementWindow: (Int, Int, Int)?

    func suspect(_ k: Int, at ns: UInt64, why: String) {
        if membership.suspect(k, at: ns) != nil { events.append("panel \(k) left the route: \(why)") }
    }

    init(experiment: Experiment, session: ChainSession, files: ResultFiles, fronthaul: FronthaulSection,
         liveness: LivenessSettings, faults: [FaultSpec], progress: ProgressLine, afterStep: ((StepRecord) -> Void)?) {
        self.experiment = experiment; self.session = session; self.files = files; self.fronthaul = fronthaul
        self.liveness = liveness; self.progress = progress; self.afterStep = afterStep
        self.scheduled = faults
        accumulator = RecordAccumulator(runs: experiment.runs, steps: experiment.steps, panels: experiment.panelCount)
        membership = Membership(panels: experiment.panelCount, readmitAfterNs: liveness.readmitAfterNs)
    }

    /// Heartbeat interval of the panels (panel-node --heartbeat-ms default), ns: a panel heard within three of
    /// them is alive.
    let heartbeatIntervalNs = UInt64(LinkSettings.panelHeartbeatIntervalMs) * 1_000_000

    /// The panels of the next step's route: every panel not under suspicion, in chain order.
    func liveRoute() -> [Int32] { membership.liveRoute }

    // MARK: the loop

    /// One step's result as it reached the controller.
    struct Delivery {
        var result: StepResult
        /// The last send of the step's first hop, and the result's arrival, ns.
        var lastSendNs: UInt64, receivedNs: UInt64
        /// The attempt the result belongs to.
        var attempt: UInt32
    }

    func run() throws(RuntimeError) -> RunSetOutcome {
        var lookahead = MeasurementLookahead(lookahead: liveness.lookahead, steps: experiment.steps)
        for run in 0..<experiment.runs {
            let seed = experiment.seed(run: run)
            let prior = AgentParticles.prior(seed: seed, centre: experiment.source.priorCentre,
                                             velocity: experiment.source.priorVelocity,
                                             count: experiment.filter.particleCount, radius: experiment.filter.priorRadius,
                                             velocitySpread: experiment.filter.priorVelocitySpread)
            var checkpoint = ParticleArrays(x: prior.x, y: prior.y, vx: prior.vx, vy: prior.vy)
            lookahead.startRun()
            for step in 0..<experiment.steps {
                let globalStep = run * experiment.steps + step
                // the clock exchange polls the sockets: it runs before the step's faults are injected, so that a
                // fault scripted at step N always meets step N's first hop (nothing is polled in between)
                guard try exchangeClockIfDue() else { return interruptedOutcome() }
                for spec in scheduled where spec.run == run && spec.atStep == step { try inject(spec, globalStep: globalStep) }
                if let ahead = lookahead.stepStarts(step) {
                    // a dead panel's control queue is not our problem: it gets fresh state when it rejoins
                    for next in ahead {
                        for k in 0..<experiment.panelCount { sendMeasurements(to: k, run: run, step: next) }
                    }
                }
                measurementWindow = (run, step, lookahead.sentThrough)
                var attempts = StepAttempts(step: StepID(run: UInt32(run), step: UInt32(step)), settings: stepSettings)
                guard let delivery = try drive(&attempts, run: run, step: step, prior: checkpoint) else {
                    return interruptedOutcome()
                }
                reissues += attempts.reissues
                ChainMetrics.shared.reissued(attempts.reissues)
                guard let delivery = delivery else {
                    // abandoned: reported with its reason; the next step starts from the same checkpoint
                    let abandoned = abandonedRecord(run: run, step: step, firstSendNs: attempts.firstSendNs)
                    log(.warning, "abandoned: \(attempts.reason)", run: run, step: step)
                    record(abandoned)
                    // spawned panels that have all exited cannot come back (restart needs a running process):
                    // stop instead of abandoning every remaining step after the step deadline
                    if session.options.spawn && session.children.running.isEmpty {
                        log(.error, "every panel process has exited; stopping the run set (panel logs: \(session.options.logDirectory ?? "stderr"))",
                            run: run, step: step)
                        return stoppedOutcome("every panel process has exited")
                    }
                    continue
                }
                checkpoint = delivery.result.posterior
                // a panel that handed a re-issued attempt on as skipped, and is heard, stays in the route
                for k in Membership.panelsToSuspect(skipped: delivery.result.skipped, attempt: delivery.attempt,
                                                    lastHeardNs: session.lastHeard, receivedNs: delivery.receivedNs,
                                                    aliveWithinNs: 3 * heartbeatIntervalNs) {
                    suspect(k, at: delivery.receivedNs, why: "skipped in step \(step)")
                }
                observe(result: delivery.result, globalStep: globalStep, at: delivery.receivedNs)
                let stepRecord = record(of: delivery, run: run, step: step, firstSendNs: attempts.firstSendNs)
                record(stepRecord)
                afterStep?(stepRecord)
                for e in events { log(.notice, e, run: run, step: step) }
                events.removeAll()
                progress.update(globalStep + 1, experiment.runs * experiment.steps,
                                extra: "steps (run \(run + 1)/\(experiment.runs), RMSE so far \(fixed(accumulator.rmseSoFar * 100, 2)) cm"
                                    + (membership.suspectedCount == 0 ? ")" : ", \(membership.suspectedCount) panel(s) out)"))
            }
        }
        // the last acknowledgement reports trail the last result
        let settle = monotonicNanos() + 100_000_000
        while monotonicNanos() < settle { _ = try pump(run: -1, step: -1, timeoutMs: 20) { _, _, _ in } }
        flushHops(keepLast: 0)
        files.flush()
        return RunSetOutcome(accumulator: accumulator, interrupted: false, faults: faults,
                             duplicateResults: duplicateResults, reissues: reissues)
    }

    /// Executes the step driver's directives (send the prior, suspect a silent first panel) and waits for the
    /// result. Returns nil when interrupted, `.some(nil)` when the step was abandoned.
    func drive(_ attempts: inout StepAttempts, run: Int, step: Int,
               prior: ParticleArrays) throws(RuntimeError) -> Delivery?? {
        let stepID = attempts.step
        while true {
            let now = monotonicNanos()
            for directive in attempts.onTick(now: now, liveRoute: liveRoute()) {
                switch directive {
                case .sendStart(let flight, let attempt):
                    attempts.sent(flight.id, at: try sendStart(run: run, step: step, attempt: Int(attempt),
                                                               route: flight.route, hop: flight.hop,
                                                               skipped: flight.skipped, prior: prior))
                case .suspect(let panel):
                    // the first panel is silent: skip it, like any sender does
                    suspect(Int(panel), at: now, why: "no acknowledgement of step \(step)")
                case .abandon:
                    return .some(nil)
                }
            }
            if attempts.startsNextAttempt { continue }
            let waitMs = attempts.nextWakeNs.map { Int(($0 - min($0, monotonicNanos())) / 1_000_000) + 1 } ?? 20
            let event = try pump(run: run, step: step, timeoutMs: waitMs) { k, hop, at in
                if let acked = attempts.acknowledged(HopID(step: stepID, hop: hop), by: Int32(k)) {
                    ackRtts[ReceiverID(step: stepID, panel: Int32(k))] = elapsedNs(from: acked.sentNs, to: at)
                }
            }
            switch event {
            case .interrupted:
                return nil
            case .result(let r, let resultAttempt, let at) where !attempts.isWaitingForRoute:
                return Delivery(result: r, lastSendNs: attempts.lastSendNs, receivedNs: at, attempt: resultAttempt)
            case .result, nil:
                continue  // (as before: a late result that arrives while no panel is live is not taken)
            }
        }
    }

    /// SIGINT/SIGTERM: the completed steps' hop rows and results are flushed, and the run set ends here.
    func interruptedOutcome() -> RunSetOutcome { stoppedOutcome("interrupted") }

    /// The run set ends early (`reason`: "interrupted", or why it cannot go on); completed steps stay valid.
    func stoppedOutcome(_ reason: String) -> RunSetOutcome {
        flushHops(keepLast: 0)
        files.flush()
        return RunSetOutcome(accumulator: accumulator, interrupted: true, reason: reason,
                             faults: faults, duplicateResults: duplicateResults, reissues: reissues)
    }

    /// Membership and fault events go to the controller's log, with the run id and the step they were seen at.
    func log(_ level: Logger.Level, _ text: String, run: Int? = nil, step: Int? = nil) {
        var metadata: Logger.Metadata = ["run_id": .string(String(session.options.runID))]
        if let run, let step, run >= 0, step >= 0 { metadata.merge(.step(run: run, step: step), uniquingKeysWith: { $1 }) }
        ChainLog.controller.log(level: level, "\(text)", metadata: metadata)
    }

    /// Attempts, step deadline and first-hop reliability of every step.
    var stepSettings: StepSettings {
        StepSettings(maxAttempts: liveness.maxAttempts, stepDeadlineNs: liveness.stepDeadlineNs,
                     firstHop: HopSettings(ackTimeoutNs: liveness.ackTimeoutNs, retries: liveness.hopRetries))
    }

    func sendStart(run: Int, step: Int, attempt: Int, route: [Int32], hop: Int, skipped: [Int32],
                   prior: ParticleArrays) throws(RuntimeError) -> UInt64 {
        let header = Header(runID: session.options.runID, run: UInt32(run), step: UInt32(step),
                            attempt: UInt32(attempt), sender: controllerSender)
        // islands (filter.islands = B > 1): B γ of N_p/B particles each, every log weight 0 (docs/MODEL.md §B.7)
        let islands = experiment.filter.islandCount
        var sentNs = monotonicNanos()
        for island in 0..<islands {
            let particles = islands == 1 ? prior : Self.island(island, of: islands, prior)
            let gamma = Gamma(route: route, hop: UInt32(hop), particles: particles, skipped: skipped,
                              checksum: particleChecksum(particles), reset: step == 0,
                              island: UInt32(island), islands: UInt32(islands))
            do {
                sentNs = try session.sendData(toPanel: Int(route[hop]), Envelope(header: header, body: .gamma(gamma)))
            } catch {
                // could not even queue it (peer gone): the acknowledgement deadline moves on to the next panel
                return monotonicNanos()
            }
        }
        return sentNs
    }

    /// Island `island` of `islands` of `particles`: particles island·n ..< (island + 1)·n, n = N_p/B.
    static func island(_ island: Int, of islands: Int, _ particles: ParticleArrays) -> ParticleArrays {
        let n = particles.count / islands, range = island * n ..< (island + 1) * n
        return ParticleArrays(x: Array(particles.x[range]), y: Array(particles.y[range]),
                              vx: Array(particles.vx[range]), vy: Array(particles.vy[range]))
    }
}

/// Runs the experiment over the panel processes of `session` (already started and configured), surviving
/// dead, stopped, cut-off, slow and misbehaving panels: every step ends delivered, degraded or abandoned.
public func runDistributed(_ experiment: Experiment, session: ChainSession, files: ResultFiles,
                           fronthaul: FronthaulSection = FronthaulSection(), liveness: LivenessSettings = LivenessSettings(),
                           faults: [FaultSpec] = [], progress: ProgressLine,
                           afterStep: ((StepRecord) -> Void)? = nil) throws(RuntimeError) -> RunSetOutcome {
    let runner = DistributedRun(experiment: experiment, session: session, files: files, fronthaul: fronthaul,
                                liveness: liveness, faults: faults, progress: progress, afterStep: afterStep)
    return try runner.run()
}
