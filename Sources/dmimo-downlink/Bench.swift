// Bench: the `bench` subcommand — time per hybrid estimate, per coarse-grid pass and per PEB point against the numpy reference.
import ArgumentParser
import ChainLog
import Downlink
import DownlinkReports
import Foundation

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

    @OptionGroup var logging: LogOptions

    /// The sections `--only` selects (all when absent).
    var sections: Set<String> {
        guard let only else { return DownlinkBenchSettings.allSections }
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
        let unknown = sections.subtracting(DownlinkBenchSettings.allSections)
        guard unknown.isEmpty, !sections.isEmpty else {
            throw ValidationError("--only takes a comma-separated list of hybrid, coarse, peb, estimators (got \(only ?? ""))")
        }
        for p in try parseList(estimatorPowersDbm, option: "--estimator-powers-dbm") { try validatePower(p, option: "--estimator-powers-dbm") }
    }

    func run() throws {
        var settings = DownlinkBenchSettings()
        settings.estimates = estimates
        settings.repeats = repeats
        settings.pebBatch = pebBatch
        settings.seed = seed
        settings.target = target
        settings.cpuTime = cpuTime
        settings.illuminationPoints = illuminationPoints
        settings.sections = sections
        settings.estimatorPowersDBm = try parseList(estimatorPowersDbm, option: "--estimator-powers-dbm")
        let measurement = try measureDownlinkBench(settings)
        var base: DownlinkBenchTimings? = nil
        if let path = baseline {
            guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read --baseline \(path)") }
            do { base = try JSONDecoder().decode(DownlinkBenchTimings.self, from: data) } catch {
                throw ValidationError("--baseline \(path) is not numpy reference timing JSON: \(error)")
            }
        }
        let report = downlinkBenchReport(measurement, settings: settings, baseline: base, baselinePath: baseline)
        if json { try printJSON(report.json) } else { for line in report.lines { print(line) } }
    }
}
