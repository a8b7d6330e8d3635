// RunStatisticsTests: the run metrics on small hand-computed examples.
import Testing
@testable import Localization

@Suite struct RunStatisticsTests {
    @Test func metricsOfASmallExample() {
        let errors: [[Double]] = [[0.01, 0.03], [0.02, 2.0]]
        let s = RunStatistics(errors: errors)
        let step0 = ((0.01 * 0.01 + 0.02 * 0.02) / 2).squareRoot()
        let step1 = ((0.03 * 0.03 + 4.0) / 2).squareRoot()
        #expect(abs(s.rmseTimeAverage - (step0 + step1) / 2) < 1e-15)
        #expect(abs(s.rmseOverall - ((1e-4 + 9e-4 + 4e-4 + 4.0) / 4).squareRoot()) < 1e-15)
        #expect(abs(s.errorMedian - 0.025) < 1e-15)
        #expect(abs(s.errorP90 - (0.03 + 0.7 * (2.0 - 0.03))) < 1e-12)   // numpy: position 0.9·3 = 2.7
        #expect(s.errorMax == 2.0)
        #expect(s.fractionErrorAboveThreshold == 0.25)
        #expect(s.runsDiverged == 1)
        #expect(s.runs == 2 && s.steps == 2)
        #expect(s.losDetectionRate == nil && s.falseLosRate == nil)
    }

    @Test func losRatesArePooledOverRuns() {
        let visible = [[true, true, false, false], [true, false, false, false]]
        let detected = [[true, false, true, false], [true, false, false, false]]
        let s = RunStatistics(errors: [[0.1], [0.2]], losVisible: visible, losDetected: detected)
        #expect(s.losDetectionRate == 2.0 / 3.0)
        #expect(s.falseLosRate == 1.0 / 5.0)
    }

    @Test func quantileInterpolatesLikeNumpy() {
        let v = [1.0, 2.0, 4.0, 8.0, 16.0]
        #expect(RunStatistics.quantile(sorted: v, 0) == 1)
        #expect(RunStatistics.quantile(sorted: v, 1) == 16)
        #expect(RunStatistics.quantile(sorted: v, 0.5) == 4)
        #expect(RunStatistics.quantile(sorted: v, 0.9) == 8 + 0.6 * 8)   // position 3.6
        #expect(RunStatistics.quantile(sorted: [3], 0.9) == 3)
    }

    @Test func positionErrors() {
        let e = RunStatistics.positionErrors(estimates: [SIMD4(3, 4, 9, 9), SIMD4(1, 1, 0, 0)],
                                             truth: [SIMD2(0, 0), SIMD2(1, 1)])
        #expect(e == [5, 0])
    }
}
