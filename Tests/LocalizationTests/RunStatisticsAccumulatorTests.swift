// RunStatisticsAccumulatorTests: exact statistics up to 16,384 errors, the sums and histogram past them, against RunStatistics.
import Foundation
import Testing
@testable import Localization
import TestFixtures

extension TestRandom {
    /// Errors spread over nine decades (0.1 µm … 55 m), 1 % exactly 0, a fifth above 1 m.
    mutating func error() -> Double { uniform() < 0.01 ? 0 : exp(-16 + 20 * uniform()) }
}

/// Errors and LoS flags of `lengths.count` runs (J panels), fed into an accumulator and kept for the exact statistics.
private struct RunSetData {
    var errors: [[Double]] = []
    var visible: [[Bool]] = []
    var detected: [[Bool]] = []
    var accumulator: RunStatisticsAccumulator

    init(lengths: [Int], steps: Int, panels: Int, seed: UInt64) {
        var random = TestRandom(state: seed)
        accumulator = RunStatisticsAccumulator(runs: lengths.count, steps: steps)
        for (run, length) in lengths.enumerated() {
            errors.append([]); visible.append([]); detected.append([])
            for _ in 0..<length {
                let e = random.error()
                let v = (0..<panels).map { _ in random.uniform() < 0.6 }
                let d = (0..<panels).map { _ in random.uniform() < 0.5 }
                errors[run].append(e); visible[run] += v; detected[run] += d
                accumulator.add(run: run, error: e, losVisible: v, losDetected: d)
            }
        }
    }

    /// RunStatistics of the runs with errors, truncated to the shortest (RecordAccumulator's rule).
    func exact(panels: Int) -> RunStatistics {
        let done = errors.indices.filter { !errors[$0].isEmpty }
        let shortest = done.map { errors[$0].count }.min()!
        return RunStatistics(errors: done.map { Array(errors[$0].prefix(shortest)) },
                             losVisible: done.map { Array(visible[$0].prefix(shortest * panels)) },
                             losDetected: done.map { Array(detected[$0].prefix(shortest * panels)) })
    }
}

/// |a − b| ≤ 1e-12 · |b|
private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * abs(b) }

/// Within the histogram's stated bound of the exact quantile.
private func withinBound(_ estimate: Double, _ exact: Double) -> Bool {
    abs(estimate - exact) <= ErrorHistogram.relativeBound * exact + ErrorHistogram.absoluteBound
}

@Suite struct RunStatisticsAccumulatorTests {
    @Test func upToTheLimitTheStatisticsAreRunStatisticsOfEveryError() {
        // runs of unequal length (one interrupted, one not started): truncated to the shortest started run
        let data = RunSetData(lengths: [300, 300, 120, 0], steps: 300, panels: 4, seed: 1)
        #expect(!data.accumulator.streaming)
        #expect(data.accumulator.statistics() == data.exact(panels: 4))
        #expect(data.accumulator.statistics()?.steps == 120 && data.accumulator.statistics()?.runs == 3)
    }

    @Test func exactlyAtTheLimitStillExactOneMoreSwitchesToSums() {
        var data = RunSetData(lengths: Array(repeating: 512, count: 32), steps: 513, panels: 2, seed: 2)
        #expect(data.accumulator.total == RunStatisticsAccumulator.exactLimit)
        #expect(!data.accumulator.streaming)
        #expect(data.accumulator.statistics() == data.exact(panels: 2))
        data.accumulator.add(run: 0, error: 0.5, losVisible: [true, false], losDetected: [true, true])
        #expect(data.accumulator.streaming)
        #expect(data.accumulator.errors.isEmpty && data.accumulator.visible.isEmpty && data.accumulator.detected.isEmpty)
    }

    @Test func pastTheLimitSumsAreExactAndQuantilesWithinTheHistogramBound() throws {
        // the soak's shape: 40 runs x 500 steps, J = 8
        let data = RunSetData(lengths: Array(repeating: 500, count: 40), steps: 500, panels: 8, seed: 3)
        #expect(data.accumulator.streaming)
        let s = try #require(data.accumulator.statistics())
        let e = data.exact(panels: 8)
        #expect(s.runs == e.runs && s.steps == e.steps)
        #expect(close(s.rmseTimeAverage, e.rmseTimeAverage))
        #expect(close(s.rmseOverall, e.rmseOverall))
        #expect(s.errorMax == e.errorMax)
        #expect(s.fractionErrorAboveThreshold == e.fractionErrorAboveThreshold)
        #expect(s.runsDiverged == e.runsDiverged && e.runsDiverged > 0)
        #expect(s.losDetectionRate == e.losDetectionRate && s.falseLosRate == e.falseLosRate)
        #expect(withinBound(s.errorMedian, e.errorMedian), "median \(s.errorMedian) vs exact \(e.errorMedian)")
        #expect(withinBound(s.errorP90, e.errorP90), "p90 \(s.errorP90) vs exact \(e.errorP90)")
        #expect(close(data.accumulator.rmseSoFar, e.rmseOverall))
    }

    @Test func pastTheLimitRunsAreTruncatedToTheShortestLikeTheExactStatistics() throws {
        // an interrupted run set: the last run stopped after 250 of 500 steps
        let data = RunSetData(lengths: Array(repeating: 500, count: 39) + [250], steps: 500, panels: 8, seed: 4)
        let s = try #require(data.accumulator.statistics())
        let e = data.exact(panels: 8)
        #expect(s.runs == 40 && s.steps == 250 && e.steps == 250)
        #expect(close(s.rmseTimeAverage, e.rmseTimeAverage) && close(s.rmseOverall, e.rmseOverall))
        #expect(s.errorMax == e.errorMax && s.fractionErrorAboveThreshold == e.fractionErrorAboveThreshold)
        #expect(s.runsDiverged == e.runsDiverged)
        #expect(s.losDetectionRate == e.losDetectionRate && s.falseLosRate == e.falseLosRate)
    }

    @Test func histogramQuantilesAreWithinTheStatedBoundOfTheExactOnes() {
        var random = TestRandom(state: 5)
        var values = (0..<50_000).map { _ in random.error() }
        // bin edges and the lowest bin: powers of two, just below them, below 2^-20 m
        values += [0x1p-20, 0x1p-20.nextDown, 0x1p-3, 0x1p-3.nextDown, 1, 1.nextDown, 1e-9, 3e-7]
        var h = ErrorHistogram()
        for v in values { h.add(v) }
        let sorted = values.sorted()
        for q in [0, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999] {
            let exact = RunStatistics.quantile(sorted: sorted, q)
            #expect(withinBound(h.quantile(q), exact), "q \(q): \(h.quantile(q)) vs exact \(exact)")
        }
        // every single value reads back within the bound
        for v in values.prefix(5_000) + values.suffix(8) {
            var one = ErrorHistogram()
            one.add(v)
            #expect(withinBound(one.quantile(0.5), v), "\(v) reads as \(one.quantile(0.5))")
        }
        #expect(ErrorHistogram().quantile(0.5).isNaN)
    }

    @Test func valuesAbove4096MetresReadAsTheLargest() {
        var h = ErrorHistogram()
        for v in [1.0, 2.0, 5000.0, 7000.0] { h.add(v) }
        #expect(h.quantile(1) == 7000)
        #expect(ErrorHistogram.bin(of: .infinity) == ErrorHistogram.overflowBin)
        #expect(ErrorHistogram.bin(of: .nan) == ErrorHistogram.overflowBin)
    }
}
