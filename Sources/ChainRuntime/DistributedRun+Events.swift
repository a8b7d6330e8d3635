// DistributedRun+Events: the controller's liveness — session events, acknowledgements, results, panels heard, restarted or gone.
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

extension DistributedRun {
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
                log(.warning, "panel \(k) (\(session.dataEndpoints[k])) \(how); continuing without it", run: run, step: step)
                let now = monotonicNanos()
                suspect(k, at: now, why: "process \(how)")
                for i in faults.indices where faults[i].spec.panel == k { faults[i].detection.processExited(at: now) }
            case .interrupted:
                return .interrupted
            case .admin(let c, let from):
                liveFault(c, from: from, run: run, step: step)
            case .data(let k, let envelope, let at):
                // (run, step) = (-1, -1) while settling: compare as Int so a late message cannot trap
                // islands: the first hop counts as acknowledged with island 0 (each island's first hop goes out at once)
                if case .hopAck(let ack) = envelope.body, ack.island == 0, Int(envelope.header.run) == run,
                   Int(envelope.header.step) == step {
                    onAck(k, Int(ack.hop), at)
                }
            case .control(let k, let reply):
                noteAlive(k)
                switch reply.body {
                case .linkReport(let link):
                    note(link)
                case .stepResult(let r):
                    for link in r.linkReports { note(link) }  // the reports that rode with γ, of earlier steps
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
    /// Keeps a panel's report of one of its hops (its round trip, encoding and send) until the hop's step is
    /// written: it came alone or in a later step's result (``LinkReport/run``, ``LinkReport/step`` say which hop).
    func note(_ link: LinkReport) {
        let receiver = ReceiverID(step: StepID(run: link.run, step: link.step), panel: link.toPanel)
        ackRtts[receiver] = link.rttNs
        hopSendCosts[receiver] = (link.encodeNs, link.sendCallNs)
    }

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
        for step in first...last { sendMeasurements(to: k, run: run, step: step) }
    }

    /// Panel k's measurement batch of (run, step), on the control plane; a dead panel's queue is not our problem.
    func sendMeasurements(to k: Int, run: Int, step: Int) {
        let m = experiment.source.measurements(seed: experiment.seed(run: run), step: step, panel: k)
        try? session.sendControl(toPanel: k, Envelope(
            header: Header(runID: session.options.runID, run: UInt32(run),
                           step: UInt32(step), sender: controllerSender),
            body: .measurements(MeasurementBatch(panel: Int32(k), distance: m.distance, aoa: m.aoa, amplitude: m.amplitude))))
    }

    func runTimers() {
        let now = monotonicNanos()
        let due = timers.filter { $0.at <= now }
        timers.removeAll { $0.at <= now }
        for t in due { t.action() }
    }
}
