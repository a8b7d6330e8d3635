// DataAssociation: iterative BP data association in the log domain (docs/MODEL.md §C.3) and exact marginals by enumeration.

/// One panel update's data-association problem: K features (rows) and M measurements, given as the
/// log scalar inputs log β̄_k(m), m = 0…M, with column 0 = "feature k not detected" (docs/MODEL.md §C.3 step 1).
///
/// The messages are invariant to an additive constant per row, so the rows need not be normalized.
public struct AssociationProblem: Sendable, Equatable {
    /// Number K of features (rows).
    public var featureCount: Int
    /// Number M of measurements.
    public var measurementCount: Int
    /// log β̄_k(m) at index k·(M + 1) + m (row-major, K × (M + 1)).
    public var logInputs: [Double]

    public init(featureCount: Int, measurementCount: Int, logInputs: [Double]) {
        precondition(featureCount >= 1 && measurementCount >= 0, "need at least one feature")
        precondition(logInputs.count == featureCount * (measurementCount + 1), "logInputs must be K × (M + 1)")
        self.featureCount = featureCount
        self.measurementCount = measurementCount
        self.logInputs = logInputs
    }

    /// log β̄_k(m).
    public subscript(feature k: Int, column m: Int) -> Double { logInputs[k * (measurementCount + 1) + m] }

    /// Iterative BP (docs/MODEL.md §C.3 step 2) from ν = 1, in the log domain with leave-one-out logsumexp, until
    /// max |log ν_new − log ν_old| < `tolerance` or `maxIterations` iterations.
    public func solve(tolerance: Double = 1e-6, maxIterations: Int = 1000) -> AssociationSolution {
        let k = featureCount, m = measurementCount
        var messages = [Double](repeating: 0, count: k * m)
        var scratch = [Double](repeating: 0, count: AssociationSolver.scratchCount(features: k, measurements: m))
        let outcome = logInputs.withUnsafeBufferPointer { inputs in
            messages.withUnsafeMutableBufferPointer { out in
                scratch.withUnsafeMutableBufferPointer { s in
                    AssociationSolver.solve(logInputs: inputs.baseAddress!, features: k, measurements: m,
                                            tolerance: tolerance, maxIterations: maxIterations,
                                            logMessages: out.baseAddress, scratch: s.baseAddress)
                }
            }
        }
        return AssociationSolution(featureCount: k, measurementCount: m, logMessages: messages,
                                   iterations: outcome.iterations, converged: outcome.converged)
    }

    /// Exact marginals p(a_k = m) by enumerating every feasible joint association (each measurement taken by
    /// at most one feature), joint weight Π_k β̄_k(a_k). Row-major K × (M + 1), rows sum to 1.
    /// Cost grows as Σ_j C(K, j)·M!/(M − j)!: meant for small problems (K, M ≤ 8).
    public func exactMarginals() -> [Double] {
        let k = featureCount, m = measurementCount
        precondition(k <= 8 && m <= 8, "enumeration is for small problems")
        let width = m + 1
        var assignment = [Int](repeating: 0, count: k)
        var used = [Bool](repeating: false, count: width)
        var joints: [(log: Double, assignment: [Int])] = []
        func visit(_ feature: Int, _ logWeight: Double) {
            if feature == k { joints.append((logWeight, assignment)); return }
            for column in 0..<width where column == 0 || !used[column] {
                assignment[feature] = column
                used[column] = column != 0
                visit(feature + 1, logWeight + self[feature: feature, column: column])
                used[column] = false
            }
        }
        visit(0, 0)
        let top = joints.reduce(-Double.infinity) { max($0, $1.log) }
        var marginals = [Double](repeating: 0, count: k * width)
        var total = 0.0
        for joint in joints {
            let w = deterministicExp(joint.log - top)
            total += w
            for feature in 0..<k { marginals[feature * width + joint.assignment[feature]] += w }
        }
        return marginals.map { $0 / total }
    }
}

/// The result of ``AssociationProblem/solve(tolerance:maxIterations:)``.
public struct AssociationSolution: Sendable, Equatable {
    public var featureCount: Int
    public var measurementCount: Int
    /// log ν_{m→k} at index k·M + m (row-major, K × M); all ≤ 0.
    public var logMessages: [Double]
    /// Iterations run (0 when M = 0).
    public var iterations: Int
    /// Whether the tolerance was met before the iteration cap.
    public var converged: Bool

    public init(featureCount: Int, measurementCount: Int, logMessages: [Double], iterations: Int, converged: Bool) {
        self.featureCount = featureCount
        self.measurementCount = measurementCount
        self.logMessages = logMessages
        self.iterations = iterations
        self.converged = converged
    }

    /// Approximate marginals (docs/MODEL.md §C.3, diagnostic): p(a_k = m) ∝ β̄_k(m) ν_{m→k} for m ≥ 1 and ∝ β̄_k(0) for
    /// m = 0. Row-major K × (M + 1), rows sum to 1.
    public func marginals(of problem: AssociationProblem) -> [Double] {
        precondition(problem.featureCount == featureCount && problem.measurementCount == measurementCount)
        let width = measurementCount + 1
        var out = [Double](repeating: 0, count: featureCount * width)
        for k in 0..<featureCount {
            var row = [Double](repeating: 0, count: width)
            row[0] = problem[feature: k, column: 0]
            for m in 0..<measurementCount {
                row[m + 1] = problem[feature: k, column: m + 1] + logMessages[k * measurementCount + m]
            }
            let top = row.max()!
            let total = row.reduce(0) { $0 + deterministicExp($1 - top) }
            for m in 0..<width { out[k * width + m] = deterministicExp(row[m] - top) / total }
        }
        return out
    }
}

