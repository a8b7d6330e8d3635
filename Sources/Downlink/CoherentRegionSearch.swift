// CoherentRegionSearch: stage 4 of the adaptive estimator — a bounded, pruned coherent lattice search of an ellipse.

/// One lattice point kept for refinement: position (m) and raw coherent cost (W).
public struct CoherentCandidate: Sendable {
    public var point: Point2
    public var cost: Double
}

/// The coherent cost on the lattice û_nc + (i, j)·step over the confidence ellipse of û_nc (plus the minimum disc),
/// in tiles visited in increasing order of a lower bound from the non-coherent cost at the tile corners. Every
/// coherent cost satisfies C_coh(u) ≥ C_nc(u) (the coherent model restricts the non-coherent one's free complex
/// amplitudes), so a tile whose bound exceeds the best coherent cost so far cannot hold the coherent minimum and is
/// skipped. The bound is min over the corners of C_nc minus a curvature margin 2 · λ_max(H) · (tile side)² / 4
/// (the largest dip of a quadratic with curvature λ_max inside a square, doubled) — a heuristic, as C_nc is only
/// locally quadratic.
///
/// Measured (20 snapshots each, P1/P2 at −40, −30, 0 dBm, κ = 5 and 7): the bound never pruned a tile. The best
/// *lattice* coherent cost stays far above the non-coherent cost anywhere in the ellipse, because at λ/8 spacing the
/// samples miss the sharp coherent minimum by much more than the ≈ 10 σ² that separates the refined coherent
/// minimum from C_nc. What the tiles do give is the order: when the budget runs out, the tiles left unvisited are
/// the least plausible ones. Refining the best lattice point early (`earlyRefinements`) makes the bound bite, at a
/// net cost (measured; see that setting).
struct CoherentRegionSearch {
    let evaluator: DownlinkCostEvaluator
    let settings: AdaptiveEstimatorSettings
    let centre: Point2
    let uncertainty: NonCoherentUncertainty

    /// Up to `settings.candidates` distinct lattice minima, lowest cost first.
    private(set) var candidates: [CoherentCandidate] = []
    private(set) var latticeEvaluations = 0
    /// Tiles skipped by the non-coherent bound, and tiles left unvisited when the lattice budget ran out.
    private(set) var tilesPruned = 0
    private(set) var tilesUnvisited = 0
    /// Mahalanobis radius of the outer region after the work bound (dimensionless).
    private(set) var searchedConfidence = 0.0

    init(evaluator: DownlinkCostEvaluator, settings: AdaptiveEstimatorSettings, centre: Point2, uncertainty: NonCoherentUncertainty) {
        self.evaluator = evaluator; self.settings = settings; self.centre = centre; self.uncertainty = uncertainty
    }

    /// How many times the coherent budget the outer region's lattice may hold (the rest is left to the pruning order).
    static let overfill = 4.0

