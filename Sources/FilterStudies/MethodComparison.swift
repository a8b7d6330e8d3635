// MethodComparison: filter methods on the same precomputed measurements — statistics, BP iterations, filter time.
import Localization
import Scenario

/// Outputs of one method on one configuration over all runs.
public struct MethodResult: Sendable {
    public var method: PanelFilterMethod
    public var statistics: RunStatistics
    /// Filter time only (measurements precomputed), seconds, all runs.
    public var filterSeconds: Double
    /// Panel updates timed.
    public var panelUpdates: Int
    /// BP iterations of every update that had measurements (methods with data association only).
    public var iterations: [Int]
    /// Updates whose BP did not meet its tolerance.
    public var notConverged: Int
    /// Statistics of each run alone.
    public var perRun: [RunStatistics]

    /// Filter time per panel update, µs.
    public var microsecondsPerPanel: Double { filterSeconds / Double(panelUpdates) * 1e6 }

    /// BP iterations: mean, median, 99 %, max and the not-converged count, or "-" without association.
    public var iterationSummary: String {
        guard !iterations.isEmpty else { return "-" }
        let sorted = iterations.sorted()
        let mean = Double(sorted.reduce(0, +)) / Double(sorted.count)
        return "mean \(fixed(mean, 2)), median \(sorted[sorted.count / 2]), "
            + "99 % \(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]), max \(sorted.last!), "
            + "not converged \(notConverged)/\(sorted.count)"
    }
}

/// Runs `method` on `measurements` ([run][step][panel]; run r with filter seed firstSeed + r) of `world`, timing
/// the chain steps only.
public func runMethod(_ world: World, method: PanelFilterMethod, particles: Int,
                      measurements: [[[PanelMeasurements]]], steps: Int? = nil,
                      firstSeed: UInt64 = 2025) -> MethodResult {
    let runs = measurements.count, steps = steps ?? (measurements.first?.count ?? 0)
    let chainSetup = ChainSetup(world: world, method: method, particles: particles)
    let clock = ContinuousClock()
    var errors: [[Double]] = [], visible: [[Bool]] = [], detected: [[Bool]] = []
    var elapsed = Duration.zero
    var iterations: [Int] = [], notConverged = 0
    for run in 0..<runs {
        var chain = InProcessChain(setup: chainSetup, seed: firstSeed + UInt64(run))
        var estimates: [SIMD4<Double>] = [], runVisible: [Bool] = [], runDetected: [Bool] = []
        for step in 0..<steps {
            let start = clock.now
            let outcome = chain.step { measurements[run][step][$0] }
            elapsed += clock.now - start
            estimates.append(outcome.estimate)
            for (j, report) in outcome.reports.enumerated() {
                runVisible.append(world.losVisible(step: step, panel: j))
                runDetected.append(report.losDetected)
                if let association = report.association, report.measurementCount > 0 {
                    iterations.append(association.iterations)
                    if !association.converged { notConverged += 1 }
                }
            }
        }
        errors.append(RunStatistics.positionErrors(estimates: estimates,
                                                   truth: (0..<steps).map { world.agentPosition(step: $0) }))
        visible.append(runVisible)
        detected.append(runDetected)
    }
    return MethodResult(method: method,
                        statistics: RunStatistics(errors: errors, losVisible: visible, losDetected: detected),
                        filterSeconds: seconds(elapsed), panelUpdates: runs * steps * world.panelCount,
                        iterations: iterations, notConverged: notConverged,
                        perRun: errors.indices.map {
                            RunStatistics(errors: [errors[$0]], losVisible: [visible[$0]], losDetected: [detected[$0]])
                        })
}

