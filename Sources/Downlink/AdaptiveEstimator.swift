// AdaptiveEstimator: the hybrid's non-coherent stages, then a coherent search of the region that stage cannot exclude.
import ComplexModule
import RealModule

/// Settings of the adaptive estimator. Lengths in m.
///
/// Stages 1–2 are the hybrid's (non-coherent coarse grid, non-coherent Nelder–Mead → û_nc). Stage 3 measures the
/// non-coherent stage's own uncertainty: the covariance Σ = σ̂² H⁻¹ of û_nc from the Hessian H of the
/// non-coherent cost at û_nc (W/m², central differences) and the noise variance σ̂² estimated from that cost's
/// residual (W per complex sample). Stage 4 searches the coherent cost on a square lattice of step `latticeStep`
/// over the confidence ellipse (u − û_nc)ᵀ Σ⁻¹ (u − û_nc) ≤ κ², κ = `confidence`, in tiles of `tileSize` ×
/// `tileSize` lattice points visited best-first by a non-coherent lower bound (the coherent model is a special case
/// of the non-coherent one, so C_coh(u) ≥ C_nc(u) at every u): a tile whose bound exceeds the best coherent cost
/// found so far is skipped, and at most `maximumLatticePoints` coherent costs are evaluated. Stage 5 refines the
/// `candidates` best, mutually distinct lattice points by Nelder–Mead on the coherent cost and keeps the lowest.
public struct AdaptiveEstimatorSettings: Sendable, Hashable {
    /// Stage 1: non-coherent grid around the illumination region's centre (the hybrid's).
    public var coarseGrid: SearchGrid
    /// Stage 2: Nelder–Mead on the non-coherent cost (the hybrid's).
    public var nonCoherentDescent: NelderMeadSettings
    /// Stage 3: central-difference step of the non-coherent cost's Hessian (m).
    public var curvatureStep: Double
    /// Confidence factor κ (Mahalanobis radius, dimensionless): the search covers the ellipse of κ standard
    /// deviations of û_nc. For a Gaussian û_nc the truth lies outside with probability exp(−κ²/2).
    public var confidence: Double
    /// Step of the coherent lattice (m); the carrier-phase lobes are ≈ λ/2 wide.
    public var latticeStep: Double
    /// The lattice always covers at least the disc of this radius around û_nc (m).
    public var minimumRadius: Double
    /// Work bound: at most this many coherent lattice costs per estimate.
    public var maximumLatticePoints: Int
    /// Lattice points per tile side: the non-coherent lower bound is evaluated at the tile corners.
    public var tileSize: Int
    /// Stage 5: number of distinct lattice minima refined (points closer than `candidateSeparation` count as one).
    public var candidates: Int
    /// Minimum distance between two refined candidates (m).
    public var candidateSeparation: Double
    /// Stage 5: Nelder–Mead on the coherent cost from each candidate.
    public var coherentRefinement: NelderMeadSettings
    /// Stage 4, experimental (default 0): after each of the first this many tiles whose best lattice point changed,
    /// refine that point by Nelder–Mead, so that the pruning level is an achieved coherent minimum rather than a
    /// lattice sample. Measured (20 snapshots, u = (−2.3, 1.8) m): with 3 the bound prunes (P1 −40 dBm: 30 tiles per
    /// snapshot, lattice 6,432 → 6,055 costs) but the refinements cost more than they save (12,014 → 12,729
    /// evaluations; P2 −40 dBm 26,814 → 27,574), so the default stays 0.
    public var earlyRefinements = 0

    public init(coarseGrid: SearchGrid, nonCoherentDescent: NelderMeadSettings, curvatureStep: Double, confidence: Double,
                latticeStep: Double, minimumRadius: Double, maximumLatticePoints: Int, tileSize: Int, candidates: Int,
                candidateSeparation: Double, coherentRefinement: NelderMeadSettings) {
        self.coarseGrid = coarseGrid; self.nonCoherentDescent = nonCoherentDescent; self.curvatureStep = curvatureStep
        self.confidence = confidence; self.latticeStep = latticeStep; self.minimumRadius = minimumRadius
        self.maximumLatticePoints = maximumLatticePoints; self.tileSize = tileSize; self.candidates = candidates
        self.candidateSeparation = candidateSeparation; self.coherentRefinement = coherentRefinement
    }

