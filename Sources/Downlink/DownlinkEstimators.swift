// DownlinkEstimators: the four processing modes (coherent, non-coherent, hybrid, adaptive) behind one estimator type.
import ComplexModule
import RealModule

/// Which estimator processes a snapshot.
public enum DownlinkEstimatorKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The coherent cost alone: the coarse grid then Nelder–Mead on the coherent cost, no non-coherent stage. The
    /// coarse grid (0.25 m) cannot resolve the carrier-phase lobes (≈ λ/2), so it lands in a wrong lobe unless the
    /// grid happens to fall in the right one: shown for comparison.
    case coherent
    /// The non-coherent stages only (coarse grid, Nelder–Mead on the non-coherent cost): no phase-offset estimate.
    case nonCoherent = "noncoherent"
    /// The paper's hybrid estimator (docs/MODEL.md §DL.5): a coherent search of fixed extent ±0.1 m.
    case hybrid
    /// The adaptive estimator: a coherent search of the region the non-coherent stage's own uncertainty cannot
    /// exclude (`AdaptiveEstimator`).
    case adaptive

    public var description: String { rawValue }

    /// The processing whose PEB bounds this estimator's error: non-coherent for `nonCoherent`, coherent otherwise.
    public var processing: DownlinkProcessing { self == .nonCoherent ? .nonCoherent : .coherent }

    /// Parses a name (case-insensitive; "non-coherent" also accepted); nil if unknown.
    public init?(name: String) {
        switch name.lowercased() {
        case "coherent": self = .coherent
        case "noncoherent", "non-coherent": self = .nonCoherent
        case "hybrid": self = .hybrid
        case "adaptive": self = .adaptive
        default: return nil
        }
    }

    /// The allowed names, for error messages and help.
    public static var allowedNames: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// One estimate of any kind. Lengths in m, angles in rad.
public struct DownlinkModeEstimate: Sendable {
    public var kind: DownlinkEstimatorKind
    /// Position estimate û (m).
    public var position: Point2
    /// Phase-offset estimate δ̂ ∈ (−π/2, π/2] (rad, modulo π); nil for the non-coherent estimator.
    public var phaseOffset: Double?
    /// Normalised cost of the estimator's processing at û (dimensionless).
    public var normalisedCost: Double
    /// The non-coherent stage's estimate û_nc (m); nil for the coherent estimator.
    public var nonCoherentStage: Point2?
    /// Cost evaluations over all stages.
    public var costEvaluations: Int
}

/// The four estimators of one network and protocol, sharing one cost model. Build once, call per snapshot.
public struct DownlinkEstimators: Sendable {
    public let model: DownlinkCostModel
    public let hybridSettings: HybridEstimatorSettings
    public let adaptiveSettings: AdaptiveEstimatorSettings

    /// Throws if the protocol cannot be processed on this network (P2 needs K ≥ M) or a setting is unusable.
    public init(network: DownlinkNetwork, protocol: DownlinkProtocol, hybrid: HybridEstimatorSettings? = nil,
                adaptive: AdaptiveEstimatorSettings? = nil) throws(DownlinkError) {
        if `protocol` == .p2 && network.illuminationCount < network.apCount {
            throw .nonCoherentP2NeedsMorePoints(k: network.illuminationCount, m: network.apCount)
        }
        let adaptiveSettings = adaptive ?? .standard(wavelength: network.wavelength)
        try adaptiveSettings.validate()
        model = DownlinkCostModel(network: network, protocol: `protocol`)
        hybridSettings = hybrid ?? .paper(wavelength: network.wavelength)
        self.adaptiveSettings = adaptiveSettings
    }

    /// Estimates from one snapshot (√W; P1: M × K array, index m·K + k; P2: K samples) with estimator `kind`.
    public func estimate(_ kind: DownlinkEstimatorKind, samples: [Complex<Double>]) throws(DownlinkError) -> DownlinkModeEstimate {
        let evaluator = try DownlinkCostEvaluator(model: model, samples: samples)
        return run(kind, evaluator: evaluator)
    }

    /// `estimate` on a prepared evaluator (its evaluation count should start at 0).
    public func run(_ kind: DownlinkEstimatorKind, evaluator: DownlinkCostEvaluator) -> DownlinkModeEstimate {
        let centre = model.network.regionCentre
        switch kind {
        case .hybrid:
            let e = HybridEstimator.run(evaluator: evaluator, settings: hybridSettings)
            return DownlinkModeEstimate(kind: kind, position: e.position, phaseOffset: e.phaseOffset, normalisedCost: e.normalisedCost,
                                        nonCoherentStage: e.nonCoherent.minimiser, costEvaluations: e.costEvaluations)
        case .adaptive:
            let e = AdaptiveEstimator.run(evaluator: evaluator, settings: adaptiveSettings)
            return DownlinkModeEstimate(kind: kind, position: e.position, phaseOffset: e.phaseOffset, normalisedCost: e.normalisedCost,
                                        nonCoherentStage: e.nonCoherent.minimiser, costEvaluations: e.costEvaluations)
        case .nonCoherent:
            let coarse = HybridEstimator.gridSearch(evaluator: evaluator, processing: .nonCoherent, centre: centre,
                                                    grid: hybridSettings.coarseGrid)
            let descent = HybridEstimator.localDescent(evaluator: evaluator, processing: .nonCoherent, from: coarse.minimiser,
                                                       settings: hybridSettings.nonCoherentDescent)
            return DownlinkModeEstimate(kind: kind, position: descent.minimiser, phaseOffset: nil, normalisedCost: descent.minimum,
                                        nonCoherentStage: descent.minimiser, costEvaluations: evaluator.evaluationCount)
        case .coherent:
            let coarse = HybridEstimator.gridSearch(evaluator: evaluator, processing: .coherent, centre: centre,
                                                    grid: hybridSettings.coarseGrid)
            let descent = HybridEstimator.localDescent(evaluator: evaluator, processing: .coherent, from: coarse.minimiser,
                                                       settings: hybridSettings.coherentRefinement)
            let final = evaluator.evaluate(.coherent, at: descent.minimiser)
            return DownlinkModeEstimate(kind: kind, position: descent.minimiser, phaseOffset: final.phaseOffset ?? 0,
                                        normalisedCost: final.normalised, nonCoherentStage: nil, costEvaluations: evaluator.evaluationCount)
        }
    }
}
