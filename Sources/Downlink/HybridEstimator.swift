// HybridEstimator: the two-stage position / phase-offset estimator of docs/MODEL.md §DL.5, with separable stages.
import ComplexModule
import RealModule

/// A square search grid: offsets start + i·step (m), i = 0..<count per axis, around a centre; x fastest.
public struct SearchGrid: Sendable, Hashable {
    /// First offset (m).
    public var start: Double
    /// Spacing (m).
    public var step: Double
    /// Points per axis.
    public var count: Int
    public init(start: Double, step: Double, count: Int) { self.start = start; self.step = step; self.count = count }

    /// The paper's coarse grid: −5, −4.75, …, 5 m (41 × 41 points).
    public static let coarse = SearchGrid(start: -5, step: 0.25, count: 41)
    /// The paper's fine grid: −0.1 + i·λ/20 m, i = 0..<⌈(0.2 + λ/40)/(λ/20)⌉ (48 for λ = 85.65 mm).
    public static func fine(wavelength: Double, halfWidth: Double = 0.1) -> SearchGrid {
        let step = wavelength / 20
        let count = Int(((2 * halfWidth + wavelength / 40) / step).rounded(.up))
        return SearchGrid(start: -halfWidth, step: step, count: count)
    }
    /// Offset i (m).
    @inlinable public func offset(_ i: Int) -> Double { start + Double(i) * step }
}

/// Settings of the hybrid estimator; `paper(wavelength:)` gives docs/MODEL.md §DL.5.
public struct HybridEstimatorSettings: Sendable, Hashable {
    /// Stage 1: non-coherent grid around the illumination region's centre.
    public var coarseGrid: SearchGrid
    /// Stage 2: Nelder–Mead on the non-coherent cost.
    public var nonCoherentDescent: NelderMeadSettings
    /// Stage 3: coherent grid around the stage-2 estimate.
    public var fineGrid: SearchGrid
    /// Stage 4: Nelder–Mead on the coherent cost.
    public var coherentRefinement: NelderMeadSettings

    public init(coarseGrid: SearchGrid, nonCoherentDescent: NelderMeadSettings, fineGrid: SearchGrid,
                coherentRefinement: NelderMeadSettings) {
        self.coarseGrid = coarseGrid
        self.nonCoherentDescent = nonCoherentDescent
        self.fineGrid = fineGrid
        self.coherentRefinement = coherentRefinement
    }

    /// The paper's settings (docs/MODEL.md §DL.5) for carrier wavelength λ (m).
    public static func paper(wavelength: Double = DownlinkConstants.wavelength) -> HybridEstimatorSettings {
        HybridEstimatorSettings(
            coarseGrid: .coarse,
            nonCoherentDescent: NelderMeadSettings(initialStep: 0.125, positionTolerance: 1e-6, costTolerance: 1e-15),
            fineGrid: .fine(wavelength: wavelength),
            coherentRefinement: NelderMeadSettings(initialStep: wavelength / 40, positionTolerance: 1e-8, costTolerance: 1e-15))
    }
}

/// Best point of a grid search.
public struct GridSearchResult: Sendable {
    /// First minimiser in grid order (m).
    public var minimiser: Point2
    /// Normalised cost there.
    public var minimum: Double
    /// Points evaluated.
    public var evaluations: Int
}

/// Result of the hybrid estimator, with every stage's output.
public struct DownlinkEstimate: Sendable {
    /// Final position estimate û (m).
    public var position: Point2
    /// Phase-offset estimate δ̂(û) ∈ (−π/2, π/2] (rad); δφ is identifiable only modulo π.
    public var phaseOffset: Double
    /// Normalised coherent cost at û.
    public var normalisedCost: Double
    /// Stage 1: coarse non-coherent grid minimiser u₀ (m).
    public var coarse: GridSearchResult
    /// Stage 2: non-coherent Nelder–Mead û_nc (m).
    public var nonCoherent: NelderMeadResult
    /// Stage 3: fine coherent grid minimiser û_g (m).
    public var fine: GridSearchResult
    /// Stage 4: coherent Nelder–Mead û (m).
    public var coherent: NelderMeadResult
    /// Cost evaluations over all stages.
    public var costEvaluations: Int
}

/// The hybrid estimator for one network and protocol. Build it once and call `estimate(samples:)` per snapshot.
public struct HybridEstimator: Sendable {
    public let model: DownlinkCostModel
    public let settings: HybridEstimatorSettings

