// DistributedRun: the controller's step loop over J panel processes — measurements ahead, γ through the live
// route, acknowledgements, skips, re-issue from the checkpoint, membership, scripted faults, one result per step.
import ChainProtocol
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

/// What one injected fault did.
public struct FaultRecord: Sendable {
    public var spec: FaultSpec
    /// Global step index (run · steps + step) of the injection.
    public var injectedAt: Int
    public var injectedNs: UInt64
    /// First result after the injection that skipped the panel (the chain noticed), ns.
    public var detectedNs: UInt64?
    /// First result after detection in which the panel contributed again, ns, and its global step.
    public var recoveredNs: UInt64?
    public var recoveredAt: Int?
    public var note = ""
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
    var ackRtts: [AckKey: UInt64] = [:]
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

    /// The hop of a step into one panel.
    struct AckKey: Hashable {
        var step: StepID
        /// The receiving panel.
        var panel: Int32
    }

    func rttKey(_ run: UInt32, _ step: UInt32, _ panel: Int32) -> AckKey {
        AckKey(step: StepID(run: run, step: step), panel: panel)
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
        if ackRtts.count > 100_000 { ackRtts.removeAll() }
    }

    /// The panels of the next step's route: every panel not under suspicion, in chain order.
    func liveRoute() -> [Int32] { membership.liveRoute }

    // MARK: events

    enum StepEvent { case result(StepResult, UInt32, UInt64), interrupted }

    /// Handles everything on the sockets for up to `timeoutMs`; returns a result of (run, step) if one arrived.
    /// - Parameter onAck: an acknowledgement of (run, step) from (panel, hop position, arrival ns).
    func pump(run: Int, step: Int, timeoutMs: Int, onAck: (Int, Int, UInt64) -> Void) throws(RuntimeError) -> StepEvent? {
        runTimers()
        var found: StepEvent?
        for event in try session.poll(timeoutMs: timeoutMs) {
            switch event {
            case .panelExited(let k, let how):
                // a panel process died: the chain goes on without it (fault tolerance), the logs say why
                printError("chain-controller: panel \(k) (\(session.dataEndpoints[k])) \(how); continuing without it")
                let now = monotonicNanos()
                suspect(k, at: now, why: "process \(how)")
                for i in faults.indices where faults[i].spec.panel == k && faults[i].detectedNs == nil { faults[i].detectedNs = now }
            case .interrupted:
                return .interrupted
            case .admin(let c, let from):
                liveFault(c, from: from, run: run, step: step)
            case .data(let k, let envelope, let at):
                // (run, step) = (-1, -1) while settling: compare as Int so a late message cannot trap
                if case .hopAck(let ack) = envelope.body, Int(envelope.header.run) == run, Int(envelope.header.step) == step {
                    onAck(k, Int(ack.hop), at)
                }
            case .control(let k, let reply):
                noteAlive(k)
                switch reply.body {
                case .linkReport(let link):
                    ackRtts[rttKey(reply.header.run, reply.header.step, link.toPanel)] = link.rttNs
                case .stepResult(let r):
                    if Int(reply.header.run) == run && Int(reply.header.step) == step && found == nil {
                        found = .result(r, reply.header.attempt, monotonicNanos())
                    } else {
                        duplicateResults += 1  // a late attempt of a step that already has its result
                    }
                default:
                    break
                }
            }
        }
        for k in session.rejoined {
            suspect(k, at: monotonicNanos(), why: "restarted; rejoins with fresh state once heard")
            resendMeasurements(to: k)
        }
        session.rejoined.removeAll()
        return found
    }

    /// A message from panel k: if it was suspected and has been heard continuously long enough, readmit it.
    func noteAlive(_ k: Int) {
        guard membership.isSuspected(k) else { return }
        let running = session.child(ofPanel: k) != nil || !session.options.spawn
        if case .readmitted(_, let heardNs)? = membership.heard(k, at: monotonicNanos(), processRunning: running) {
            events.append("panel \(k) back in the route (heard for \(heardNs / 1_000_000) ms)")
        }
    }

    /// The measurement batches already sent ahead, again, for a panel that restarted and lost them.
    func resendMeasurements(to k: Int) {
        guard let (run, first, last) = measurementWindow, first <= last else { return }
        let seed = experiment.seed(run: run)
        for step in first...last {
            let m = experiment.world.measurements(seed: seed, step: step, panel: k)
            try? session.sendControl(toPanel: k, Envelope(
                header: Header(type: .measurementBatch, runID: session.options.runID, run: UInt32(run),
                               step: UInt32(step), sender: controllerSender),
                body: .measurements(MeasurementBatch(panel: Int32(k), distance: m.distance, aoa: m.aoa, amplitude: m.amplitude))))
        }
    }

