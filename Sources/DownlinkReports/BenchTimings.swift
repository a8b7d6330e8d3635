// BenchTimings: `dmimo-downlink bench` measured — time per hybrid estimate, coarse-grid pass, PEB point, network build.
import Downlink
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock (monotonic) or process CPU-time (user + system, all threads; the bench is single-threaded) stopwatch (s).
public struct Stopwatch: Sendable {
    public let cpu: Bool
    public init(cpu: Bool) { self.cpu = cpu }
    public func now() -> Double {
        var spec = timespec()
        clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }
    /// "process CPU time" or "wall clock".
    public var name: String { cpu ? "process CPU time" : "wall clock" }
}

/// What the bench times and how often (the options of `dmimo-downlink bench`).
public struct DownlinkBenchSettings: Sendable {
    /// Every section the bench can time.
    public static let allSections: Set<String> = ["hybrid", "coarse", "peb", "estimators"]

    /// Noisy snapshots estimated per protocol (each timed separately; the median is reported).
    public var estimates = 21
    /// Timed batches per coarse-grid pass and per PEB point (the median batch is reported).
    public var repeats = 21
    /// PEB evaluations per timed batch.
    public var pebBatch = 20
    /// Run seed of the noise.
    public var seed: UInt64 = 2025
    /// Speed-up target over numpy (ratio numpy time / Swift time) each headline row is checked against.
    public var target = 50.0
    /// Process CPU time instead of wall-clock time.
    public var cpuTime = false
    /// Illumination points K of the network.
    public var illuminationPoints = DownlinkConstants.illuminationPoints
    /// The sections to time (rows of the others are left out).
    public var sections = DownlinkBenchSettings.allSections
    /// Per-AP powers (dBm) of the estimators section.
    public var estimatorPowersDBm: [Double] = [0, -40, -50]

    public init() {}
}

/// The bench's timings (s), also the format of the numpy reference's JSON (scripts/downlink_numpy_reference.py).
public struct DownlinkBenchTimings: Codable, Sendable {
    /// Hybrid estimate (s) with the cost model reused across snapshots.
    public var estimate_s: [String: Double]
    /// Hybrid estimate (s) by the one-shot call that also builds the cost model (the headline).
    public var estimate_with_model_build_s: [String: Double]? = nil
    public var coarse_pass_s: [String: Double]
    /// PEB per point with a `PositionErrorBoundEvaluator` reused across points (the sweep path).
    public var peb_s: [String: Double]
    /// PEB per point by the one-shot `DownlinkFisher.positionErrorBound(setup)` (the headline).
    public var peb_one_shot_s: [String: Double]? = nil
    /// P2 only: PEB per point by a reused evaluator with direct sums over the pulses (the one-shot method without
    /// building the evaluator).
    public var peb_direct_reused_s: [String: Double]? = nil
    public var clock: String? = nil
    /// Swift only: building the default `DownlinkNetwork` (s), outside every other timing.
    public var network_build_s: Double? = nil
    /// numpy only: OPENBLAS_NUM_THREADS (or OMP_NUM_THREADS) of the reference run, "default" if unset.
    public var blas_threads: String? = nil
}

/// Everything one bench run measured.
public struct DownlinkBenchMeasurement: Sendable {
    public var timings: DownlinkBenchTimings
    public var comparison: [EstimatorComparison]
    /// Building the network (s), outside every other timing.
    public var networkBuild: Double
}

/// Times every selected section of `settings` (medians over repeated runs, one thread).
public func measureDownlinkBench(_ settings: DownlinkBenchSettings) throws -> DownlinkBenchMeasurement {
    var networkOptions = DownlinkNetworkOptions()
    networkOptions.illuminationPoints = settings.illuminationPoints
    let network = try DownlinkNetwork(options: networkOptions)
    let user = DownlinkConstants.userPosition, phase = DownlinkConstants.phaseOffset
    let power = watts(fromDBm: 0)
    let estimates = settings.estimates, repeats = settings.repeats, pebBatch = settings.pebBatch
    var estimateTimes: [String: Double] = [:], oneShotTimes: [String: Double] = [:]
    var coarseTimes: [String: Double] = [:], pebTimes: [String: Double] = [:], pebOneShotTimes: [String: Double] = [:]
    var pebDirectTimes: [String: Double] = [:]
    var sink = 0.0   // keeps results alive
    let clock = Stopwatch(cpu: settings.cpuTime)

    let sections = settings.sections
    for proto in DownlinkProtocol.allCases {
        let estimator = try HybridEstimator(network: network, protocol: proto)
        let snapshots = (0..<estimates).map {
            DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: user, phaseOffset: phase, perAPPower: power,
                                              noiseVariance: DownlinkConstants.noiseVariance, seed: settings.seed, runIndex: $0)
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
        ? try compareEstimators(network: network, powersDBm: settings.estimatorPowersDBm, estimates: estimates,
                                seed: settings.seed, user: user, phaseOffset: phase, clock: clock)
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
    keepAlive(sink)

    let timings = DownlinkBenchTimings(estimate_s: estimateTimes, estimate_with_model_build_s: oneShotTimes, coarse_pass_s: coarseTimes,
                                       peb_s: pebTimes, peb_one_shot_s: pebOneShotTimes, peb_direct_reused_s: pebDirectTimes,
                                       clock: clock.name, network_build_s: networkBuild)
    return DownlinkBenchMeasurement(timings: timings, comparison: comparison, networkBuild: networkBuild)
}

/// Keeps a timed computation's result alive so that the optimiser cannot drop the computation.
@inline(never)
func keepAlive(_ value: Double) {
    if value == 42.4242 { print("") }   // never true
}
