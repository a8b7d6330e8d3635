// EstimateReport: `dmimo-downlink estimate` — one noisy snapshot through one estimator, its JSON and its text report.
import Downlink
import Foundation

/// One snapshot to estimate: the reading, protocol, estimator, true UE state and the noise's seed and run.
public struct EstimateRequest: Sendable {
    public var reading = DownlinkReading()
    public var `protocol` = DownlinkProtocol.p1
    public var estimator = DownlinkEstimatorKind.adaptive
    /// True UE position (m).
    public var user = DownlinkConstants.userPosition
    /// True phase offset (degrees).
    public var phaseOffsetDeg = 10.0
    /// Per-AP transmit power (dBm).
    public var powerDBm = DownlinkConstants.powerDBm
    /// Run seed of the noise, and the Monte-Carlo index of this snapshot (the noise stream's step).
    public var seed: UInt64 = 2025
    public var runIndex = 0
    /// True phase offset (rad).
    public var phaseOffset: Double { phaseOffsetDeg * Double.pi / 180 }
    public init() {}
}

struct EstimateJSON: Encodable {
    var estimator: String
    var protocol_: String
    var truth_m: [Double]
    var truth_phase_offset_rad: Double
    var position_m: [Double]
    var phase_offset_rad: Double
    var error_m: Double
    var phase_error_rad: Double
    var coarse_m: [Double]?
    var noncoherent_m: [Double]?
    var fine_grid_m: [Double]?
    var noncoherent_error_m: Double?
    var normalised_cost: Double
    var cost_evaluations: Int
    var peb_coherent_m: Double
    var peb_noncoherent_m: Double
    var power_dbm: Double
    var seed: UInt64
    var run: Int
    var elapsed_s: Double
    var reading: String
    /// Adaptive only: the non-coherent stage's √trace Σ̂ (m), the Mahalanobis radius of the searched region, the
    /// truth's Mahalanobis distance from û_nc under Σ̂, the coherent lattice costs, the tiles pruned by the bound and
    /// those left unvisited by the budget. fine_grid_m is the best lattice point for the adaptive estimator.
    var noncoherent_sd_m: Double? = nil
    var searched_confidence: Double? = nil
    var truth_mahalanobis: Double? = nil
    var lattice_evaluations: Int? = nil
    var tiles_pruned: Int? = nil
    var tiles_unvisited_budget: Int? = nil
    /// Coherent estimators: the normalised coherent cost of the truth's own basin (Nelder–Mead from the truth). Below
    /// normalised_cost: the search missed the truth's basin; above: the estimate is the better fit (an ML outlier
    /// that no search can avoid).
    var truth_basin_normalised_cost: Double? = nil
    enum CodingKeys: String, CodingKey {
        case estimator, protocol_ = "protocol", truth_m, truth_phase_offset_rad, position_m, phase_offset_rad, error_m, phase_error_rad,
             coarse_m, noncoherent_m, fine_grid_m, noncoherent_error_m, normalised_cost, cost_evaluations, peb_coherent_m,
             peb_noncoherent_m, power_dbm, seed, run, elapsed_s, reading, noncoherent_sd_m, searched_confidence,
             truth_mahalanobis, lattice_evaluations, tiles_pruned, tiles_unvisited_budget, truth_basin_normalised_cost
    }
}

