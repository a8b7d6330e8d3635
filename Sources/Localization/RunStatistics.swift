// RunStatistics: accuracy and LoS-detection statistics over Monte Carlo runs, as the numpy reference reports them.

/// Statistics of a set of runs of equal length (the metrics of the numpy reference's run_ref.py, docs/MODEL.md §E).
public struct RunStatistics: Sendable, Equatable, Codable {
    /// Number of runs and of steps per run.
    public var runs: Int, steps: Int
    /// Per-step RMSE over runs, averaged over steps (`rmse_m`, the spec's main metric), metres.
    public var rmseTimeAverage: Double
    /// RMSE over all (run, step) pairs, metres.
    public var rmseOverall: Double
    /// Median, 90 % quantile (numpy's linear interpolation) and maximum of the position error, metres.
    public var errorMedian: Double, errorP90: Double, errorMax: Double
    /// Fraction of (run, step) pairs with an error above the divergence threshold (1 m).
    public var fractionErrorAboveThreshold: Double
    /// Runs with any error above the divergence threshold.
    public var runsDiverged: Int
    /// LoS detection rate: fraction of LoS-visible (run, step, panel) triples with p_e > p_de, pooled over runs;
    /// nil without visibility data or without any visible LoS.
    public var losDetectionRate: Double?
    /// False LoS rate: fraction of LoS-blocked (run, step, panel) triples with p_e > p_de, pooled over runs.
    public var falseLosRate: Double?

    /// Error above which a run counts as diverged, metres.
    public static let divergenceThreshold = 1.0

    /// - Parameters:
    ///   - errors: position errors in metres, `errors[run][step]`; every run has the same number of steps.
    ///   - losVisible: per run, step-major (step · J + panel) true LoS visibility; empty if unknown.
    ///   - losDetected: per run, step-major LoS decisions p_e > p_de; same shape as `losVisible`.
    public init(errors: [[Double]], losVisible: [[Bool]] = [], losDetected: [[Bool]] = []) {
        precondition(!errors.isEmpty && !errors[0].isEmpty, "no errors")
        let steps = errors[0].count
        precondition(errors.allSatisfy { $0.count == steps }, "runs differ in length")
        runs = errors.count
        self.steps = steps
        var timeSum = 0.0
        for n in 0..<steps {
            var squares = 0.0
            for run in errors { squares += run[n] * run[n] }
            timeSum += (squares / Double(runs)).squareRoot()
        }
        rmseTimeAverage = timeSum / Double(steps)
        let all = errors.flatMap { $0 }
        rmseOverall = (all.reduce(0) { $0 + $1 * $1 } / Double(all.count)).squareRoot()
        let sorted = all.sorted()
        errorMedian = Self.quantile(sorted: sorted, 0.5)
        errorP90 = Self.quantile(sorted: sorted, 0.9)
        errorMax = sorted[sorted.count - 1]
        fractionErrorAboveThreshold = Double(all.filter { $0 > Self.divergenceThreshold }.count) / Double(all.count)
        runsDiverged = errors.filter { $0.contains { $0 > Self.divergenceThreshold } }.count

        precondition(losVisible.count == losDetected.count, "visibility and detections differ in shape")
        var visible = 0, detectedVisible = 0, blocked = 0, detectedBlocked = 0
        for (vis, det) in zip(losVisible, losDetected) {
            precondition(vis.count == det.count, "visibility and detections differ in shape")
            for (v, d) in zip(vis, det) {
                if v { visible += 1; if d { detectedVisible += 1 } } else { blocked += 1; if d { detectedBlocked += 1 } }
            }
        }
        losDetectionRate = visible > 0 ? Double(detectedVisible) / Double(visible) : nil
        falseLosRate = blocked > 0 ? Double(detectedBlocked) / Double(blocked) : nil
    }

    /// Position errors ‖x̂_n − p_n‖ in metres of a run's estimates against the true positions.
    public static func positionErrors(estimates: [SIMD4<Double>], truth: [SIMD2<Double>]) -> [Double] {
        precondition(estimates.count == truth.count)
        return zip(estimates, truth).map { e, p in
            let dx = e.x - p.x, dy = e.y - p.y
            return (dx * dx + dy * dy).squareRoot()
        }
    }

    /// The q-quantile of sorted values with linear interpolation (numpy's default `method='linear'`).
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        precondition(!sorted.isEmpty && q >= 0 && q <= 1)
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
