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

struct PrometheusTextTests {
    @Test func bucketsAreCumulativeCountsOfTheHistogramAndEndWithTheTotal() {
        var h = LatencyHistogram()
        for us in [5, 30, 30, 200, 900, 40_000] as [UInt64] { h.record(us * 1000) }  // µs → ns
        let counts = h.cumulativeCounts(upperBoundsNs: prometheusLatencyBuckets.map { UInt64(($0 * 1e9).rounded()) })
        // 10 µs: 1, 25: 1, 50: 3, 100: 3, 250: 4, 500: 4, 1 ms: 5, … 50 ms: 6
        #expect(Array(counts.prefix(12)) == [1, 1, 3, 3, 4, 4, 5, 5, 5, 5, 5, 6])
        #expect(counts.last == 6)
        var s = MetricsSnapshot()
        s.latency = h
        s.steps["delivered"] = 6
        let text = prometheusText(s, controllerRSS: 1 << 20, version: "v", commit: "c")
        #expect(text.contains("dmimo_steps_total{outcome=\"delivered\"} 6\n"))
        #expect(text.contains("dmimo_step_latency_seconds_bucket{le=\"+Inf\"} 6\n"))
        #expect(text.contains("dmimo_step_latency_seconds_count 6\n"))
        #expect(text.contains("dmimo_controller_rss_bytes 1048576\n"))
        // every sample line: name{labels} value
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2, "\(line)")
        }
    }
}

struct CPUFeatureTests {
    @Test func missingFlagsAreNamedAndACompleteCPUPasses() {
        let haswell = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma bmi1 bmi2 f16c movbe popcnt\n"
        let sandy = "processor\t: 0\nflags\t\t: fpu sse2 avx popcnt\n"
        let required = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt"]
        #expect(missingCPUFlags(cpuinfo: haswell, required: required) == [])
        #expect(missingCPUFlags(cpuinfo: sandy, required: required) == ["avx2", "fma", "bmi1", "bmi2", "f16c", "movbe"])
        #expect(missingCPUFlags(cpuinfo: "no flags here", required: required) == nil)
    }

    /// Runs `program --help` of this build with DMIMO_CPUINFO describing a CPU with `flags`.
    /// - Returns: the exit status and what the program wrote to stderr.
    func helpOnCPU(_ program: String, flags: String, tag: String) throws -> (status: Int32, stderr: String) {
        let cpuinfo = NSTemporaryDirectory() + "dmimo-cpuinfo-\(getpid())-\(tag)"
        try "processor\t: 0\nflags\t\t: \(flags)\n".write(toFile: cpuinfo, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: cpuinfo) }
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent(program)
        process.arguments = ["--help"]
        process.environment = ProcessInfo.processInfo.environment.merging(["DMIMO_CPUINFO": cpuinfo]) { $1 }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    /// The release binaries stop with one line and status 3 on a CPU without AVX2 (described by DMIMO_CPUINFO).
    @Test(arguments: ["chain-controller", "panel-node", "dmimo-downlink"])
    func aReleaseBinaryRefusesACPUWithoutAVX2(program: String) throws {
        guard !requiredCPUFlags.isEmpty else { return }  // baseline / debug build: nothing to refuse
        let (status, text) = try helpOnCPU(program, flags: "fpu sse2 popcnt", tag: program)
        #expect(status == 3)
        #expect(text.contains("lacks avx, avx2, fma") && text.contains("DMIMO_BASELINE_X86=1"), "\(text)")
    }

    /// A build made on an AVX-512 host (AVX-512 Localization lanes) refuses an AVX2-only CPU, naming what it lacks.
    @Test func anAVX512BuildRefusesAnAVX2OnlyCPU() throws {
        guard requiredCPUFlags.contains("avx512f") else { return }  // AVX2 or baseline build: nothing to refuse
        let (status, text) = try helpOnCPU("panel-node", flags: "fpu sse2 avx avx2 fma bmi1 bmi2 f16c movbe popcnt",
                                           tag: "avx2only")
        #expect(status == 3)
        #expect(text.contains("lacks avx512f, avx512dq, avx512bw, avx512vl") && text.contains("DMIMO_X86=avx2"), "\(text)")
    }
}