    /// The default settings for carrier wavelength λ (m): κ = 5, lattice step λ/8, at least a λ-radius disc,
    /// 24,000 lattice points at most, 4 × 4 tiles, 12 candidates λ/4 apart. (P2 has carrier-phase sidelobes within
    /// ~10 % of the main lobe's cost, so a λ/8 lattice can rank a sidelobe's sample above the main lobe's: with 4
    /// candidates 3 of 200 snapshots at −40 dBm, u = (−2.3, 1.8) m, refined a sidelobe; 8 refined the main lobe in all
    /// three; 12 leaves a margin, for ~1,500–3,000 more cost evaluations per estimate than 4 (measured at ≥ −30 dBm).)
    public static func standard(wavelength: Double = DownlinkConstants.wavelength) -> AdaptiveEstimatorSettings {
        let hybrid = HybridEstimatorSettings.paper(wavelength: wavelength)
        return AdaptiveEstimatorSettings(
            coarseGrid: hybrid.coarseGrid, nonCoherentDescent: hybrid.nonCoherentDescent, curvatureStep: 0.01,
            confidence: 5, latticeStep: wavelength / 8, minimumRadius: wavelength, maximumLatticePoints: 24_000,
            tileSize: 4, candidates: 12, candidateSeparation: wavelength / 4,
            coherentRefinement: NelderMeadSettings(initialStep: wavelength / 16, positionTolerance: 1e-8, costTolerance: 1e-15))
    }

    /// Throws unless every setting is usable.
    public func validate() throws(DownlinkError) {
        guard curvatureStep > 0, curvatureStep.isFinite else { throw .invalidParameter("curvature step must be positive (m)") }
        guard confidence > 0, confidence.isFinite else { throw .invalidParameter("confidence factor must be positive; got \(confidence)") }
        guard latticeStep > 0, latticeStep.isFinite else { throw .invalidParameter("lattice step must be positive (m)") }
        guard minimumRadius >= 0, minimumRadius.isFinite else { throw .invalidParameter("minimum radius must be >= 0 (m)") }
        guard maximumLatticePoints >= 1 else { throw .invalidParameter("maximum lattice points must be at least 1") }
        guard tileSize >= 1, tileSize <= 64 else { throw .invalidParameter("tile size must be in 1...64 lattice points") }
        guard candidates >= 1 else { throw .invalidParameter("candidates must be at least 1") }
    }
}

/// Uncertainty of the non-coherent stage: the covariance Σ = σ̂² H⁻¹ of û_nc.
public struct NonCoherentUncertainty: Sendable {
    /// Σ entries (m²): xx, xy, yy.
    public var covarianceXX: Double, covarianceXY: Double, covarianceYY: Double
    /// Noise variance σ̂² estimated from the residual (W per complex sample).
    public var noiseVariance: Double
    /// Largest Hessian eigenvalue of the raw non-coherent cost at û_nc (W/m²).
    public var largestCurvature: Double
    /// False if H was not positive definite (a flat or saddle-shaped cost): the region is then the budget's disc.
    public var valid: Bool
    /// √(trace Σ) (m): comparable with the non-coherent PEB.
    public var standardDeviation: Double { (covarianceXX + covarianceYY).squareRoot() }
}

/// Result of the adaptive estimator, with every stage's output.
public struct AdaptiveEstimate: Sendable {
    /// Final position estimate û (m).
    public var position: Point2
    /// Phase-offset estimate δ̂(û) ∈ (−π/2, π/2] (rad), modulo π.
    public var phaseOffset: Double
    /// Normalised coherent cost at û.
    public var normalisedCost: Double
    /// Stage 1: coarse non-coherent grid minimiser (m).
    public var coarse: GridSearchResult
    /// Stage 2: non-coherent Nelder–Mead û_nc (m).
    public var nonCoherent: NelderMeadResult
    /// Stage 3: the uncertainty of û_nc.
    public var uncertainty: NonCoherentUncertainty
    /// Stage 4: Mahalanobis radius actually searched (≤ κ: smaller when the budget cut the ellipse).
    public var searchedConfidence: Double
    /// Stage 4: coherent lattice costs evaluated, tiles skipped by the non-coherent bound, and tiles of the region left
    /// unvisited because the lattice budget ran out (the region's least plausible ones: tiles go best bound first).
    public var latticeEvaluations: Int
    public var tilesPruned: Int
    public var tilesUnvisited: Int
    /// Stage 4: best lattice point (m).
    public var latticeMinimiser: Point2
    /// Stage 5: the refinement that won.
    public var coherent: NelderMeadResult
    /// Cost evaluations over all stages.
    public var costEvaluations: Int
}

/// The adaptive estimator for one network and protocol. Build it once and call `estimate(samples:)` per snapshot.
public struct AdaptiveEstimator: Sendable {
    public let model: DownlinkCostModel
    public let settings: AdaptiveEstimatorSettings

