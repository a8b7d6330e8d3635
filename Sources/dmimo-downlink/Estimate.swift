// Estimate: the `estimate` subcommand — one noisy snapshot through one estimator (adaptive by default).
import ArgumentParser
import ChainLog
import Downlink

struct Estimate: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate of position and phase offset from one noisy snapshot (adaptive estimator by default).",
        discussion: """
            Estimators (--estimator): adaptive (default): the non-coherent stages, then a coherent search of the \
            confidence ellipse of the non-coherent estimate (its covariance from the curvature of the non-coherent cost \
            and the residual noise) on a λ/8 lattice, bounded to 24,000 coherent costs; hybrid: the paper's estimator \
            (docs/MODEL.md §DL.5, a fixed ±0.1 m coherent search); noncoherent: the non-coherent stages only (no phase \
            offset); coherent: the coherent cost alone from the coarse grid (lands in a wrong carrier-phase lobe \
            unless the grid falls in the right one).
            """)

    @OptionGroup var logging: LogOptions

    @Option(help: "Estimator: \(DownlinkEstimatorKind.allowedNames).", transform: { text in
        guard let kind = DownlinkEstimatorKind(name: text) else {
            throw ValidationError("--estimator: unknown estimator '\(text)'; allowed: \(DownlinkEstimatorKind.allowedNames)")
        }
        return kind
    })
    var estimator: DownlinkEstimatorKind = .adaptive

    @Option(help: "Transmission protocol: P1 or P2 (P2 needs K >= M = 20).")
    var `protocol`: DownlinkProtocol = .p1

    @OptionGroup var user: UserOptions

    @Option(parsing: .unconditional, help: "Per-AP transmit power (dBm); P2 uses it times --p2-power-scale.")
    var powerDbm: Double = DownlinkConstants.powerDBm

    @Option(help: "Run seed of the noise (unsigned 64-bit integer).")
    var seed: UInt64 = 2025

    @Option(name: .customLong("run"), help: "Monte-Carlo index of this snapshot: the step of the noise stream (seed, run, noPanel, downlinkNoise).")
    var runIndex: Int = 0

    @OptionGroup var options: ReadingOptions

    @Flag(help: "Print JSON (position_m, phase_offset_rad, error_m, ...) instead of text.")
    var json = false

    func validate() throws {
        try validatePower(powerDbm)
        guard runIndex >= 0 else { throw ValidationError("--run must be >= 0; got \(runIndex)") }
    }

    struct Output: Encodable {
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

    func run() throws {
        let reading = options.reading
        let network = try DownlinkNetwork(options: reading.network)
        let perAPPower = reading.perAPPower(self.protocol, nominal: watts(fromDBm: powerDbm))
        let samples = DownlinkSignalModel.noisySnapshot(network: network, protocol: self.protocol, user: user.ue,
                                                        phaseOffset: user.phaseOffset, perAPPower: perAPPower,
                                                        noiseVariance: reading.noiseVariance, seed: seed, runIndex: runIndex)
        let start = ContinuousClock.now
        // every estimator's result in one shape; the hybrid and the adaptive also report their stages
        var position: Point2, phase: Double?, cost: Double, evaluations: Int
        var coarse: Point2?, nonCoherent: Point2?, fine: Point2?
        var adaptive: AdaptiveEstimate? = nil
        switch estimator {
        case .hybrid:
            let e = try estimateDownlink(samples: samples, network: network, protocol: self.protocol)
            position = e.position; phase = e.phaseOffset; cost = e.normalisedCost; evaluations = e.costEvaluations
            coarse = e.coarse.minimiser; nonCoherent = e.nonCoherent.minimiser; fine = e.fine.minimiser
        case .adaptive:
            let e = try AdaptiveEstimator(network: network, protocol: self.protocol).estimate(samples: samples)
            position = e.position; phase = e.phaseOffset; cost = e.normalisedCost; evaluations = e.costEvaluations
            coarse = e.coarse.minimiser; nonCoherent = e.nonCoherent.minimiser; fine = e.latticeMinimiser
            adaptive = e
        case .coherent, .nonCoherent:
            let e = try DownlinkEstimators(network: network, protocol: self.protocol).estimate(estimator, samples: samples)
            position = e.position; phase = e.phaseOffset; cost = e.normalisedCost; evaluations = e.costEvaluations
            nonCoherent = e.nonCoherentStage
        }
        let elapsed = seconds(ContinuousClock.now - start)
        let error = position.distance(to: user.ue)
        let phaseError = phase.map { phaseErrorModuloPi($0, user.phaseOffset) } ?? .nan
        let pebCoherent = reading.peb(network: network, protocol: self.protocol, processing: .coherent, user: user.ue,
                                      phaseOffset: user.phaseOffset, powerDBm: powerDbm)
        let pebNonCoherent = reading.peb(network: network, protocol: self.protocol, processing: .nonCoherent, user: user.ue,
                                         phaseOffset: user.phaseOffset, powerDBm: powerDbm)
        // the truth's Mahalanobis distance from û_nc under the adaptive estimator's Σ̂
        var mahalanobis: Double? = nil
        if let a = adaptive, a.uncertainty.valid {
            let u = a.uncertainty, dx = user.ue.x - a.nonCoherent.minimiser.x, dy = user.ue.y - a.nonCoherent.minimiser.y
            let det = u.covarianceXX * u.covarianceYY - u.covarianceXY * u.covarianceXY
            mahalanobis = ((dx * dx * u.covarianceYY - 2 * dx * dy * u.covarianceXY + dy * dy * u.covarianceXX) / det).squareRoot()
        }
        var truthBasin: Double? = nil
        if estimator.processing == .coherent {
            let evaluator = try DownlinkCostEvaluator(network: network, protocol: self.protocol, samples: samples)
            let settings = HybridEstimatorSettings.paper(wavelength: network.wavelength).coherentRefinement
            truthBasin = HybridEstimator.localDescent(evaluator: evaluator, processing: .coherent, from: user.ue, settings: settings).minimum
        }
        func pair(_ p: Point2) -> [Double] { [p.x, p.y] }
        if json {
            try printJSON(Output(
                estimator: estimator.rawValue, protocol_: self.protocol.rawValue, truth_m: pair(user.ue), truth_phase_offset_rad: user.phaseOffset,
                position_m: pair(position), phase_offset_rad: phase ?? .nan, error_m: error,
                phase_error_rad: phaseError, coarse_m: coarse.map(pair), noncoherent_m: nonCoherent.map(pair),
                fine_grid_m: fine.map(pair), noncoherent_error_m: nonCoherent?.distance(to: user.ue),
                normalised_cost: cost, cost_evaluations: evaluations, peb_coherent_m: pebCoherent,
                peb_noncoherent_m: pebNonCoherent, power_dbm: powerDbm, seed: seed, run: runIndex, elapsed_s: elapsed,
                reading: reading.summary, noncoherent_sd_m: adaptive?.uncertainty.standardDeviation,
                searched_confidence: adaptive?.searchedConfidence, truth_mahalanobis: mahalanobis,
                lattice_evaluations: adaptive?.latticeEvaluations, tiles_pruned: adaptive?.tilesPruned, tiles_unvisited_budget: adaptive?.tilesUnvisited,
                truth_basin_normalised_cost: truthBasin))
        } else {
            func show(_ p: Point2) -> String { "(\(p.x), \(p.y)) m" }
            print("\(estimator) estimator, protocol \(self.protocol), \(formatted(powerDbm)) dBm per AP, K = \(network.illuminationCount), seed \(seed), run \(runIndex)")
            print("truth:     u = \(show(user.ue)), phase offset \(formatted(user.phaseOffsetDeg)) deg")
            print("estimate:  u = \(show(position)), phase offset " + (phase.map { "\($0 * 180 / Double.pi) deg" } ?? "none (non-coherent)"))
            print("error:     \(error) m (coherent PEB \(pebCoherent) m, non-coherent PEB \(pebNonCoherent) m); phase error "
                  + (phase == nil ? "n/a" : "\(phaseError * 180 / Double.pi) deg (modulo 180)"))
            if let nonCoherent {
                var line = "stages:    "
                if let coarse { line += "coarse \(show(coarse)) -> " }
                line += "non-coherent \(show(nonCoherent)) (error \(nonCoherent.distance(to: user.ue)) m)"
                if let a = adaptive {
                    line += " -> sd \(fmt(a.uncertainty.standardDeviation)) m, searched \(fmt(a.searchedConfidence)) sd"
                        + (mahalanobis.map { " (truth at \(fmt($0)) sd)" } ?? "") + ", \(a.latticeEvaluations) lattice costs, "
                        + "\(a.tilesPruned) tiles pruned, \(a.tilesUnvisited) left by the budget -> lattice \(show(a.latticeMinimiser)) -> refined"
                } else if let fine { line += " -> fine grid \(show(fine)) -> refined" }
                print(line)
            }
            print("cost:      \(evaluations) evaluations, \(String(format: "%.1f", elapsed * 1e3)) ms; normalised cost \(cost)"
                  + (truthBasin.map { " (the truth's coherent basin: \($0))" } ?? ""))
            print("reading: \(reading.summary)")
        }
    }
}
