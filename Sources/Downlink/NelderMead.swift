// NelderMead: derivative-free minimisation in the plane with the standard coefficients (docs/MODEL.md §DL.5).

/// Settings of a two-dimensional Nelder–Mead run.
public struct NelderMeadSettings: Sendable, Hashable {
    /// Initial simplex: {x0, x0 + (step, 0), x0 + (0, step)} (m).
    public var initialStep: Double
    /// Stop when every vertex lies within this max-norm distance of the best one (m)…
    public var positionTolerance: Double
    /// …and every vertex's cost is within this of the best one (objective units).
    public var costTolerance: Double
    /// Iteration cap.
    public var maxIterations: Int
    public init(initialStep: Double, positionTolerance: Double, costTolerance: Double, maxIterations: Int = 400) {
        self.initialStep = initialStep
        self.positionTolerance = positionTolerance
        self.costTolerance = costTolerance
        self.maxIterations = maxIterations
    }
}

/// Outcome of a Nelder–Mead run.
public struct NelderMeadResult: Sendable {
    /// Best vertex (m).
    public var minimiser: Point2
    /// Objective at the best vertex.
    public var minimum: Double
    /// Iterations done.
    public var iterations: Int
    /// Objective evaluations done.
    public var evaluations: Int
    /// True if the tolerances were met before the iteration cap.
    public var converged: Bool
}

/// Minimises `objective` over the plane by Nelder–Mead with reflection 1, expansion 2, contraction 0.5 and
/// shrink 0.5 (the scheme of Lagarias et al. 1998 as in scipy's `fmin`, non-adaptive).
public func nelderMead(from start: Point2, settings: NelderMeadSettings, objective: (Point2) -> Double) -> NelderMeadResult {
    let reflection = 1.0, expansion = 2.0, contraction = 0.5, shrink = 0.5
    var vertices = [start, Point2(start.x + settings.initialStep, start.y), Point2(start.x, start.y + settings.initialStep)]
    var values = vertices.map(objective)
    var evaluations = 3
    var iterations = 0
    var converged = false

    func sortVertices() {
        // three vertices: insertion sort by value, stable (keeps earlier vertices first on ties)
        for i in 1..<3 {
            var j = i
            while j > 0 && values[j] < values[j - 1] {
                values.swapAt(j, j - 1); vertices.swapAt(j, j - 1); j -= 1
            }
        }
    }
    sortVertices()
    while iterations < settings.maxIterations {
        var spread = 0.0, costSpread = 0.0
        for i in 1..<3 {
            spread = max(spread, abs(vertices[i].x - vertices[0].x), abs(vertices[i].y - vertices[0].y))
            costSpread = max(costSpread, abs(values[i] - values[0]))
        }
        if spread <= settings.positionTolerance && costSpread <= settings.costTolerance { converged = true; break }

        let centroid = Point2((vertices[0].x + vertices[1].x) / 2, (vertices[0].y + vertices[1].y) / 2)
        let worst = vertices[2]
        func along(_ factor: Double) -> Point2 {
            Point2(centroid.x + factor * (centroid.x - worst.x), centroid.y + factor * (centroid.y - worst.y))
        }
        let reflected = along(reflection)
        let fReflected = objective(reflected); evaluations += 1
        var doShrink = false
        if fReflected < values[0] {
            let expanded = along(reflection * expansion)
            let fExpanded = objective(expanded); evaluations += 1
            if fExpanded < fReflected { vertices[2] = expanded; values[2] = fExpanded } else { vertices[2] = reflected; values[2] = fReflected }
        } else if fReflected < values[1] {
            vertices[2] = reflected; values[2] = fReflected
        } else if fReflected < values[2] {
            let outside = along(contraction * reflection)
            let fOutside = objective(outside); evaluations += 1
            if fOutside <= fReflected { vertices[2] = outside; values[2] = fOutside } else { doShrink = true }
        } else {
            let inside = along(-contraction)
            let fInside = objective(inside); evaluations += 1
            if fInside < values[2] { vertices[2] = inside; values[2] = fInside } else { doShrink = true }
        }
        if doShrink {
            for i in 1..<3 {
                vertices[i] = Point2(vertices[0].x + shrink * (vertices[i].x - vertices[0].x),
                                     vertices[0].y + shrink * (vertices[i].y - vertices[0].y))
                values[i] = objective(vertices[i]); evaluations += 1
            }
        }
        sortVertices()
        iterations += 1
    }
    return NelderMeadResult(minimiser: vertices[0], minimum: values[0], iterations: iterations,
                            evaluations: evaluations, converged: converged)
}
