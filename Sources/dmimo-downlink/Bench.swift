// Bench: the `bench` subcommand — time per hybrid estimate, per coarse-grid pass and per PEB point against the numpy reference.
import ArgumentParser
import ChainLog
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

struct Bench: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time per hybrid estimate (ms) and per PEB point (µs) against the numpy reference; build with -c release.",
        discussion: """
            Scenario: the default network (M = 20 APs, N = 4 antennas, K = 36 pulses), 0 dBm per AP, UE at u = (1, 1) m, \
            δφ = 10°. One thread; every figure is the median over repeated runs, in wall-clock time (process CPU time \
            with --cpu-time).

            hybrid estimate (ms per snapshot): the four-stage estimator of docs/MODEL.md §DL.5 on one noisy snapshot. \
            Headline: the one-shot call estimateDownlink(samples:network:protocol:), which also builds the cost model \
            (precoder basis and Gram blocks), as the numpy reference starts from the network and the samples. Also \
            shown: the cost model reused across snapshots (HybridEstimator).

            PEB (µs per point): the position error bound of docs/MODEL.md §DL.6 (free amplitudes) at one UE position. \
            Headline: the one-shot DownlinkFisher.positionErrorBound(setup), from the network and the position only \
            (P2: direct sums over the pulses, no precomputed Gram blocks), as the numpy reference builds the dense \
            Jacobian and inverts the Fisher information per point. Also shown: a PositionErrorBoundEvaluator reused \
            across points (the sweep path; for P2 both methods: the precoder Gram blocks precomputed once, and the \
            one-shot's direct sums, whose difference to the one-shot row is the cost of building the evaluator; sweeps \
            use the faster one for K, PositionErrorBoundEvaluator.P2Products.preferred).

            coarse grid pass (ms): the 41 × 41 cost grid of stage 1, per protocol and processing.

            estimators (ms per snapshot): the adaptive estimator against the paper's hybrid on the same snapshots at \
            each power of --estimator-powers-dbm (UE at (1, 1) m), the cost model reused by both, timed alternately; \
            medians, means and the ratios adaptive / hybrid. The adaptive estimator's work grows as the power falls \
            (its coherent search follows the non-coherent stage's uncertainty) up to its bound of 24,000 lattice costs.

            Both sides get the same inputs (network, snapshot or position) and compute the same outputs. The network is \
            built once outside the timing on both sides (Swift: AP and illumination geometry with the per-pulse \
            focusing and steering phasors; numpy: the geometry only, its PEB recomputes the phasors per call); the \
            time to build the Swift network is printed separately (µs).

            With --baseline FILE (the JSON of scripts/downlink_numpy_reference.py --out FILE, measured on the same \
            machine with the same clock) each row gives Swift time, numpy time, the ratio numpy/Swift and whether it \
            meets the speed-up target (--target, default 50). Run both when the machine is otherwise idle; for a \
            single-thread numpy baseline run the reference with OPENBLAS_NUM_THREADS=1 (recorded in its JSON).
            """)

    @OptionGroup var logging: LogOptions

    @Option(help: "Noisy snapshots estimated per protocol (each timed separately; the median is reported).")
    var estimates: Int = 21

    @Option(help: "Timed batches per coarse-grid pass and per PEB point (the median batch is reported).")
    var repeats: Int = 21

    @Option(help: "PEB evaluations per timed batch.")
    var pebBatch: Int = 20

    @Option(help: "Run seed of the noise.")
    var seed: UInt64 = 2025

    @Option(help: "JSON of the numpy reference timing (scripts/downlink_numpy_reference.py --out FILE) for speed-up ratios.")
    var baseline: String?

    @Option(help: "Speed-up target over numpy (ratio numpy time / Swift time) that each headline row is checked against.")
    var target: Double = 50

    @Flag(help: "Measure process CPU time (user + system) instead of wall-clock time: less sensitive to other load on a shared machine.")
    var cpuTime = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(name: .customLong("illumination-points"),
            help: "Number of illumination points K (a perfect square >= 20, the AP count: the P2 hybrid estimator needs K >= M). The numpy reference (--baseline) is for the default K = 36 only.")
    var illuminationPoints: Int = DownlinkConstants.illuminationPoints

    @Option(help: "Sections to time, comma-separated: hybrid (estimates), coarse (grid passes), peb (PEB points), estimators (adaptive vs hybrid). Default: all four; rows of skipped sections are left out.")
    var only: String?

    @Option(parsing: .unconditional, help: "Per-AP powers (dBm) of the estimators section, comma-separated or start:step:stop.")
    var estimatorPowersDbm: String = "0,-40,-50"

    /// Every section `--only` can name.
    static let allSections: Set<String> = ["hybrid", "coarse", "peb", "estimators"]

    /// The sections `--only` selects (all when absent).
    var sections: Set<String> {
        guard let only else { return Self.allSections }
        return Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    func validate() throws {
        guard estimates >= 1, repeats >= 1, pebBatch >= 1 else { throw ValidationError("--estimates, --repeats and --peb-batch must be >= 1") }
        guard target > 0 else { throw ValidationError("--target must be > 0") }
        guard illuminationPoints >= 20, exactSquareRoot(illuminationPoints) != nil else {
            throw ValidationError("--illumination-points must be a perfect square >= 20 (25, 36, 49, ...); got \(illuminationPoints)")
        }
        guard baseline == nil || illuminationPoints == DownlinkConstants.illuminationPoints else {
            throw ValidationError("--baseline: the numpy reference times the default network (K = \(DownlinkConstants.illuminationPoints)); drop --illumination-points or --baseline")
        }
        let unknown = sections.subtracting(Self.allSections)
        guard unknown.isEmpty, !sections.isEmpty else {
            throw ValidationError("--only takes a comma-separated list of hybrid, coarse, peb, estimators (got \(only ?? ""))")
        }
        for p in try parseList(estimatorPowersDbm, option: "--estimator-powers-dbm") { try validatePower(p, option: "--estimator-powers-dbm") }
    }

    struct Timings: Codable {
        /// Hybrid estimate (s) with the cost model reused across snapshots.
        var estimate_s: [String: Double]
        /// Hybrid estimate (s) by the one-shot call that also builds the cost model (the headline).
        var estimate_with_model_build_s: [String: Double]? = nil
        var coarse_pass_s: [String: Double]
        /// PEB per point with a `PositionErrorBoundEvaluator` reused across points (the sweep path).
        var peb_s: [String: Double]
        /// PEB per point by the one-shot `DownlinkFisher.positionErrorBound(setup)` (the headline).
        var peb_one_shot_s: [String: Double]? = nil
        /// P2 only: PEB per point by a reused evaluator with direct sums over the pulses (the one-shot method without
        /// building the evaluator).
        var peb_direct_reused_s: [String: Double]? = nil
        var clock: String? = nil
        /// Swift only: building the default `DownlinkNetwork` (s), outside every other timing.
        var network_build_s: Double? = nil
        /// numpy only: OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) of the reference run, "default" if unset.
        var blas_threads: String? = nil
    }
    /// One compared row: Swift and numpy time (s), ratio numpy/Swift, and whether it meets the target.
    struct Row: Encodable {
        var name: String
        var headline: Bool
        var swift_s: Double
        var numpy_s: Double?
        var ratio: Double?
        var meets_target: Bool?
    }
    struct Output: Encodable {
        var swift: Timings
        var baseline: Timings?
        var rows: [Row]
        var target: Double
        var estimates: Int
        var repeats: Int
        var build: String
        var clock: String
        var estimator_comparison: [EstimatorComparison]
    }

    func run() throws {
        var networkOptions = DownlinkNetworkOptions()
        networkOptions.illuminationPoints = illuminationPoints
        let network = try DownlinkNetwork(options: networkOptions)
        let user = DownlinkConstants.userPosition, phase = DownlinkConstants.phaseOffset
        let power = watts(fromDBm: 0)
        var estimateTimes: [String: Double] = [:], oneShotTimes: [String: Double] = [:]
        var coarseTimes: [String: Double] = [:], pebTimes: [String: Double] = [:], pebOneShotTimes: [String: Double] = [:]
        var pebDirectTimes: [String: Double] = [:]
        var sink = 0.0   // keeps results alive
        let clock = Stopwatch(cpu: cpuTime)
        let clockName = cpuTime ? "process CPU time" : "wall clock"

        let sections = self.sections
        for proto in DownlinkProtocol.allCases {
            let estimator = try HybridEstimator(network: network, protocol: proto)
            let snapshots = (0..<estimates).map {
                DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: user, phaseOffset: phase, perAPPower: power,
                                                  noiseVariance: DownlinkConstants.noiseVariance, seed: seed, runIndex: $0)
            }
            if sections.contains("hybrid") { sink += try estimator.estimate(samples: snapshots[0]).position.x }   // warm-up
            var times: [Double] = [], oneShot: [Double] = []
            for y in snapshots where sections.contains("hybrid") {
                var start = clock.now()
                let estimate = try estimator.estimate(samples: y)
                times.append(clock.now() - start)
                sink += estimate.position.x
                start = clock.now()
                sink += try estimateDownlink(samples: y, network: network, protocol: proto).position.x
                oneShot.append(clock.now() - start)
            }
            if sections.contains("hybrid") {
                estimateTimes[proto.rawValue] = median(times)
                oneShotTimes[proto.rawValue] = median(oneShot)
            }

            let evaluator = try DownlinkCostEvaluator(model: estimator.model, samples: snapshots[0])
            for processing in DownlinkProcessing.allCases {
                var passes: [Double] = []
                for _ in 0..<repeats where sections.contains("coarse") {
                    let start = clock.now()
                    let result = HybridEstimator.gridSearch(evaluator: evaluator, processing: processing, centre: .zero, grid: .coarse)
                    passes.append(clock.now() - start)
                    sink += result.minimum
                }
                if sections.contains("coarse") { coarseTimes["\(proto.rawValue)_\(processing.rawValue)"] = median(passes) }

                // PEB: the one-shot call builds everything per point; the evaluator is built once per (network,
                // protocol, processing), as a sweep does.
                let setup = FisherSetup(network: network, protocol: proto, processing: processing, user: user, perAPPower: power)
                let evaluator = PositionErrorBoundEvaluator(setup, p2Products: .precoderGram)
                let directEvaluator = PositionErrorBoundEvaluator(setup, p2Products: .directSums)
                var batches: [Double] = [], oneShotBatches: [Double] = [], directBatches: [Double] = []
                for _ in 0..<repeats where sections.contains("peb") {
                    var start = clock.now()
                    for _ in 0..<pebBatch { sink += DownlinkFisher.positionErrorBound(setup).value }
                    oneShotBatches.append((clock.now() - start) / Double(pebBatch))
                    start = clock.now()
                    for _ in 0..<pebBatch { sink += evaluator.positionErrorBound(at: user, phaseOffset: phase) }
                    batches.append((clock.now() - start) / Double(pebBatch))
                    if proto == .p2 {
                        start = clock.now()
                        for _ in 0..<pebBatch { sink += directEvaluator.positionErrorBound(at: user, phaseOffset: phase) }
                        directBatches.append((clock.now() - start) / Double(pebBatch))
                    }
                }
                if sections.contains("peb") {
                    pebTimes["\(proto.rawValue)_\(processing.rawValue)"] = median(batches)
                    pebOneShotTimes["\(proto.rawValue)_\(processing.rawValue)"] = median(oneShotBatches)
                    if proto == .p2 { pebDirectTimes["\(proto.rawValue)_\(processing.rawValue)"] = median(directBatches) }
                }
            }
        }
        let comparison = sections.contains("estimators")
            ? try compareEstimators(network: network, powersDBm: parseList(estimatorPowersDbm, option: "--estimator-powers-dbm"),
                                    estimates: estimates, seed: seed, user: user, phaseOffset: phase, clock: clock)
            : []
        // The network itself (built once outside every other timing): AP and illumination geometry and the per-pulse
        // focusing and steering phasors, which the numpy reference recomputes inside each PEB call.
        var networkBatches: [Double] = []
        for _ in 0..<repeats {
            let start = clock.now()
            for _ in 0..<pebBatch { sink += try DownlinkNetwork(options: networkOptions).focusRe[1] }
            networkBatches.append((clock.now() - start) / Double(pebBatch))
        }
        let networkBuild = median(networkBatches)
        if sink == 42.4242 { print("") }   // never true; defeats dead-code elimination

        let swift = Timings(estimate_s: estimateTimes, estimate_with_model_build_s: oneShotTimes, coarse_pass_s: coarseTimes, peb_s: pebTimes,
                            peb_one_shot_s: pebOneShotTimes, peb_direct_reused_s: pebDirectTimes, clock: clockName, network_build_s: networkBuild)
        var base: Timings? = nil
        if let path = baseline {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --baseline \(path)") }
            do { base = try JSONDecoder().decode(Timings.self, from: data) } catch {
                throw ValidationError("--baseline \(path) is not numpy reference timing JSON: \(error)")
            }
        }
        // Rows: (name, headline, Swift time, numpy time). The numpy reference has one figure per item; it is compared
        // with the headline (one-shot) Swift figure and, for information, with the reuse figure.
        var rows: [Row] = []
        func add(_ name: String, headline: Bool, _ ours: Double?, _ theirs: Double?) {
            guard let ours else { return }
            let ratio = theirs.map { $0 / ours }
            rows.append(Row(name: name, headline: headline, swift_s: ours, numpy_s: theirs, ratio: ratio, meets_target: ratio.map { $0 >= target }))
        }
        let processingNames = [("coherent", "coherent"), ("noncoherent", "non-coherent")]
        for proto in ["P1", "P2"] {
            add("hybrid estimate \(proto), one-shot (builds cost model)", headline: true, oneShotTimes[proto], base?.estimate_s[proto])
        }
        for proto in ["P1", "P2"] {
            for (key, label) in processingNames {
                add("PEB \(proto) \(label), one-shot", headline: true, pebOneShotTimes["\(proto)_\(key)"], base?.peb_s["\(proto)_\(key)"])
            }
        }
        for proto in ["P1", "P2"] {
            add("hybrid estimate \(proto), cost model reused", headline: false, estimateTimes[proto], base?.estimate_s[proto])
        }
        for proto in ["P1", "P2"] {
            for (key, label) in processingNames {
                add("PEB \(proto) \(label), evaluator reused" + (proto == "P2" ? ", Gram blocks" : ""), headline: false, pebTimes["\(proto)_\(key)"], base?.peb_s["\(proto)_\(key)"])
                if proto == "P2" {
                    add("PEB \(proto) \(label), direct sums, evaluator reused", headline: false, pebDirectTimes["\(proto)_\(key)"],
                        base?.peb_s["\(proto)_\(key)"])
                }
            }
        }
        for proto in ["P1", "P2"] {
            for (key, label) in processingNames {
                add("coarse grid pass \(proto) \(label)", headline: false, coarseTimes["\(proto)_\(key)"], base?.coarse_pass_s["\(proto)_\(key)"])
            }
        }

        #if DEBUG
        let build = "debug (timings not meaningful: use swift build -c release)"
        #else
        let build = "release"
        #endif
        if json {
            try printJSON(Output(swift: swift, baseline: base, rows: rows, target: target, estimates: estimates, repeats: repeats,
                                 build: build, clock: clockName, estimator_comparison: comparison))
            return
        }
        print("dmimo-downlink bench (\(build), \(clockName)): M = 20, N = 4, K = \(illuminationPoints), 0 dBm, u = (1, 1) m; medians, one thread")
        if let base {
            let baseClock = base.clock ?? "unknown clock"
            print("numpy reference: \(baseline!) (\(baseClock), BLAS threads \(base.blas_threads ?? "not recorded"))"
                  + (baseClock == clockName ? "" : "  WARNING: measured with a different clock"))
        } else {
            print("no --baseline: Swift times only (run scripts/downlink_numpy_reference.py --out FILE on this machine for ratios)")
        }
        func format(_ seconds: Double, _ name: String) -> String {
            let (unit, unitName) = name.hasPrefix("PEB") ? (1e-6, "us") : (1e-3, "ms")
            return String(format: "%10.3f %@", seconds / unit, unitName)
        }
        let targetText = String(format: "%g", target)
        func printRows(_ headline: Bool) {
            print("  " + "row".padding(toLength: 50, withPad: " ", startingAt: 0)
                  + "     Swift".padding(toLength: 14, withPad: " ", startingAt: 0)
                  + "     numpy".padding(toLength: 14, withPad: " ", startingAt: 0) + "    ratio  target \(targetText)x")
            for row in rows where row.headline == headline {
                var text = "  " + row.name.padding(toLength: 50, withPad: " ", startingAt: 0) + format(row.swift_s, row.name)
                if let numpy = row.numpy_s, let ratio = row.ratio, let met = row.meets_target {
                    text += "  " + format(numpy, row.name) + String(format: " %8.1fx  ", ratio) + (met ? "met" : "NOT MET")
                }
                print(text)
            }
        }
        print("Headline (one-shot, the same work as the numpy reference):")
        printRows(true)
        print("For information (Swift reuses per-network precomputation across snapshots / points; numpy does not):")
        printRows(false)
        print("  " + "network build (geometry, focusing/steering phasors)".padding(toLength: 50, withPad: " ", startingAt: 0)
              + String(format: "%10.3f us", networkBuild / 1e-6)
              + "  (outside the rows above; numpy recomputes the phasors in each PEB call)")
        if !comparison.isEmpty {
            print("Estimators (ms per snapshot, cost model reused, \(estimates) snapshots each, timed alternately, u = (1, 1) m):")
            print("  protocol  P[dBm]   hybrid median/mean   adaptive median/mean   adaptive/hybrid median, mean   evaluations hybrid, adaptive")
            for r in comparison {
                print("  \(r.protocol_)" + String(format: "        %6.1f   %8.2f / %8.2f    %8.2f / %8.2f      %6.2fx, %6.2fx               %8.0f, %8.0f",
                             r.power_dbm, r.hybrid_median_s * 1e3, r.hybrid_mean_s * 1e3, r.adaptive_median_s * 1e3,
                             r.adaptive_mean_s * 1e3, r.ratio_median, r.ratio_mean, r.hybrid_evaluations, r.adaptive_evaluations))
            }
        }
        if base != nil {
            let missed = rows.filter { $0.headline && $0.meets_target == false }.map(\.name)
            print(missed.isEmpty ? "All headline rows meet the \(targetText)x target."
                                 : "Headline rows below the \(targetText)x target: \(missed.joined(separator: "; ")).")
        }
    }
}