    /// (run, current step, last step whose batches were sent).
    var measurementWindow: (Int, Int, Int)?

    func runTimers() {
        let now = monotonicNanos()
        let due = timers.filter { $0.at <= now }
        timers.removeAll { $0.at <= now }
        for t in due { t.action() }
    }

    // MARK: faults

    func inject(_ spec: FaultSpec, globalStep: Int) throws(RuntimeError) {
        var record = FaultRecord(spec: spec, injectedAt: globalStep, injectedNs: monotonicNanos())
        let k = spec.panel
        guard k < experiment.panelCount else {
            throw RuntimeError("fault at step \(spec.atStep): panel \(k) does not exist (J = \(experiment.panelCount))")
        }
        let child = session.child(ofPanel: k)
        func control(_ action: ControlAction) throws(RuntimeError) {
            try session.sendControl(toPanel: k, Envelope(
                header: Header(type: .control, runID: session.options.runID, sender: controllerSender),
                body: .control(Control(action: action, panel: Int32(k), durationMs: UInt32(spec.durationMs),
                                       delayUs: UInt32(spec.delayUs)))))
        }
        switch spec.action {
        case .kill:
            if let child { session.children.signal(child, SIGKILL) } else { try control(.kill) }
        case .stop:
            guard let child else { throw RuntimeError("fault 'stop' needs a panel process this controller started (panel \(k))") }
            session.children.signal(child, SIGSTOP)
            timers.append((monotonicNanos() + UInt64(spec.durationMs) * 1_000_000, { [session] in
                session.children.signal(child, SIGCONT)
            }))
        case .restart:
            guard let child else { throw RuntimeError("fault 'restart' needs a panel process this controller started (panel \(k))") }
            session.children.signal(child, SIGKILL)
            timers.append((monotonicNanos() + UInt64(spec.durationMs) * 1_000_000, { [session] in
                session.children.reap()
                do { try session.spawnPanel(k) } catch { printError("chain-controller: restart of panel \(k) failed: \(error)") }
            }))
        case .partition, .slow, .corrupt, .duplicate:
            try control(ControlAction(spec.action))
        }
        faults.append(record)
        ChainMetrics.shared.faultInjected()
        record.note = ""
    }

    /// A fault issued live with `chain-controller fault`: injected now, at the current step.
    func liveFault(_ c: Control, from: [UInt8], run: Int, step: Int) {
        guard let action = FaultAction(c.action), run >= 0, step >= 0 else {
            session.reply(admin: from, "not a fault action, or no step running", ok: false)
            return
        }
        let spec = FaultSpec(atStep: step, action: action, panel: Int(c.panel), durationMs: Int(c.durationMs),
                             delayUs: Int(c.delayUs), run: run)
        do {
            try inject(spec, globalStep: run * experiment.steps + step)
            log("run \(run) step \(step): live fault \(action.rawValue) into panel \(c.panel)")
            session.reply(admin: from, "injected \(action.rawValue) into panel \(c.panel) at run \(run) step \(step)", ok: true)
        } catch {
            session.reply(admin: from, "\(error)", ok: false)
        }
    }

    /// Updates fault detection / recovery from a step's result.
    func observe(result: StepResult, globalStep: Int, at ns: UInt64) {
        for i in faults.indices where faults[i].injectedAt <= globalStep {
            let k = Int32(faults[i].spec.panel)
            if faults[i].detectedNs == nil, result.skipped.contains(k) { faults[i].detectedNs = ns }
            if faults[i].detectedNs != nil, faults[i].recoveredNs == nil, result.contributed.contains(k),
               !result.skipped.contains(k) {
                faults[i].recoveredNs = ns
                faults[i].recoveredAt = globalStep
                ChainMetrics.shared.faultRecovered()
            }
        }
    }

    // MARK: the loop

