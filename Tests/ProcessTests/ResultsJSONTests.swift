// ResultsJSON and the comparison core: NaN as null both ways, the bootstrap's verdicts on known data.
import ChainRuntime
import Foundation
import Testing

struct ResultsJSONTests {
    struct Sample: Codable, Equatable {
        var x: Double
        var list: [Double]
        var nested: LatencySummary
    }

    @Test func nonFiniteNumbersAreWrittenAsNullAndReadBackAsNaN() throws {
        let value = Sample(x: .nan, list: [1.5, .infinity, .nan], nested: LatencySummary(nanoseconds: []))
        let text = String(decoding: try ResultsJSON.encode(value), as: UTF8.self)
        #expect(!text.contains("nan") && !text.contains("inf") && !text.contains("non_finite"))
        #expect(text.contains("\"x\" : null"))
        let back = try ResultsJSON.decode(Sample.self, from: Data(text.utf8))
        #expect(back.x.isNaN && back.list[0] == 1.5 && back.list[1].isNaN && back.list[2].isNaN)
        #expect(back.nested == LatencySummary(nanoseconds: []))
        #expect(back.nested.count == 0)
    }

    @Test func latencySummaryIsTheHistogramsWithinTheResolution() {
        let samples = (1...10_000).map { UInt64($0) * 1000 }  // 1 µs ... 10 ms
        let s = LatencySummary(nanoseconds: samples)
        #expect(s.count == 10_000)
        #expect(abs(s.p50 - 5000) / 5000 < 0.001)
        #expect(abs(s.p99 - 9900) / 9900 < 0.001)
        #expect(s.max == 10_000)
        #expect(abs(s.mean - 5000.5) < 1e-9)
    }
}

struct RunComparisonTests {
    func runs(_ count: Int, steps: Int, offset: Double, seed: UInt64) -> StepSamples {
        var byRun: [[Double]] = []
        for r in 0..<count {
            var values: [Double] = []
            for n in 0..<steps {
                let phase: Double = Double(n) * 0.37 + Double(r) * 1.7 + Double(seed)
                values.append(offset + 0.5 * sin(phase))
            }
            byRun.append(values)
        }
        return StepSamples(byRun: byRun)
    }

    @Test func aSetComparedWithItselfShowsNoDifference() {
        let a = runs(3, steps: 200, offset: 1, seed: 1)
        for stat in [StepStatistic.p50, .p90, .rmse] {
            let c = compareSteps(group: "g", name: "n", unit: "", statistic: stat, a: a, b: a)
            #expect(c.difference == 0)
            #expect(!c.significant)
            #expect(c.verdict == "same")
            #expect(c.method == .runs)
            #expect(c.low <= 0 && c.high >= 0)
        }
    }

    @Test func aShiftFarBeyondTheSpreadIsSignificantAndANoiseLevelOneIsNot() {
        let a = runs(1, steps: 400, offset: 1, seed: 1)
        let far = compareSteps(group: "g", name: "n", unit: "", statistic: .p50, a: a, b: runs(1, steps: 400, offset: 2, seed: 1))
        #expect(far.method == .blocks)
        #expect(far.significant && far.verdict == "SIGNIFICANT")
        #expect(abs(far.difference - 1) < 1e-9)
        let near = compareSteps(group: "g", name: "n", unit: "", statistic: .p50, a: a, b: runs(1, steps: 400, offset: 1, seed: 2))
        #expect(!near.significant)
    }
}