/// Every registered method on the same measurements: per run and method a line, a summary line per method, and
/// the table rows (``comparisonTableHeader``).
public func compareMethods(_ world: World, measurements: [[[PanelMeasurements]]], particles: Int, label: String,
                           firstSeed: UInt64 = 2025) -> (lines: [String], rows: [String]) {
    var lines: [String] = [], rows: [String] = []
    for method in PanelFilterMethod.allCases {
        let result = runMethod(world, method: method, particles: particles, measurements: measurements,
                               firstSeed: firstSeed)
        let s = result.statistics, name = method.displayName
        for (run, r) in result.perRun.enumerated() {
            lines.append("  \(label) \(name) run \(run): time-avg RMSE \(fixed(r.rmseTimeAverage * 100, 2)) cm, "
                         + "max \(fixed(r.errorMax, 3)) m, frac > 1 m \(fixed(r.fractionErrorAboveThreshold, 4)), "
                         + "LoS det \(fixed(r.losDetectionRate ?? .nan, 3)), false LoS \(fixed(r.falseLosRate ?? .nan, 3))")
        }
        lines.append("\(label) \(name): time-avg RMSE \(fixed(s.rmseTimeAverage * 100, 2)) cm, "
                     + "overall \(fixed(s.rmseOverall * 100, 2)) cm, median \(fixed(s.errorMedian * 100, 2)) cm, "
                     + "90 % \(fixed(s.errorP90 * 100, 2)) cm, max \(fixed(s.errorMax, 3)) m, "
                     + "frac > 1 m \(fixed(s.fractionErrorAboveThreshold, 4)), runs > 1 m \(s.runsDiverged), "
                     + "LoS det \(fixed(s.losDetectionRate ?? .nan, 3)), false LoS \(fixed(s.falseLosRate ?? .nan, 3)); "
                     + "filter \(fixed(result.filterSeconds, 2)) s (\(fixed(result.microsecondsPerPanel, 1)) µs/panel "
                     + "update); BP iterations: " + result.iterationSummary)
        rows.append("| \(world.panelCount) | \(Int(world.radio.bandwidthHz / 1e6)) MHz | \(name) | "
                    + "\(fixed(s.rmseTimeAverage * 100, 2)) cm | \(fixed(s.errorMedian * 100, 2)) cm | "
                    + "\(fixed(s.fractionErrorAboveThreshold, 4)) | \(fixed(s.losDetectionRate ?? .nan, 3)) | "
                    + "\(fixed(s.falseLosRate ?? .nan, 3)) | \(fixed(result.microsecondsPerPanel, 1)) µs |")
    }
    return (lines, rows)
}

/// The comparison table's header (two lines) for ``compareMethods`` rows.
public let comparisonTableHeader = [
    "| J | B_w | method | time-avg RMSE | median err | frac err > 1 m | LoS det rate | false LoS rate | "
        + "filter time per panel update |",
    "|---|-----|--------|---------------|------------|----------------|--------------|----------------|"
        + "------------------------------|",
]

/// Per-step trace lines of one run of `method`: truth, estimate, error, and per panel M, LoS visibility, the
/// existence of each feature and the BP iterations.
public func traceLines(_ world: World, method: PanelFilterMethod, particles: Int, seed: UInt64, steps: Int)
    -> [String] {
    var chain = InProcessChain(setup: ChainSetup(world: world, method: method, particles: particles), seed: seed)
    var lines = ["step truth_x truth_y est_x est_y err_m | per panel: M los_visible p_e(features…) bp_iterations"]
    for step in 0..<steps {
        let outcome = chain.step { world.measurements(seed: seed, step: step, panel: $0) }
        let p = world.agentPosition(step: step), e = outcome.estimate
        let error = ((e.x - p.x) * (e.x - p.x) + (e.y - p.y) * (e.y - p.y)).squareRoot()
        var line = "\(step) \(fixed(p.x, 2)) \(fixed(p.y, 2)) \(fixed(e.x, 2)) \(fixed(e.y, 2)) \(fixed(error, 3)) |"
        for (j, r) in outcome.reports.enumerated() {
            let existences = r.association?.featureExistence ?? [r.existence]
            line += " [\(r.measurementCount) \(world.losVisible(step: step, panel: j) ? "V" : "-") "
                + existences.map { fixed($0, 2) }.joined(separator: ",")
                + (r.association.map { " it\($0.iterations)" } ?? "") + "]"
        }
        lines.append(line)
    }
    return lines
}
