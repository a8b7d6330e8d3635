// Studies: the paper's Figs. 4–6 as pure Monte-Carlo / bound sweeps (RMSE vs power, PEB vs x, PEB vs K).
import RealModule
import Scenario

/// The four PEB curves of one point, in the order P1 coherent, P1 non-coherent, P2 coherent, P2 non-coherent (m).
public struct PEBQuad: Sendable, Hashable {
    public var p1Coherent: Double, p1NonCoherent: Double, p2Coherent: Double, p2NonCoherent: Double
    public init(p1Coherent: Double, p1NonCoherent: Double, p2Coherent: Double, p2NonCoherent: Double) {
        self.p1Coherent = p1Coherent; self.p1NonCoherent = p1NonCoherent
        self.p2Coherent = p2Coherent; self.p2NonCoherent = p2NonCoherent
    }
    /// The four PEBs of `reading` at `user` (m).
    public init(reading: DownlinkReading, network: DownlinkNetwork, user: Point2, phaseOffset: Double, powerDBm: Double) {
        func value(_ proto: DownlinkProtocol, _ processing: DownlinkProcessing) -> Double {
            reading.peb(network: network, protocol: proto, processing: processing, user: user, phaseOffset: phaseOffset, powerDBm: powerDBm)
        }
        self.init(p1Coherent: value(.p1, .coherent), p1NonCoherent: value(.p1, .nonCoherent),
                  p2Coherent: value(.p2, .coherent), p2NonCoherent: value(.p2, .nonCoherent))
    }
    /// The four PEBs of `reading` at `user` (m) from evaluators built once per network (sweeps).
    init(_ evaluators: PEBQuadEvaluators, user: Point2, phaseOffset: Double) {
        self.init(p1Coherent: evaluators.p1Coherent.positionErrorBound(at: user, phaseOffset: phaseOffset),
                  p1NonCoherent: evaluators.p1NonCoherent.positionErrorBound(at: user, phaseOffset: phaseOffset),
                  p2Coherent: evaluators.p2Coherent.positionErrorBound(at: user, phaseOffset: phaseOffset),
                  p2NonCoherent: evaluators.p2NonCoherent.positionErrorBound(at: user, phaseOffset: phaseOffset))
    }
    public var values: [Double] { [p1Coherent, p1NonCoherent, p2Coherent, p2NonCoherent] }
    public static let columnNames = ["peb_p1_coherent_m", "peb_p1_noncoherent_m", "peb_p2_coherent_m", "peb_p2_noncoherent_m"]
    /// Gaps (dB) between the four.
    public var gaps: ProtocolGaps {
        ProtocolGaps(p1Coherent: p1Coherent, p1NonCoherent: p1NonCoherent, p2Coherent: p2Coherent, p2NonCoherent: p2NonCoherent)
    }
}

/// The four PEB evaluators (P1/P2 × coherent/non-coherent) of a reading on one network at one nominal per-AP power.
struct PEBQuadEvaluators {
    let p1Coherent, p1NonCoherent, p2Coherent, p2NonCoherent: PositionErrorBoundEvaluator
    init(reading: DownlinkReading, network: DownlinkNetwork, powerDBm: Double) {
        func make(_ proto: DownlinkProtocol, _ processing: DownlinkProcessing) -> PositionErrorBoundEvaluator {
            reading.pebEvaluator(network: network, protocol: proto, processing: processing, powerDBm: powerDBm)
        }
        p1Coherent = make(.p1, .coherent); p1NonCoherent = make(.p1, .nonCoherent)
        p2Coherent = make(.p2, .coherent); p2NonCoherent = make(.p2, .nonCoherent)
    }
}

// MARK: - Fig. 4: RMSE vs per-AP power

/// Configuration of the RMSE-vs-power Monte-Carlo study (the paper's Fig. 4).
public struct RmseStudyConfiguration: Sendable {
    public var reading = DownlinkReading()
    /// True UE position u (m).
    public var user = DownlinkConstants.userPosition
    /// True phase offset δφ (rad).
    public var phaseOffset = DownlinkConstants.phaseOffset
    public var protocols: [DownlinkProtocol] = DownlinkProtocol.allCases
    /// Nominal per-AP powers (dBm).
    public var powersDBm: [Double] = stride(from: -60.0, through: 20.0, by: 10.0).map { $0 }
    /// Monte-Carlo runs per (protocol, power).
    public var runs = 200
    /// Run seed. Run r uses RandomStream(seed, step: r, noPanel, .downlinkNoise) at every power and protocol
    /// (common random numbers across the curve).
    public var seed: UInt64 = 2025
    /// A run is an outlier if its error exceeds this multiple of the coherent PEB.
    public var outlierFactor = 5.0
    /// Estimator settings (nil: the paper's).
    public var settings: HybridEstimatorSettings? = nil
    /// Estimators run on every snapshot (the same noise for each: common random numbers); one row per estimator.
    public var estimators: [DownlinkEstimatorKind] = [.hybrid]
    /// Adaptive estimator settings (nil: `AdaptiveEstimatorSettings.standard`).
    public var adaptiveSettings: AdaptiveEstimatorSettings? = nil
    public init() {}
}

