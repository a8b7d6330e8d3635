// RunStatisticsAccumulator: the run set's accuracy statistics step by step, in memory that stops growing after 16,384 errors.

/// Collects position errors and LoS decisions run by run, step by step, for ``RunStatistics``.
///
/// While at most ``exactLimit`` errors have been added it keeps every one, and ``statistics()`` is
/// `RunStatistics(errors:losVisible:losDetected:)` of them, bit for bit. Past that it keeps only sums: per step index
/// (position of the error within its run) the sum of squares, the largest error, the errors above the divergence
/// threshold and the LoS counts; per run its count and first error above the threshold; and an ``ErrorHistogram``.
/// Then RMSEs, maximum, fraction above 1 m, runs diverged and LoS rates are as exact (to the rounding of another
/// summation order), and the median and 90 % quantile come from the histogram: within
/// ``ErrorHistogram/relativeBound`` (0.025 %) of the exact quantile + ``ErrorHistogram/absoluteBound`` (0.48 µm).
/// The quantiles are then of every error added, where the exact statistics truncate the runs to the shortest; the two
/// agree whenever the runs have as many errors each (a completed run set without abandoned steps).
/// Memory: `steps` index entries and the histogram (512 KiB), allocated at the start; nothing grows per step past the
/// limit.
public struct RunStatisticsAccumulator: Sendable {
    /// Errors kept one by one (the exact statistics) before only sums are kept.
    public static let exactLimit = 16_384

    public let runs: Int, steps: Int
    /// Every error and LoS flag so far, per run (emptied once more than `exactLimit` errors came).
    var errors: [[Double]]
    var visible: [[Bool]]
    var detected: [[Bool]]
    /// True once past `exactLimit`: the statistics come from the sums below.
    public private(set) var streaming = false

    /// Sums per step index (the position of an error within its run).
    struct IndexTotals: Sendable {
        var sumSquares = 0.0
        var largest = -Double.infinity
        var aboveThreshold = 0
        var visible = 0, detectedVisible = 0, blocked = 0, detectedBlocked = 0
    }
    var byIndex: [IndexTotals]
    /// Errors of each run, and the index of its first error above the divergence threshold (Int.max: none).
    var countByRun: [Int]
    var firstAboveByRun: [Int]
    var histogram = ErrorHistogram()
    /// Errors added, and their sum of squares (for the progress line).
    public private(set) var total = 0
    var totalSquares = 0.0

    public init(runs: Int, steps: Int) {
        self.runs = runs; self.steps = steps
        errors = Array(repeating: [], count: runs)
        visible = Array(repeating: [], count: runs)
        detected = Array(repeating: [], count: runs)
        byIndex = Array(repeating: IndexTotals(), count: steps)
        countByRun = Array(repeating: 0, count: runs)
        firstAboveByRun = Array(repeating: Int.max, count: runs)
    }

    /// Adds the next error of run `run` (metres) and its panels' true LoS visibility and LoS decisions.
    public mutating func add(run: Int, error: Double, losVisible: [Bool], losDetected: [Bool]) {
        let index = countByRun[run]
        precondition(index < steps, "more errors than steps in run \(run)")
        countByRun[run] += 1
        total += 1
        totalSquares += error * error
        byIndex[index].sumSquares += error * error
        if error > byIndex[index].largest { byIndex[index].largest = error }
        if error > RunStatistics.divergenceThreshold {
            byIndex[index].aboveThreshold += 1
            if firstAboveByRun[run] == Int.max { firstAboveByRun[run] = index }
        }
        for (v, d) in zip(losVisible, losDetected) {
            if v { byIndex[index].visible += 1; if d { byIndex[index].detectedVisible += 1 } }
            else { byIndex[index].blocked += 1; if d { byIndex[index].detectedBlocked += 1 } }
        }
        histogram.add(error)
        if streaming { return }
        if total > Self.exactLimit {
            streaming = true
            errors = []; visible = []; detected = []
            return
        }
        errors[run].append(error)
        visible[run] += losVisible
        detected[run] += losDetected
    }

    /// RMSE so far over every error added, metres (NaN before the first).
    public var rmseSoFar: Double { total > 0 ? (totalSquares / Double(total)).squareRoot() : .nan }

    /// The statistics of the runs that have at least one error, truncated to the shortest of them; nil before any.
    public func statistics() -> RunStatistics? { streaming ? fromSums() : exact() }

    /// Every kept error through `RunStatistics(errors:losVisible:losDetected:)`.
    func exact() -> RunStatistics? {
        let done = errors.filter { !$0.isEmpty }
        guard let shortest = done.map(\.count).min(), shortest > 0 else { return nil }
        let perStep = visible.first.map { $0.count / Swift.max(1, errors[0].count) } ?? 0
        return RunStatistics(errors: done.map { Array($0.prefix(shortest)) },
                             losVisible: perStep > 0 ? visible.filter { !$0.isEmpty }.map { Array($0.prefix(shortest * perStep)) } : [],
                             losDetected: perStep > 0 ? detected.filter { !$0.isEmpty }.map { Array($0.prefix(shortest * perStep)) } : [])
    }

    /// The statistics from the per-index and per-run sums and the histogram (see the type's documentation).
    func fromSums() -> RunStatistics? {
        let done = countByRun.filter { $0 > 0 }
        guard let shortest = done.min() else { return nil }
        let doneRuns = done.count
        var timeSum = 0.0, squares = 0.0, above = 0, largest = -Double.infinity
        var visible = 0, detectedVisible = 0, blocked = 0, detectedBlocked = 0
        for t in byIndex.prefix(shortest) {
            timeSum += (t.sumSquares / Double(doneRuns)).squareRoot()
            squares += t.sumSquares
            above += t.aboveThreshold
            largest = Swift.max(largest, t.largest)
            visible += t.visible; detectedVisible += t.detectedVisible
            blocked += t.blocked; detectedBlocked += t.detectedBlocked
        }
        let pairs = Double(doneRuns * shortest)
        return RunStatistics(
            runs: doneRuns, steps: shortest, rmseTimeAverage: timeSum / Double(shortest),
            rmseOverall: (squares / pairs).squareRoot(),
            errorMedian: histogram.quantile(0.5), errorP90: histogram.quantile(0.9), errorMax: largest,
            fractionErrorAboveThreshold: Double(above) / pairs,
            runsDiverged: zip(countByRun, firstAboveByRun).filter { $0.0 > 0 && $0.1 < shortest }.count,
            losDetectionRate: visible > 0 ? Double(detectedVisible) / Double(visible) : nil,
            falseLosRate: blocked > 0 ? Double(detectedBlocked) / Double(blocked) : nil)
    }
}

extension RunStatistics {
    /// Statistics from their values (``RunStatisticsAccumulator``'s sums).
    init(runs: Int, steps: Int, rmseTimeAverage: Double, rmseOverall: Double, errorMedian: Double, errorP90: Double,
         errorMax: Double, fractionErrorAboveThreshold: Double, runsDiverged: Int, losDetectionRate: Double?,
         falseLosRate: Double?) {
        self.runs = runs; self.steps = steps
        self.rmseTimeAverage = rmseTimeAverage; self.rmseOverall = rmseOverall
        self.errorMedian = errorMedian; self.errorP90 = errorP90; self.errorMax = errorMax
        self.fractionErrorAboveThreshold = fractionErrorAboveThreshold; self.runsDiverged = runsDiverged
        self.losDetectionRate = losDetectionRate; self.falseLosRate = falseLosRate
    }
}