/// The allocation-free BP solver used by the panel update (and by ``AssociationProblem/solve``).
enum AssociationSolver {
    /// Doubles of scratch space `solve` needs for K features and M measurements.
    static func scratchCount(features k: Int, measurements m: Int) -> Int { 2 * k * m + max(k, m) + 1 }

    /// logsumexp of `base` and `values[i]` for every i < count except `excluded`, evaluated directly (no
    /// subtraction of the left-out term).
    @inline(__always)
    static func leaveOneOutLogSumExp(base: Double, _ values: UnsafeMutablePointer<Double>, count: Int,
                                     excluding excluded: Int) -> Double {
        var top = base
        for i in 0..<count where i != excluded && values[i] > top { top = values[i] }
        if top == -.infinity { return top }
        var sum = deterministicExp(base - top)
        for i in 0..<count where i != excluded { sum += deterministicExp(values[i] - top) }
        return top + deterministicLog(sum)
    }

    /// log of the Bethe correction of BP's messages to the agent: with log ν (K × M) from ``solve`` on `logInputs`,
    ///
    ///   log Z_Bethe = Σ_k log(β̄_k(0) + Σ_m β̄_k(m) ν_{m→k}) + c,
    ///   c = Σ_m log(1 + Σ_k φ_{k→m}) − Σ_{k,m} log(1 + φ_{k→m} ν_{m→k}),
    ///
    /// φ_{k→m} from the final ν (docs/MODEL.md §C.3 step 2); Z = Σ_{feasible a} Π_k β̄_k(a_k) is the association's
    /// partition function, exact on trees (K = 1 or M = 1). Returns c (natural log). `values` needs K + M doubles.
    static func logBetheCorrection(logInputs: UnsafePointer<Double>, logMessages nu: UnsafePointer<Double>,
                                   features k: Int, measurements m: Int,
                                   values: UnsafeMutablePointer<Double>) -> Double {
        guard m > 0 else { return 0 }
        let width = m + 1
        var correction = 0.0
        for j in 0..<m {
            var top = 0.0
            for feature in 0..<k {                      // log φ_{k→j}, kept in values[feature] below
                let row = logInputs + feature * width
                for i in 0..<m { values[i] = row[i + 1] + nu[feature * m + i] }
                let logPhi = row[j + 1] - leaveOneOutLogSumExp(base: row[0], values, count: m, excluding: j)
                correction -= logAddExp(0, logPhi + nu[feature * m + j])
                if logPhi > top { top = logPhi }
                values[m + feature] = logPhi
            }
            var sum = deterministicExp(-top)
            for feature in 0..<k { sum += deterministicExp(values[m + feature] - top) }
            correction += top + deterministicLog(sum)
        }
        return correction
    }

    /// BP data association of docs/MODEL.md §C.3 step 2 in the log domain, starting from ν = 1:
    ///
    ///   log φ_{k→m} = log β̄_k(m) − LSE(log β̄_k(0), {log β̄_k(m′) + log ν_{m′→k}}_{m′≠m}),
    ///   log ν_{m→k} = −LSE(0, {log φ_{k′→m}}_{k′≠k}),
    ///
    /// until max_{k,m} |log ν_new − log ν_old| < `tolerance` (checked every iteration) or `maxIterations`.
    /// - Parameters:
    ///   - logInputs: K × (M + 1) row-major log β̄_k(m) (finite).
    ///   - logMessages: output, K × M row-major log ν_{m→k} (may be nil when M = 0).
    ///   - scratch: ``scratchCount(features:measurements:)`` doubles.
    /// - Returns: iterations run (0 for M = 0) and whether the tolerance was met.
    static func solve(logInputs: UnsafePointer<Double>, features k: Int, measurements m: Int, tolerance: Double,
                      maxIterations: Int, logMessages: UnsafeMutablePointer<Double>?,
                      scratch: UnsafeMutablePointer<Double>?) -> (iterations: Int, converged: Bool) {
        guard m > 0, let nu = logMessages, let scratch else { return (0, true) }
        let width = m + 1
        let phi = scratch, newNu = scratch + k * m, values = scratch + 2 * k * m
        nu.update(repeating: 0, count: k * m)
        var iteration = 0
        while iteration < maxIterations {
            iteration += 1
            // feature → measurement
            for feature in 0..<k {
                let row = logInputs + feature * width
                for j in 0..<m { values[j] = row[j + 1] + nu[feature * m + j] }
                for j in 0..<m {
                    phi[feature * m + j] = row[j + 1]
                        - leaveOneOutLogSumExp(base: row[0], values, count: m, excluding: j)
                }
            }
            // measurement → feature
            var delta = 0.0
            for j in 0..<m {
                for feature in 0..<k { values[feature] = phi[feature * m + j] }
                for feature in 0..<k {
                    let updated = -leaveOneOutLogSumExp(base: 0, values, count: k, excluding: feature)
                    newNu[feature * m + j] = updated
                    let change = abs(updated - nu[feature * m + j])
                    if change.isNaN || change > delta { delta = change }   // a NaN sticks: it never converges
                }
            }
            nu.update(from: newNu, count: k * m)
            if delta < tolerance { return (iteration, true) }
        }
        return (iteration, false)
    }
}