/// One (protocol, power) point of the RMSE study. Lengths in m, angles in rad.
public struct RmseRow: Sendable {
    public var `protocol`: DownlinkProtocol
    /// The estimator of this row.
    public var estimator: DownlinkEstimatorKind = .hybrid
    public var powerDBm: Double
    public var runs: Int
    /// RMSE of the estimate û over all runs (m).
    public var rmse: Double
    /// RMSE over the runs that are not outliers (m); NaN if every run is one.
    public var rmseInliers: Double
    /// Runs with error > outlierFactor × coherent PEB.
    public var outliers: Int
    /// Median error of û (m).
    public var medianError: Double
    /// RMSE of the non-coherent stage û_nc (m); NaN for the coherent estimator (it has none).
    public var rmseNonCoherentStage: Double
    /// RMS of the phase-offset error, modulo π (rad).
    public var phaseRMSE: Double
    /// Coherent and non-coherent PEB at this power (m).
    public var pebCoherent: Double
    public var pebNonCoherent: Double
    /// Mean cost evaluations per estimate.
    public var meanEvaluations: Double

    public var outlierRate: Double { Double(outliers) / Double(runs) }
}

public enum RmseStudy {
    /// Runs the study; `progress(done, total)` is called after every estimate.
    public static func run(_ config: RmseStudyConfiguration,
                           progress: (Int, Int) -> Void = { _, _ in }) throws(DownlinkError) -> [RmseRow] {
        guard config.runs >= 1 else { throw .invalidParameter("runs must be at least 1") }
        guard !config.estimators.isEmpty else { throw .invalidParameter("at least one estimator is needed") }
        let network = try DownlinkNetwork(options: config.reading.network)
        let total = config.protocols.count * config.powersDBm.count * config.runs * config.estimators.count
        var done = 0
        var rows: [RmseRow] = []
        for proto in config.protocols {
            let estimators = try DownlinkEstimators(network: network, protocol: proto, hybrid: config.settings,
                                                    adaptive: config.adaptiveSettings)
            for powerDBm in config.powersDBm {
                let power = config.reading.perAPPower(proto, nominal: watts(fromDBm: powerDBm))
                let pebCoherent = config.reading.peb(network: network, protocol: proto, processing: .coherent, user: config.user,
                                                     phaseOffset: config.phaseOffset, powerDBm: powerDBm)
                let pebNonCoherent = config.reading.peb(network: network, protocol: proto, processing: .nonCoherent, user: config.user,
                                                        phaseOffset: config.phaseOffset, powerDBm: powerDBm)
                let clean = DownlinkSignalModel.noiseFreeObservation(network: network, protocol: proto, user: config.user,
                                                                     phaseOffset: config.phaseOffset, perAPPower: power)
                let count = config.estimators.count
                var errors = [[Double]](repeating: [], count: count), stageErrors = errors, phaseErrors = errors
                var evaluations = [Int](repeating: 0, count: count)
                for run in 0..<config.runs {
                    var y = clean
                    var stream = RandomStreamFactory.noise(seed: config.seed, run: run)
                    DownlinkSignalModel.addNoise(to: &y, network: network, protocol: proto, noiseVariance: config.reading.noiseVariance,
                                                 stream: &stream)
                    for (e, kind) in config.estimators.enumerated() {
                        let estimate = try estimators.estimate(kind, samples: y)
                        errors[e].append(estimate.position.distance(to: config.user))
                        stageErrors[e].append(estimate.nonCoherentStage.map { $0.distance(to: config.user) } ?? .nan)
                        phaseErrors[e].append(estimate.phaseOffset.map { phaseErrorModuloPi($0, config.phaseOffset) } ?? .nan)
                        evaluations[e] += estimate.costEvaluations
                        done += 1
                        progress(done, total)
                    }
                }
                let threshold = config.outlierFactor * pebCoherent
                for (e, kind) in config.estimators.enumerated() {
                    let inliers = errors[e].filter { $0 <= threshold }
                    rows.append(RmseRow(
                        protocol: proto, estimator: kind, powerDBm: powerDBm, runs: config.runs, rmse: rms(errors[e]),
                        rmseInliers: inliers.isEmpty ? .nan : rms(inliers), outliers: errors[e].count - inliers.count,
                        medianError: median(errors[e]), rmseNonCoherentStage: rms(stageErrors[e]), phaseRMSE: rms(phaseErrors[e]),
                        pebCoherent: pebCoherent, pebNonCoherent: pebNonCoherent,
                        meanEvaluations: Double(evaluations[e]) / Double(config.runs)))
                }
            }
        }
        return rows
    }
}