    func run() throws(RuntimeError) -> RunSetOutcome {
        let panels = experiment.panelCount
        let runID = session.options.runID
        for run in 0..<experiment.runs {
            let seed = experiment.seed(run: run)
            let prior = AgentParticles.prior(seed: seed, centre: experiment.world.trajectory.priorCentre,
                                             velocity: experiment.world.trajectory.priorVelocity,
                                             count: experiment.filter.particleCount, radius: experiment.filter.priorRadius,
                                             velocitySpread: experiment.filter.priorVelocitySpread)
            var checkpoint = ParticleArrays(x: prior.x, y: prior.y, vx: prior.vx, vy: prior.vy)
            var sentThrough = -1
            for step in 0..<experiment.steps {
                let globalStep = run * experiment.steps + step
                for spec in scheduled where spec.run == run && spec.atStep == step { try inject(spec, globalStep: globalStep) }
                while sentThrough < min(step + liveness.lookahead, experiment.steps - 1) {
                    sentThrough += 1
                    for j in 0..<panels {
                        let m = experiment.world.measurements(seed: seed, step: sentThrough, panel: j)
                        let batch = MeasurementBatch(panel: Int32(j), distance: m.distance, aoa: m.aoa, amplitude: m.amplitude)
                        // a dead panel's control queue is not our problem: it gets fresh state when it rejoins
                        try? session.sendControl(toPanel: j, Envelope(
                            header: Header(type: .measurementBatch, runID: runID, run: UInt32(run),
                                           step: UInt32(sentThrough), sender: controllerSender), body: .measurements(batch)))
                    }
                }
                measurementWindow = (run, step, sentThrough)
                var outcome: (StepResult, UInt64, UInt64, UInt32)?  // result, last send ns, receipt ns, attempt
                let stepID = StepID(run: UInt32(run), step: UInt32(step))
                var attempts = StepAttempts(step: stepID, settings: stepSettings)
                stepping: while true {
                    let now = monotonicNanos()
                    for directive in attempts.onTick(now: now, liveRoute: liveRoute()) {
                        switch directive {
                        case .sendStart(let flight, let attempt):
                            attempts.sent(flight.id, at: try sendStart(run: run, step: step, attempt: Int(attempt),
                                                                       route: flight.route, hop: flight.hop,
                                                                       skipped: flight.skipped, prior: checkpoint))
                        case .suspect(let panel):
                            // the first panel is silent: skip it, like any sender does
                            suspect(Int(panel), at: now, why: "no acknowledgement of step \(step)")
                        case .abandon:
                            break stepping
                        }
                    }
                    if attempts.startsNextAttempt { continue }
                    let waitMs = attempts.nextWakeNs.map { Int(($0 - min($0, monotonicNanos())) / 1_000_000) + 1 } ?? 20
                    let event = try pump(run: run, step: step, timeoutMs: waitMs) { k, hop, at in
                        if let acked = attempts.acknowledged(HopID(step: stepID, hop: hop), by: Int32(k)) {
                            ackRtts[rttKey(UInt32(run), UInt32(step), Int32(k))] = elapsedNs(from: acked.sentNs, to: at)
                        }
                    }
                    switch event {
                    case .interrupted:
                        return interruptedOutcome()
                    case .result(let r, let resultAttempt, let at) where !attempts.isWaitingForRoute:
                        outcome = (r, attempts.lastSendNs, at, resultAttempt)
                        break stepping
                    case .result, nil:
                        continue  // (as before: a late result that arrives while no panel is live is not taken)
                    }
                }
                reissues += attempts.reissues
                ChainMetrics.shared.reissued(attempts.reissues)
                let reason = attempts.reason
                let firstSendNs = attempts.firstSendNs
                let truth = experiment.world.agentPosition(step: step)
                let visible = (0..<panels).map { experiment.world.losVisible(step: step, panel: $0) }
                guard let (result, sendNs, receivedNs, resultAttempt) = outcome else {
                    // abandoned: reported with its reason; the next step starts from the same checkpoint
                    let record = StepRecord(run: run, step: step, truth: truth, estimate: SIMD4(.nan, .nan, .nan, .nan),
                                            contributing: [], skipped: [], existence: Array(repeating: .nan, count: panels),
                                            losDetected: Array(repeating: false, count: panels), losVisible: visible,
                                            latencyNs: elapsedNs(from: firstSendNs, to: monotonicNanos()),
                                            outcome: Outcome(StepEnding(contributed: nil, skipped: [], panels: panels)), hops: [],
                                            startNs: firstSendNs)
                    printError("chain-controller: run \(run) step \(step) abandoned: \(reason)")
                    accumulator.add(record)
                    pendingHops.append((record, run, step))
                    flushHops(keepLast: 1)
                    continue
                }
                checkpoint = result.posterior
                // a panel that handed a re-issued attempt on as skipped, and is heard, stays in the route
                for k in Membership.panelsToSuspect(skipped: result.skipped, attempt: resultAttempt,
                                                    lastHeardNs: session.lastHeard, receivedNs: receivedNs,
                                                    aliveWithinNs: 3 * heartbeatIntervalNs) {
                    suspect(k, at: receivedNs, why: "skipped in step \(step)")
                }
                observe(result: result, globalStep: globalStep, at: receivedNs)
                var hops: [HopRecord] = []
                var reportByPanel: [Int: Wire.PanelReport] = [:]
                for r in result.reports { reportByPanel[Int(r.panel)] = r }
                for (i, t) in result.timings.enumerated() {
                    let previousSend = i == 0 ? sendNs : result.timings[i - 1].sendNs
                    var hop = HopRecord(panel: Int(t.panel), recvNs: t.recvNs, computeDoneNs: t.computeDoneNs,
                                        sendNs: t.sendNs, linkNs: elapsedNs(from: previousSend, to: t.recvNs), ackRttNs: nil,
                                        measurements: Int(t.measurements))
                    hop.linkBytes = Int(t.linkBytes)
                    hop.rawLinkNs = elapsedNs(from: previousSend, to: t.rawRecvNs == 0 ? t.recvNs : t.rawRecvNs)
                    if i > 0 && result.skipped.isEmpty { hop.modelledNs = fronthaul.modelledNs(bytes: Int(t.linkBytes)) }
                    hops.append(hop)
                }
                let record = StepRecord(
                    run: run, step: step, truth: truth,
                    estimate: SIMD4(result.estX, result.estY, result.estVX, result.estVY),
                    contributing: result.contributed.map(Int.init),
                    // every panel that did not contribute: skipped on the way or left out of the route
                    skipped: (0..<panels).filter { !result.contributed.contains(Int32($0)) },
                    existence: (0..<panels).map { reportByPanel[$0].map { Double($0.existence) } ?? .nan },
                    losDetected: (0..<panels).map { reportByPanel[$0]?.losDetected ?? false },
                    losVisible: visible,
                    latencyNs: elapsedNs(from: firstSendNs, to: receivedNs),
                    outcome: Outcome(StepEnding(contributed: result.contributed, skipped: result.skipped, panels: panels)),
                    hops: hops, startNs: firstSendNs)
                accumulator.add(record)
                pendingHops.append((record, run, step))
                flushHops(keepLast: 1)
                afterStep?(record)
                for e in events { log("run \(run) step \(step): \(e)") }
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

    /// SIGINT/SIGTERM: the completed steps' hop rows and results are flushed, and the run set ends here.
    func interruptedOutcome() -> RunSetOutcome {
        flushHops(keepLast: 0)
        files.flush()
        return RunSetOutcome(accumulator: accumulator, interrupted: true, reason: "interrupted",
                             faults: faults, duplicateResults: duplicateResults, reissues: reissues)
    }

    /// Membership and fault events go to the controller's log (stderr), with the step they were seen at.
    func log(_ text: String) { membershipLog.append(text); printError("chain-controller: " + text) }
    var membershipLog: [String] = []

    /// Attempts, step deadline and first-hop reliability of every step.
    var stepSettings: StepSettings {
        StepSettings(maxAttempts: liveness.maxAttempts, stepDeadlineNs: liveness.stepDeadlineNs,
                     firstHop: HopSettings(ackTimeoutNs: liveness.ackTimeoutNs, retries: liveness.hopRetries))
    }

    func sendStart(run: Int, step: Int, attempt: Int, route: [Int32], hop: Int, skipped: [Int32],
                   prior: ParticleArrays) throws(RuntimeError) -> UInt64 {
        let header = Header(type: .stepStart, runID: session.options.runID, run: UInt32(run), step: UInt32(step),
                            attempt: UInt32(attempt), sender: controllerSender)
        let start = StepStart(route: route, prior: prior, checksum: particleChecksum(prior), reset: step == 0,
                              hop: UInt32(hop), skipped: skipped)
        do {
            return try session.sendData(toPanel: Int(route[hop]), Envelope(header: header, body: .stepStart(start)))
        } catch {
            // could not even queue it (peer gone): the acknowledgement deadline moves on to the next panel
            return monotonicNanos()
        }
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
