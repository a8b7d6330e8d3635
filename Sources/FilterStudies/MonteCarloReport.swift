// MonteCarloReport: the text, JSON and per-step CSV that loca-run prints for chain runs and their statistics.
import Foundation
import Localization
import Scenario

/// One run's line: RMSE, median and max error, fraction of steps > 1 m, LoS detection and false-LoS rates.
/// - Parameters: errors in metres per step; visible and detected step-major (step · J + panel); seconds of wall time.
public func monteCarloRunLine(_ index: Int, seed: UInt64, errors: [Double], visible: [Bool], detected: [Bool],
                              seconds: Double) -> String {
    let s = RunStatistics(errors: [errors], losVisible: [visible], losDetected: [detected])
    return String(format: "  run %d (seed %llu): RMSE %.2f cm, median %.2f cm, max %.3f m, steps>1m %.3f, "
                  + "LoS-det %.3f, false LoS %.3f  [%.1f s]", index, seed, s.rmseOverall * 100, s.errorMedian * 100,
                  s.errorMax, s.fractionErrorAboveThreshold, s.losDetectionRate ?? .nan, s.falseLosRate ?? .nan, seconds)
}

/// The summary of a run set: one JSON object (keys as scripts/compare-ref.py reads them; distances in metres) or
/// one text line (centimetres where marked).
public func monteCarloSummary(_ s: RunStatistics, label: String, seconds: Double, json: Bool) -> String {
    if json {
        let object: [String: Any] = [
            "label": label, "runs": s.runs, "steps": s.steps, "rmse_m": s.rmseTimeAverage,
            "rmse_overall_m": s.rmseOverall, "error_p50_m": s.errorMedian, "error_p90_m": s.errorP90,
            "error_max_m": s.errorMax, "frac_error_gt_1m": s.fractionErrorAboveThreshold,
            "runs_diverged": s.runsDiverged, "los_detection_rate": s.losDetectionRate ?? NSNull(),
            "false_los_rate": s.falseLosRate ?? NSNull(), "wall_time_s": seconds,
        ]
        // finite numbers, strings and NSNull only: serialization cannot fail (NaN would; rates are nil instead)
        let safe = object.mapValues { ($0 as? Double).map { $0.isFinite ? $0 as Any : NSNull() } ?? $0 }
        let data = (try? JSONSerialization.data(withJSONObject: safe, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
    return String(format: "==> %@: runs=%d steps=%d  rmse_m (time-avg of per-step RMSE) = %.2f cm; overall RMSE "
                  + "%.2f cm; median %.2f cm; p90 %.2f cm; max %.3f m; frac err>1m %.4f; runs diverged %d; "
                  + "LoS detection %.4f; false LoS %.4f; wall time %.1f s", label, s.runs, s.steps,
                  s.rmseTimeAverage * 100, s.rmseOverall * 100, s.errorMedian * 100, s.errorP90 * 100, s.errorMax,
                  s.fractionErrorAboveThreshold, s.runsDiverged, s.losDetectionRate ?? .nan,
                  s.falseLosRate ?? .nan, seconds)
}

/// Per-step CSV of synthetic-world runs: run,step,true_x,true_y,est_x,est_y,err_m (metres),los_visible (panels),
/// los_detected (panels),measurements (all panels).
public func monteCarloStepsCSV(runs: [ChainRun], world: World) -> String {
    var csv = "run,step,true_x,true_y,est_x,est_y,err_m,los_visible,los_detected,measurements\n"
    let j = world.panelCount
    for (r, run) in runs.enumerated() {
        for n in 0..<run.stepCount {
            let p = world.agentPosition(step: n), e = run.estimates[n]
            let err = ((SIMD2(e.x, e.y) - p) * (SIMD2(e.x, e.y) - p)).sum().squareRoot()
            let detected = run.losDetected[(n * j)..<((n + 1) * j)].filter { $0 }.count
            let measured = run.measurementCounts[(n * j)..<((n + 1) * j)].reduce(0, +)
            csv += "\(r),\(n),\(p.x),\(p.y),\(e.x),\(e.y),\(err),\(world.losVisibleCount(step: n)),\(detected),\(measured)\n"
        }
    }
    return csv
}

/// The errors (metres per step) and LoS visibility (step-major) of one synthetic-world run.
public func monteCarloRunTruth(_ run: ChainRun, world: World) -> (errors: [Double], visible: [Bool]) {
    let steps = run.stepCount
    let errors = RunStatistics.positionErrors(estimates: run.estimates,
                                              truth: (0..<steps).map { world.agentPosition(step: $0) })
    let visible = (0..<steps).flatMap { n in (0..<world.panelCount).map { world.losVisible(step: n, panel: $0) } }
    return (errors, visible)
}
