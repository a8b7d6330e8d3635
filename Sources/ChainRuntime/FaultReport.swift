// FaultReport: what each injected fault cost — steps, detection and recovery time, accuracy before/during/after.
import Config
import Wire

/// The accounting of one fault.
public struct FaultSummary: Sendable {
    public var spec: FaultSpec
    public var detectionMs: Double?
    public var recoveryMs: Double?
    public var stepsDelivered = 0, stepsDegraded = 0, stepsAbandoned = 0
    /// RMSE over the steps before the injection, from injection to recovery (or the end), and after, metres.
    public var rmseBefore: Double?, rmseDuring: Double?, rmseAfter: Double?

    /// The fault's entry in summary.json (undefined times and RMSEs NaN, `null` in the file).
    public var entry: RunSummary.FaultEntry {
        .init(run: spec.run, atStep: spec.atStep, action: spec.action.rawValue, panel: spec.panel,
              durationMs: spec.durationMs, delayUs: spec.delayUs, detectionMs: detectionMs ?? .nan,
              recoveryMs: recoveryMs ?? .nan, stepsDeliveredDuring: stepsDelivered, stepsDegradedDuring: stepsDegraded,
              stepsAbandonedDuring: stepsAbandoned, rmseBeforeM: rmseBefore ?? .nan, rmseDuringM: rmseDuring ?? .nan,
              rmseAfterM: rmseAfter ?? .nan)
    }
}

/// Summarizes every fault against the run's step timeline.
public func summarizeFaults(_ outcome: RunSetOutcome, stepsPerRun: Int) -> [FaultSummary] {
    let accumulator = outcome.accumulator
    let timeline = accumulator.timeline
    // The timeline starts at the first fault; the steps before it are summed in `beforeTimeline`, in the same order.
    // A range that starts at 0 (RMSE before a fault) holds all of them; every other range starts at a fault.
    func rmse(_ range: Range<Int>) -> Double? {
        var sumSquares = 0.0, count = 0
        if range.lowerBound == 0 { (sumSquares, count) = accumulator.beforeTimeline }
        for t in timeline where range.contains(t.run * stepsPerRun + t.step) && t.error.isFinite {
            sumSquares += t.error * t.error
            count += 1
        }
        guard count > 0 else { return nil }
        return (sumSquares / Double(count)).squareRoot()
    }
    let end = accumulator.end
    return outcome.faults.map { f in
        var s = FaultSummary(spec: f.spec)
        s.detectionMs = f.detectedNs.map { Double(elapsedNs(from: f.injectedNs, to: $0)) / 1e6 }
        s.recoveryMs = f.recoveredNs.map { Double(elapsedNs(from: f.injectedNs, to: $0)) / 1e6 }
        // the fault's window: until the panel contributes again; for a fault the chain never had to route
        // around (a short hang, slow hops, one corrupt or duplicated message), its own duration (one step at least)
        let duringEnd: Int
        if let recovered = f.recoveredAt {
            duringEnd = recovered
        } else if f.detectedNs != nil {
            duringEnd = end
        } else {
            let until = f.injectedNs &+ UInt64(f.spec.durationMs) * 1_000_000
            let firstAfter = timeline.first { $0.startNs > until && $0.run * stepsPerRun + $0.step > f.injectedAt }
            duringEnd = firstAfter.map { $0.run * stepsPerRun + $0.step } ?? end
        }
        for t in timeline where (f.injectedAt..<duringEnd).contains(t.run * stepsPerRun + t.step) {
            switch t.outcome {
            case .delivered: s.stepsDelivered += 1
            case .degraded: s.stepsDegraded += 1
            case .abandoned: s.stepsAbandoned += 1
            case .unspecified: break
            }
        }
        s.rmseBefore = rmse(0..<f.injectedAt)
        s.rmseDuring = rmse(f.injectedAt..<duringEnd)
        s.rmseAfter = duringEnd < end ? rmse(duringEnd..<end) : nil
        return s
    }
}

/// faults.csv: one row per fault.
public func faultsCSV(_ faults: [FaultSummary]) -> String {
    func opt(_ x: Double?, _ d: Int = 3) -> String { x.map { fixed($0, d) } ?? "" }
    var text = "run,at_step,action,panel,duration_ms,delay_us,detection_ms,recovery_ms,steps_delivered_during,"
        + "steps_degraded_during,steps_abandoned_during,rmse_before_m,rmse_during_m,rmse_after_m\n"
    for f in faults {
        text += "\(f.spec.run),\(f.spec.atStep),\(f.spec.action.rawValue),\(f.spec.panel),\(f.spec.durationMs),\(f.spec.delayUs),"
            + "\(opt(f.detectionMs)),\(opt(f.recoveryMs)),\(f.stepsDelivered),\(f.stepsDegraded),\(f.stepsAbandoned),"
            + "\(opt(f.rmseBefore, 5)),\(opt(f.rmseDuring, 5)),\(opt(f.rmseAfter, 5))\n"
    }
    return text
}