    /// Throws if the protocol cannot be processed on this network (P2 needs K ≥ M) or a setting is unusable.
    public init(network: DownlinkNetwork, protocol: DownlinkProtocol, settings: AdaptiveEstimatorSettings? = nil) throws(DownlinkError) {
        if `protocol` == .p2 && network.illuminationCount < network.apCount {
            throw .nonCoherentP2NeedsMorePoints(k: network.illuminationCount, m: network.apCount)
        }
        let settings = settings ?? .standard(wavelength: network.wavelength)
        try settings.validate()
        model = DownlinkCostModel(network: network, protocol: `protocol`)
        self.settings = settings
    }

    /// Estimates position and phase offset from one snapshot (√W; P1: M × K array, index m·K + k; P2: K samples).
    public func estimate(samples: [Complex<Double>]) throws(DownlinkError) -> AdaptiveEstimate {
        let evaluator = try DownlinkCostEvaluator(model: model, samples: samples)
        return Self.run(evaluator: evaluator, settings: settings)
    }

    /// The five stages on a prepared evaluator.
    public static func run(evaluator: DownlinkCostEvaluator, settings: AdaptiveEstimatorSettings) -> AdaptiveEstimate {
        let centre = evaluator.model.network.regionCentre
        let coarse = HybridEstimator.gridSearch(evaluator: evaluator, processing: .nonCoherent, centre: centre, grid: settings.coarseGrid)
        let nonCoherent = HybridEstimator.localDescent(evaluator: evaluator, processing: .nonCoherent, from: coarse.minimiser,
                                                       settings: settings.nonCoherentDescent)
        let uncertainty = nonCoherentUncertainty(evaluator: evaluator, at: nonCoherent.minimiser, step: settings.curvatureStep)
        var search = CoherentRegionSearch(evaluator: evaluator, settings: settings, centre: nonCoherent.minimiser,
                                          uncertainty: uncertainty)
        search.run()
        var best: NelderMeadResult? = nil
        for candidate in search.candidates {
            let refined = HybridEstimator.localDescent(evaluator: evaluator, processing: .coherent, from: candidate.point,
                                                       settings: settings.coherentRefinement)
            if best == nil || refined.minimum < best!.minimum { best = refined }
        }
        let coherent = best!
        let final = evaluator.evaluate(.coherent, at: coherent.minimiser)
        return AdaptiveEstimate(position: coherent.minimiser, phaseOffset: final.phaseOffset ?? 0, normalisedCost: final.normalised,
                                coarse: coarse, nonCoherent: nonCoherent, uncertainty: uncertainty,
                                searchedConfidence: search.searchedConfidence, latticeEvaluations: search.latticeEvaluations,
                                tilesPruned: search.tilesPruned, tilesUnvisited: search.tilesUnvisited, latticeMinimiser: search.candidates[0].point, coherent: coherent,
                                costEvaluations: evaluator.evaluationCount)
    }

    /// The covariance of the non-coherent estimate at `u` (m): Σ = σ̂² H⁻¹, H the central-difference Hessian of the
    /// raw non-coherent cost C_nc (W/m², step `step` m) and σ̂² = C_nc(u) / (S − M − 1) the residual noise variance
    /// (S complex samples, M complex amplitudes and the position profiled out). The log-likelihood is −C/σ², so
    /// H/σ² is the observed Fisher information of the position.
    public static func nonCoherentUncertainty(evaluator: DownlinkCostEvaluator, at u: Point2, step h: Double) -> NonCoherentUncertainty {
        func c(_ dx: Double, _ dy: Double) -> Double { evaluator.evaluate(.nonCoherent, at: Point2(u.x + dx, u.y + dy)).cost }
        let c0 = c(0, 0)
        let hxx = (c(h, 0) - 2 * c0 + c(-h, 0)) / (h * h)
        let hyy = (c(0, h) - 2 * c0 + c(0, -h)) / (h * h)
        let hxy = (c(h, h) - c(h, -h) - c(-h, h) + c(-h, -h)) / (4 * h * h)
        let network = evaluator.model.network
        let dof = evaluator.model.sampleCount - network.apCount - 1
        let sigma2 = max(c0, 0) / Double(max(dof, 1))
        let det = hxx * hyy - hxy * hxy
        let mean = (hxx + hyy) / 2, spread = (((hxx - hyy) / 2) * ((hxx - hyy) / 2) + hxy * hxy).squareRoot()
        let valid = hxx > 0 && det > 0 && sigma2 > 0 && det.isFinite
        guard valid else {
            return NonCoherentUncertainty(covarianceXX: .infinity, covarianceXY: 0, covarianceYY: .infinity, noiseVariance: sigma2,
                                          largestCurvature: max(mean + spread, 0), valid: false)
        }
        return NonCoherentUncertainty(covarianceXX: sigma2 * hyy / det, covarianceXY: -sigma2 * hxy / det,
                                      covarianceYY: sigma2 * hxx / det, noiseVariance: sigma2, largestCurvature: mean + spread,
                                      valid: true)
    }
}
