// DistributedRun+Faults: scripted and live faults — injected into panels or their processes, then watched for detection and recovery.
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

/// What one injected fault did.
public struct FaultRecord: Sendable {
    public var spec: FaultSpec
    public var injectedNs: UInt64
    /// When the chain noticed the fault and recovered from it (from the step results).
    public var detection: FaultDetection
    public var note = ""

    public init(spec: FaultSpec, injectedAt: Int, injectedNs: UInt64) {
        self.spec = spec
        self.injectedNs = injectedNs
        detection = FaultDetection(panel: Int32(spec.panel), injectedAt: injectedAt)
    }

    /// Global step index (run · steps + step) of the injection.
    public var injectedAt: Int { detection.injectedAt }
    /// First result after the injection that skipped the panel (the chain noticed), ns.
    public var detectedNs: UInt64? { detection.detectedNs }
    /// First result after detection in which the panel contributed again, ns, and its global step.
    public var recoveredNs: UInt64? { detection.recoveredNs }
    public var recoveredAt: Int? { detection.recoveredAt }
}

extension DistributedRun {
    func inject(_ spec: FaultSpec, globalStep: Int) throws(RuntimeError) {
        var record = FaultRecord(spec: spec, injectedAt: globalStep, injectedNs: monotonicNanos())
        let k = spec.panel
        guard k < experiment.panelCount else {
            throw RuntimeError("fault at step \(spec.atStep): panel \(k) does not exist (J = \(experiment.panelCount))")
        }
        let child = session.child(ofPanel: k)
        func control(_ action: ControlAction) throws(RuntimeError) {
            try session.sendControl(toPanel: k, Envelope(
                header: Header(runID: session.options.runID, sender: controllerSender),
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
                do { try session.spawnPanel(k) } catch {
                    ChainLog.controller.error("restart of panel \(k) failed: \(error)",
                                              metadata: ["run_id": .string(String(session.options.runID))])
                }
            }))
        case .partition, .slow, .corrupt, .duplicate:
            try control(ControlAction(spec.action))
        }
        accumulator.startTimeline()
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
            log(.notice, "live fault \(action.rawValue) into panel \(c.panel)", run: run, step: step)
            session.reply(admin: from, "injected \(action.rawValue) into panel \(c.panel) at run \(run) step \(step)", ok: true)
        } catch {
            session.reply(admin: from, "\(error)", ok: false)
        }
    }

    /// Updates fault detection / recovery from a step's result.
    func observe(result: StepResult, globalStep: Int, at ns: UInt64) {
        for i in faults.indices {
            let wasRecovered = faults[i].recoveredNs != nil
            faults[i].detection.observe(skipped: result.skipped, contributed: result.contributed, globalStep: globalStep, at: ns)
            if !wasRecovered && faults[i].recoveredNs != nil { ChainMetrics.shared.faultRecovered() }
        }
    }
}