    /// Throws if the protocol cannot be processed on this network (P2 needs K ≥ M for the non-coherent stage).
    public init(network: DownlinkNetwork, protocol: DownlinkProtocol, settings: HybridEstimatorSettings? = nil) throws(DownlinkError) {
        if `protocol` == .p2 && network.illuminationCount < network.apCount {
            throw .nonCoherentP2NeedsMorePoints(k: network.illuminationCount, m: network.apCount)
        }
        model = DownlinkCostModel(network: network, protocol: `protocol`)
        self.settings = settings ?? .paper(wavelength: network.wavelength)
    }

    /// Estimates position and phase offset from one snapshot (√W; P1: M × K array, index m·K + k; P2: K samples).
    public func estimate(samples: [Complex<Double>]) throws(DownlinkError) -> DownlinkEstimate {
        let evaluator = try DownlinkCostEvaluator(model: model, samples: samples)
        return Self.run(evaluator: evaluator, settings: settings)
    }

    /// The four stages on a prepared evaluator.
    public static func run(evaluator: DownlinkCostEvaluator, settings: HybridEstimatorSettings) -> DownlinkEstimate {
        let centre = evaluator.model.network.regionCentre
        let coarse = gridSearch(evaluator: evaluator, processing: .nonCoherent, centre: centre, grid: settings.coarseGrid)
        let nonCoherent = localDescent(evaluator: evaluator, processing: .nonCoherent, from: coarse.minimiser,
                                       settings: settings.nonCoherentDescent)
        let fine = gridSearch(evaluator: evaluator, processing: .coherent, centre: nonCoherent.minimiser, grid: settings.fineGrid)
        let coherent = localDescent(evaluator: evaluator, processing: .coherent, from: fine.minimiser,
                                    settings: settings.coherentRefinement)
        let final = evaluator.evaluate(.coherent, at: coherent.minimiser)
        return DownlinkEstimate(position: coherent.minimiser, phaseOffset: final.phaseOffset ?? 0,
                                normalisedCost: final.normalised, coarse: coarse, nonCoherent: nonCoherent, fine: fine,
                                coherent: coherent, costEvaluations: evaluator.evaluationCount)
    }

    /// Grid search of the normalised cost: the first minimiser in grid order (x fastest).
    public static func gridSearch(evaluator: DownlinkCostEvaluator, processing: DownlinkProcessing, centre: Point2,
                                  grid: SearchGrid) -> GridSearchResult {
        var best = Point2(centre.x + grid.offset(0), centre.y + grid.offset(0))
        var bestValue = Double.infinity
        for iy in 0..<grid.count {
            let y = centre.y + grid.offset(iy)
            for ix in 0..<grid.count {
                let point = Point2(centre.x + grid.offset(ix), y)
                let value = evaluator.normalisedCost(processing, at: point)
                if value < bestValue { bestValue = value; best = point }
            }
        }
        return GridSearchResult(minimiser: best, minimum: bestValue, evaluations: grid.count * grid.count)
    }

    /// Nelder–Mead on the normalised cost.
    public static func localDescent(evaluator: DownlinkCostEvaluator, processing: DownlinkProcessing, from start: Point2,
                                    settings: NelderMeadSettings) -> NelderMeadResult {
        nelderMead(from: start, settings: settings) { evaluator.normalisedCost(processing, at: $0) }
    }
}

/// One call from snapshot to estimate: samples (√W) + network + protocol → estimate. Builds the cost model on
/// every call; keep a `HybridEstimator` to reuse it across snapshots.
public func estimateDownlink(samples: [Complex<Double>], network: DownlinkNetwork, protocol: DownlinkProtocol,
                             settings: HybridEstimatorSettings? = nil) throws(DownlinkError) -> DownlinkEstimate {
    try HybridEstimator(network: network, protocol: `protocol`, settings: settings).estimate(samples: samples)
}

/// Phase difference wrapped to (−π/2, π/2] (rad): δφ is identifiable only modulo π.
public func phaseErrorModuloPi(_ estimate: Double, _ truth: Double) -> Double {
    var d = (estimate - truth).truncatingRemainder(dividingBy: Double.pi)
    if d <= -Double.pi / 2 { d += Double.pi }
    if d > Double.pi / 2 { d -= Double.pi }
    return d
}