// MARK: - Fig. 5: PEB vs x

/// Configuration of the PEB-vs-x sweep (the paper's Fig. 5).
public struct PebVersusXConfiguration: Sendable {
    public var reading = DownlinkReading()
    /// x positions (m).
    public var xs: [Double] = stride(from: -10.0, through: 10.0, by: 0.02).map { ($0 * 100).rounded() / 100 }
    /// Fixed y (m).
    public var y = 1.0
    public var phaseOffset = DownlinkConstants.phaseOffset
    /// Nominal per-AP power (dBm).
    public var powerDBm = 0.0
    public init() {}
}

public struct PebVersusXRow: Sendable {
    /// x (m).
    public var x: Double
    public var peb: PEBQuad
}

public enum PebVersusXStudy {
    public static func run(_ config: PebVersusXConfiguration,
                           progress: (Int, Int) -> Void = { _, _ in }) throws(DownlinkError) -> [PebVersusXRow] {
        let network = try DownlinkNetwork(options: config.reading.network)
        let evaluators = PEBQuadEvaluators(reading: config.reading, network: network, powerDBm: config.powerDBm)
        var rows: [PebVersusXRow] = []
        for (index, x) in config.xs.enumerated() {
            rows.append(PebVersusXRow(x: x, peb: PEBQuad(evaluators, user: Point2(x, config.y), phaseOffset: config.phaseOffset)))
            progress(index + 1, config.xs.count)
        }
        return rows
    }
}

// MARK: - Fig. 6: average PEB vs K

/// Configuration of the PEB-vs-K sweep (the paper's Fig. 6).
public struct PebVersusKConfiguration: Sendable {
    public var reading = DownlinkReading()
    /// Numbers of illumination points (perfect squares).
    public var ks: [Int] = [4, 9, 16, 25, 36, 49, 64, 81, 100]
    public var phaseOffset = DownlinkConstants.phaseOffset
    /// Nominal per-AP power (dBm) at the reference K.
    public var powerDBm = 0.0
    /// Reference K of the fixed-energy rule: per-AP power P·referenceK/K.
    public var referenceK = 36
    /// Points per axis of the cell-centred averaging grid over the illumination region.
    public var gridPointsPerAxis = 20
    public init() {}
}

public struct PebVersusKRow: Sendable {
    public var k: Int
    /// Mean PEB over the region at fixed per-AP power (m); +∞ if any point is singular.
    public var fixedPower: PEBQuad
    /// Mean PEB at fixed network energy (per-AP power P·referenceK/K) = fixedPower × √(K/referenceK) (m).
    public var fixedEnergy: PEBQuad
}

public enum PebVersusKStudy {
    public static func run(_ config: PebVersusKConfiguration,
                           progress: (Int, Int) -> Void = { _, _ in }) throws(DownlinkError) -> [PebVersusKRow] {
        var rows: [PebVersusKRow] = []
        for (index, k) in config.ks.enumerated() {
            var options = config.reading.network
            options.illuminationPoints = k
            let network = try DownlinkNetwork(options: options)
            let points = regionAverageGrid(network: network, pointsPerAxis: config.gridPointsPerAxis)
            let evaluators = PEBQuadEvaluators(reading: config.reading, network: network, powerDBm: config.powerDBm)
            var sums = [Double](repeating: 0, count: 4)
            for point in points {
                let quad = PEBQuad(evaluators, user: point, phaseOffset: config.phaseOffset)
                for (i, v) in quad.values.enumerated() { sums[i] += v }
            }
            let means = sums.map { $0 / Double(points.count) }
            let fixedPower = PEBQuad(p1Coherent: means[0], p1NonCoherent: means[1], p2Coherent: means[2], p2NonCoherent: means[3])
            // PEB ∝ P^{−1/2}: per-AP power P·K_ref/K multiplies every PEB by √(K/K_ref).
            let factor = (Double(k) / Double(config.referenceK)).squareRoot()
            let fixedEnergy = PEBQuad(p1Coherent: means[0] * factor, p1NonCoherent: means[1] * factor,
                                      p2Coherent: means[2] * factor, p2NonCoherent: means[3] * factor)
            rows.append(PebVersusKRow(k: k, fixedPower: fixedPower, fixedEnergy: fixedEnergy))
            progress(index + 1, config.ks.count)
        }
        return rows
    }
}

// MARK: - helpers

/// The noise stream of Monte-Carlo run r: RandomStream(seed, step: r, panel: noPanel, purpose: .downlinkNoise).
public enum RandomStreamFactory {
    public static func noise(seed: UInt64, run: Int) -> RandomStream {
        RandomStream(seed: seed, step: run, panel: noPanel, purpose: .downlinkNoise)
    }
}

/// Root mean square.
public func rms(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    return (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
}

/// Median (mean of the middle two for even counts).
public func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
