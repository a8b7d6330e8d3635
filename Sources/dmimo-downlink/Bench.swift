// Bench: the `bench` subcommand — time per hybrid estimate, per coarse-grid pass and per PEB point (release builds).
import ArgumentParser
import Downlink
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock (monotonic) or process CPU-time (user + system, all threads; the bench is single-threaded) stopwatch (s).
struct Stopwatch {
    let cpu: Bool
    func now() -> Double {
        var spec = timespec()
        clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time per hybrid estimate, per coarse-grid pass and per PEB point (K = 36, 0 dBm, u = (1, 1) m); build with -c release.",
        discussion: """
            Medians over repeated runs on one thread. With --baseline FILE (the JSON of scripts/downlink_numpy_reference.py
            --json) each time is also given as a speed-up ratio over the numpy reference measured on the same machine.
            """)

    @Option(help: "Noisy snapshots estimated per protocol (each timed separately; the median is reported).")
    var estimates: Int = 21

    @Option(help: "Timed batches per coarse-grid pass and per PEB point.")
    var repeats: Int = 21

    @Option(help: "PEB evaluations per timed batch.")
    var pebBatch: Int = 20

    @Option(help: "Run seed of the noise.")
    var seed: UInt64 = 2025

    @Option(help: "JSON of the numpy reference timing (scripts/downlink_numpy_reference.py --json) for speed-up ratios.")
    var baseline: String?

    @Flag(help: "Measure process CPU time (user + system) instead of wall-clock time: less sensitive to other load on a shared machine.")
    var cpuTime = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        guard estimates >= 1, repeats >= 1, pebBatch >= 1 else { throw ValidationError("--estimates, --repeats and --peb-batch must be >= 1") }
    }

    struct Timings: Codable {
        var estimate_s: [String: Double]
        var estimate_with_model_build_s: [String: Double]? = nil
        var coarse_pass_s: [String: Double]
        var peb_s: [String: Double]
    }
    struct Output: Encodable {
        var swift: Timings
        var baseline: Timings?
        var speedup: [String: [String: Double]]?
        var estimates: Int
        var repeats: Int
        var build: String
        var clock: String
    }

    func run() throws {
        let network = try DownlinkNetwork()
        let user = DownlinkConstants.userPosition, phase = DownlinkConstants.phaseOffset
        let power = watts(fromDBm: 0)
        var estimateTimes: [String: Double] = [:], oneShotTimes: [String: Double] = [:]
        var coarseTimes: [String: Double] = [:], pebTimes: [String: Double] = [:]
        var sink = 0.0   // keeps results alive
        let clock = Stopwatch(cpu: cpuTime)

        for proto in DownlinkProtocol.allCases {
            let estimator = try HybridEstimator(network: network, protocol: proto)
            let snapshots = (0..<estimates).map {
                DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: user, phaseOffset: phase, perAPPower: power,
                                                  noiseVariance: DownlinkConstants.noiseVariance, seed: seed, runIndex: $0)
            }
            sink += try estimator.estimate(samples: snapshots[0]).position.x   // warm-up
            var times: [Double] = []
            for y in snapshots {
                let start = clock.now()
                let estimate = try estimator.estimate(samples: y)
                times.append(clock.now() - start)
                sink += estimate.position.x
            }
            estimateTimes[proto.rawValue] = median(times)
            var oneShot: [Double] = []
            for y in snapshots.prefix(5) {
                let start = clock.now()
                sink += try estimateDownlink(samples: y, network: network, protocol: proto).position.x
                oneShot.append(clock.now() - start)
            }
            oneShotTimes[proto.rawValue] = median(oneShot)

            let evaluator = try DownlinkCostEvaluator(model: estimator.model, samples: snapshots[0])
            for processing in DownlinkProcessing.allCases {
                var passes: [Double] = []
                for _ in 0..<repeats {
                    let start = clock.now()
                    let result = HybridEstimator.gridSearch(evaluator: evaluator, processing: processing, centre: .zero, grid: .coarse)
                    passes.append(clock.now() - start)
                    sink += result.minimum
                }
                coarseTimes["\(proto.rawValue)_\(processing.rawValue)"] = median(passes)

                var batches: [Double] = []
                let setup = FisherSetup(network: network, protocol: proto, processing: processing, user: user, perAPPower: power)
                for _ in 0..<repeats {
                    let start = clock.now()
                    for _ in 0..<pebBatch { sink += DownlinkFisher.positionErrorBound(setup).value }
                    batches.append((clock.now() - start) / Double(pebBatch))
                }
                pebTimes["\(proto.rawValue)_\(processing.rawValue)"] = median(batches)
            }
        }
        if sink == 42.4242 { print("") }   // never true; defeats dead-code elimination

        let swift = Timings(estimate_s: estimateTimes, estimate_with_model_build_s: oneShotTimes, coarse_pass_s: coarseTimes, peb_s: pebTimes)
        var base: Timings? = nil
        var speedup: [String: [String: Double]]? = nil
        if let path = baseline {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --baseline \(path)") }
            do { base = try JSONDecoder().decode(Timings.self, from: data) } catch {
                throw ValidationError("--baseline \(path) is not numpy reference timing JSON: \(error)")
            }
            func ratios(_ ours: [String: Double], _ theirs: [String: Double]) -> [String: Double] {
                Dictionary(uniqueKeysWithValues: ours.compactMap { key, value in theirs[key].map { (key, $0 / value) } })
            }
            speedup = ["estimate": ratios(swift.estimate_s, base!.estimate_s), "coarse_pass": ratios(swift.coarse_pass_s, base!.coarse_pass_s),
                       "peb": ratios(swift.peb_s, base!.peb_s)]
        }
        #if DEBUG
        let build = "debug (timings not meaningful: use swift build -c release)"
        #else
        let build = "release"
        #endif
        if json {
            try printJSON(Output(swift: swift, baseline: base, speedup: speedup, estimates: estimates, repeats: repeats, build: build,
                                 clock: cpuTime ? "process CPU time" : "wall clock"))
            return
        }
        print("dmimo-downlink bench (\(build), \(cpuTime ? "process CPU time" : "wall clock")): K = 36, 0 dBm, u = (1, 1) m, medians, one thread")
        func line(_ label: String, _ key: String, _ ours: [String: Double], _ theirs: [String: Double]?, unit: Double, unitName: String) {
            var text = "  \(label.padding(toLength: 28, withPad: " ", startingAt: 0)) \(String(format: "%9.3f", (ours[key] ?? .nan) / unit)) \(unitName)"
            if let t = theirs?[key], let o = ours[key] {
                text += String(format: "   numpy %9.3f %@   speed-up %7.1fx", t / unit, unitName, t / o)
            }
            print(text)
        }
        print("hybrid estimate (model reused):")
        for key in ["P1", "P2"] { line("\(key)", key, swift.estimate_s, base?.estimate_s, unit: 1e-3, unitName: "ms") }
        print("hybrid estimate incl. cost-model build:")
        for key in ["P1", "P2"] { line("\(key)", key, oneShotTimes, base?.estimate_s, unit: 1e-3, unitName: "ms") }
        print("coarse grid pass (1681 points):")
        for key in coarseTimes.keys.sorted() { line(key, key, swift.coarse_pass_s, base?.coarse_pass_s, unit: 1e-3, unitName: "ms") }
        print("PEB at one point:")
        for key in pebTimes.keys.sorted() { line(key, key, swift.peb_s, base?.peb_s, unit: 1e-6, unitName: "us") }
    }
}