    mutating func run() {
        let s = settings.latticeStep, budget = settings.maximumLatticePoints, t = settings.tileSize
        let rMin2 = settings.minimumRadius * settings.minimumRadius
        // Σ⁻¹ (1/m²); the outer region is dᵀΣ⁻¹d ≤ κ², cut so that it holds at most overfill × budget lattice points
        var ixx = 0.0, ixy = 0.0, iyy = 0.0
        var kappa = settings.confidence
        var halfX: Double, halfY: Double
        let capacity = Self.overfill * Double(budget) * s * s            // area (m²) the lattice may cover
        if uncertainty.valid {
            let u = uncertainty
            let det = u.covarianceXX * u.covarianceYY - u.covarianceXY * u.covarianceXY
            ixx = u.covarianceYY / det; ixy = -u.covarianceXY / det; iyy = u.covarianceXX / det
            let unitArea = Double.pi * det.squareRoot()                  // ellipse area at κ = 1 (m²)
            if unitArea * kappa * kappa > capacity { kappa = (capacity / unitArea).squareRoot() }
            // an elongated, tilted ellipse wastes its bounding box: keep the box within 4 × the capacity too
            while (2 * kappa * u.covarianceXX.squareRoot()) * (2 * kappa * u.covarianceYY.squareRoot()) > 4 * capacity {
                kappa *= 0.9
            }
            halfX = kappa * u.covarianceXX.squareRoot(); halfY = kappa * u.covarianceYY.squareRoot()
        } else {
            // no usable curvature: the disc the capacity allows
            kappa = 0
            let r = (capacity / Double.pi).squareRoot()
            halfX = r; halfY = r
        }
        let radius = uncertainty.valid ? settings.minimumRadius : max(settings.minimumRadius, halfX)
        halfX = max(halfX, radius); halfY = max(halfY, radius)
        searchedConfidence = kappa
        let kappa2 = kappa * kappa, radius2 = max(rMin2, radius * radius)
        let nx = Int((halfX / s).rounded(.up)), ny = Int((halfY / s).rounded(.up))
        func inside(_ i: Int, _ j: Int) -> Bool {
            let dx = Double(i) * s, dy = Double(j) * s
            return dx * dx + dy * dy <= radius2 || (dx * dx * ixx + 2 * dx * dy * ixy + dy * dy * iyy) <= kappa2
        }
        // tiles: lattice indices i in −nx + a·t ..< −nx + (a+1)·t (same in j); corners at i = −nx + a·t
        let tilesX = (2 * nx + 1 + t - 1) / t, tilesY = (2 * ny + 1 + t - 1) / t
        let cornersX = tilesX + 1
        var corner = [Double](repeating: .nan, count: cornersX * (tilesY + 1))
        func cornerCost(_ a: Int, _ b: Int) -> Double {
            let index = b * cornersX + a
            if corner[index].isNaN {
                let p = Point2(centre.x + Double(-nx + a * t) * s, centre.y + Double(-ny + b * t) * s)
                corner[index] = evaluator.evaluate(.nonCoherent, at: p).cost
            }
            return corner[index]
        }
        let side = Double(t) * s
        let margin = 2 * max(uncertainty.largestCurvature, 0) * side * side / 4
        var tiles: [(bound: Double, a: Int, b: Int)] = []
        for b in 0..<tilesY {
            for a in 0..<tilesX {
                var any = false
                for j in (-ny + b * t)..<min(-ny + (b + 1) * t, ny + 1) where !any {
                    for i in (-nx + a * t)..<min(-nx + (a + 1) * t, nx + 1) where inside(i, j) { any = true; break }
                }
                guard any else { continue }
                let low = min(cornerCost(a, b), cornerCost(a + 1, b), cornerCost(a, b + 1), cornerCost(a + 1, b + 1))
                tiles.append((low - margin, a, b))
            }
        }
        tiles.sort { $0.bound < $1.bound }
        var best = Double.infinity
        var earlyRefinements = 0, lastRefined: Point2? = nil
        for (index, tile) in tiles.enumerated() {
            if tile.bound > best { tilesPruned = tiles.count - index; break }
            if latticeEvaluations >= budget { tilesUnvisited = tiles.count - index; break }
            for j in (-ny + tile.b * t)..<min(-ny + (tile.b + 1) * t, ny + 1) {
                for i in (-nx + tile.a * t)..<min(-nx + (tile.a + 1) * t, nx + 1) where inside(i, j) && latticeEvaluations < budget {
                    let p = Point2(centre.x + Double(i) * s, centre.y + Double(j) * s)
                    let cost = evaluator.evaluate(.coherent, at: p).cost
                    latticeEvaluations += 1
                    if cost < best { best = cost }
                    keep(CoherentCandidate(point: p, cost: cost))
                }
            }
            // optional: refine the best lattice point so far, which lowers the pruning level to an achieved minimum
            if earlyRefinements < settings.earlyRefinements, let top = candidates.first, top.point != lastRefined {
                lastRefined = top.point
                earlyRefinements += 1
                let r = HybridEstimator.localDescent(evaluator: evaluator, processing: .coherent, from: top.point,
                                                     settings: settings.coherentRefinement)
                let cost = r.minimum * evaluator.observationEnergy
                if cost < best { best = cost }
            }
        }
        if candidates.isEmpty {
            candidates = [CoherentCandidate(point: centre, cost: evaluator.evaluate(.coherent, at: centre).cost)]
        }
    }

    /// Keeps the lowest `settings.candidates` points that are at least `candidateSeparation` apart (greedy).
    private mutating func keep(_ c: CoherentCandidate) {
        // a full list's worst cost bounds every entry: a point no better cannot replace any (the common case)
        if candidates.count == settings.candidates && c.cost >= candidates[candidates.count - 1].cost { return }
        let separation2 = settings.candidateSeparation * settings.candidateSeparation
        if let near = candidates.firstIndex(where: {
            let dx = $0.point.x - c.point.x, dy = $0.point.y - c.point.y
            return dx * dx + dy * dy < separation2
        }) {
            guard c.cost < candidates[near].cost else { return }
            candidates[near] = c
        } else if candidates.count < settings.candidates {
            candidates.append(c)
        } else if c.cost < candidates[candidates.count - 1].cost {
            candidates[candidates.count - 1] = c
        } else {
            return
        }
        candidates.sort { $0.cost < $1.cost }
    }
}