/// Synthesizes the snapshot of `request`, estimates it (timed), and returns the JSON (`--json`) and the text report.
public func estimateReport(_ request: EstimateRequest) throws -> (json: any Encodable, lines: [String]) {
    let reading = request.reading
    let network = try DownlinkNetwork(options: reading.network)
    let perAPPower = reading.perAPPower(request.protocol, nominal: watts(fromDBm: request.powerDBm))
    let samples = DownlinkSignalModel.noisySnapshot(network: network, protocol: request.protocol, user: request.user,
                                                    phaseOffset: request.phaseOffset, perAPPower: perAPPower,
                                                    noiseVariance: reading.noiseVariance, seed: request.seed, runIndex: request.runIndex)
    let start = ContinuousClock.now
    // every estimator's result in one shape; the hybrid and the adaptive also report their stages
    var position: Point2, phase: Double?, cost: Double, evaluations: Int
    var coarse: Point2?, nonCoherent: Point2?, fine: Point2?
    var adaptive: AdaptiveEstimate? = nil
    switch request.estimator {
    case .hybrid:
        let e = try estimateDownlink(samples: samples, network: network, protocol: request.protocol)
        position = e.position; phase = e.phaseOffset; cost = e.normalisedCost; evaluations = e.costEvaluations
        coarse = e.coarse.minimiser; nonCoherent = e.nonCoherent.minimiser; fine = e.fine.minimiser
    case .adaptive:
        let e = try AdaptiveEstimator(network: network, protocol: request.protocol).estimate(samples: samples)
        position = e.position; phase = e.phaseOffset; cost = e.normalisedCost; evaluations = e.costEvaluations
        coarse = e.coarse.minimiser; nonCoherent = e.nonCoherent.minimiser; fine = e.latticeMinimiser
        adaptive = e
    case .coherent, .nonCoherent:
        let e = try DownlinkEstimators(network: network, protocol: request.protocol).estimate(request.estimator, samples: samples)
        position = e.position; phase = e.phaseOffset; cost = e.normalisedCost; evaluations = e.costEvaluations
        nonCoherent = e.nonCoherentStage
    }
    let elapsed = seconds(ContinuousClock.now - start)
    let error = position.distance(to: request.user)
    let phaseError = phase.map { phaseErrorModuloPi($0, request.phaseOffset) } ?? .nan
    let pebCoherent = reading.peb(network: network, protocol: request.protocol, processing: .coherent, user: request.user,
                                  phaseOffset: request.phaseOffset, powerDBm: request.powerDBm)
    let pebNonCoherent = reading.peb(network: network, protocol: request.protocol, processing: .nonCoherent, user: request.user,
                                     phaseOffset: request.phaseOffset, powerDBm: request.powerDBm)
    // the truth's Mahalanobis distance from û_nc under the adaptive estimator's Σ̂
    var mahalanobis: Double? = nil
    if let a = adaptive, a.uncertainty.valid {
        let u = a.uncertainty, dx = request.user.x - a.nonCoherent.minimiser.x, dy = request.user.y - a.nonCoherent.minimiser.y
        let det = u.covarianceXX * u.covarianceYY - u.covarianceXY * u.covarianceXY
        mahalanobis = ((dx * dx * u.covarianceYY - 2 * dx * dy * u.covarianceXY + dy * dy * u.covarianceXX) / det).squareRoot()
    }
    var truthBasin: Double? = nil
    if request.estimator.processing == .coherent {
        let evaluator = try DownlinkCostEvaluator(network: network, protocol: request.protocol, samples: samples)
        let settings = HybridEstimatorSettings.paper(wavelength: network.wavelength).coherentRefinement
        truthBasin = HybridEstimator.localDescent(evaluator: evaluator, processing: .coherent, from: request.user, settings: settings).minimum
    }
    func pair(_ p: Point2) -> [Double] { [p.x, p.y] }
    let json = EstimateJSON(
        estimator: request.estimator.rawValue, protocol_: request.protocol.rawValue, truth_m: pair(request.user), truth_phase_offset_rad: request.phaseOffset,
        position_m: pair(position), phase_offset_rad: phase ?? .nan, error_m: error,
        phase_error_rad: phaseError, coarse_m: coarse.map(pair), noncoherent_m: nonCoherent.map(pair),
        fine_grid_m: fine.map(pair), noncoherent_error_m: nonCoherent?.distance(to: request.user),
        normalised_cost: cost, cost_evaluations: evaluations, peb_coherent_m: pebCoherent,
        peb_noncoherent_m: pebNonCoherent, power_dbm: request.powerDBm, seed: request.seed, run: request.runIndex, elapsed_s: elapsed,
        reading: reading.summary, noncoherent_sd_m: adaptive?.uncertainty.standardDeviation,
        searched_confidence: adaptive?.searchedConfidence, truth_mahalanobis: mahalanobis,
        lattice_evaluations: adaptive?.latticeEvaluations, tiles_pruned: adaptive?.tilesPruned, tiles_unvisited_budget: adaptive?.tilesUnvisited,
        truth_basin_normalised_cost: truthBasin)
    var lines: [String] = []
    func show(_ p: Point2) -> String { "(\(p.x), \(p.y)) m" }
    lines.append("\(request.estimator) estimator, protocol \(request.protocol), \(formatted(request.powerDBm)) dBm per AP, K = \(network.illuminationCount), seed \(request.seed), run \(request.runIndex)")
    lines.append("truth:     u = \(show(request.user)), phase offset \(formatted(request.phaseOffsetDeg)) deg")
    lines.append("estimate:  u = \(show(position)), phase offset " + (phase.map { "\($0 * 180 / Double.pi) deg" } ?? "none (non-coherent)"))
    lines.append("error:     \(error) m (coherent PEB \(pebCoherent) m, non-coherent PEB \(pebNonCoherent) m); phase error "
          + (phase == nil ? "n/a" : "\(phaseError * 180 / Double.pi) deg (modulo 180)"))
    if let nonCoherent {
        var line = "stages:    "
        if let coarse { line += "coarse \(show(coarse)) -> " }
        line += "non-coherent \(show(nonCoherent)) (error \(nonCoherent.distance(to: request.user)) m)"
        if let a = adaptive {
            line += " -> sd \(fmt(a.uncertainty.standardDeviation)) m, searched \(fmt(a.searchedConfidence)) sd"
                + (mahalanobis.map { " (truth at \(fmt($0)) sd)" } ?? "") + ", \(a.latticeEvaluations) lattice costs, "
                + "\(a.tilesPruned) tiles pruned, \(a.tilesUnvisited) left by the budget -> lattice \(show(a.latticeMinimiser)) -> refined"
        } else if let fine { line += " -> fine grid \(show(fine)) -> refined" }
        lines.append(line)
    }
    lines.append("cost:      \(evaluations) evaluations, \(String(format: "%.1f", elapsed * 1e3)) ms; normalised cost \(cost)"
          + (truthBasin.map { " (the truth's coherent basin: \($0))" } ?? ""))
    lines.append("reading: \(reading.summary)")
    return (json, lines)
}
