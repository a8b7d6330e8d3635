// PanelKernels: the Float32 SIMD hot loops of one panel update (prediction, likelihood, posterior, resampling).
//
// Each kernel works on raw pointers into contiguous structure-of-arrays buffers, eight particles per iteration;
// particle counts are multiples of 16. Nothing here allocates, reads a clock or touches global state.

// MARK: 1. agent prediction (docs/MODEL.md §B.1, §B.3 step 1)

/// Constant-velocity prediction x ← A x + W a, a ~ N(0, σ_a² I), in place. `normals` holds 2N standard normals
/// (a_x = normals[i], a_y = normals[N + i]).
func predictConstantVelocity(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                             vx: UnsafeMutablePointer<Float>, vy: UnsafeMutablePointer<Float>, count n: Int,
                             normals: UnsafePointer<Float>, interval dt: Float, accelerationStd: Float) {
    let h = 0.5 * dt * dt * accelerationStd, s = dt * accelerationStd
    var i = 0
    while i < n {
        let ax = F8.load(normals + i), ay = F8.load(normals + n + i)
        let vxi = F8.load(vx + i), vyi = F8.load(vy + i)
        (F8.load(x + i) + vxi * dt + ax * h).store(x + i)
        (F8.load(y + i) + vyi * dt + ay * h).store(y + i)
        (vxi + ax * s).store(vx + i)
        (vyi + ay * s).store(vy + i)
        i += 8
    }
}

/// Regularization of the four agent coordinates: x_c ← x_c + s_c·g_c, s_c = max(h · std(x_c), floor_c)
/// (docs/MODEL.md §B.1), in place. `normals` holds 4N standard normals (coordinate c uses normals[cN ..< (c+1)N]).
/// std is the 1/N-normalized standard deviation, two-pass with the offset x_c[0] for accuracy in Float32.
///
/// The four coordinates run interleaved in each pass: every coordinate's sums are the same eight-lane
/// accumulations in the same order as one coordinate alone, but four independent add chains hide the latency
/// of each.
func regularizeAgent(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                     vx: UnsafeMutablePointer<Float>, vy: UnsafeMutablePointer<Float>, count n: Int,
                     normals: UnsafePointer<Float>, factor: Float, floor: SIMD4<Float>) {
    let origin = SIMD4<Float>(x[0], y[0], vx[0], vy[0])
    var s0 = F8.zero, s1 = F8.zero, s2 = F8.zero, s3 = F8.zero
    var i = 0
    while i < n {
        s0 += F8.load(x + i) - origin[0]; s1 += F8.load(y + i) - origin[1]
        s2 += F8.load(vx + i) - origin[2]; s3 += F8.load(vy + i) - origin[3]
        i += 8
    }
    let count = Float(n)
    let mean = SIMD4<Float>(origin[0] + s0.laneSum / count, origin[1] + s1.laneSum / count,
                            origin[2] + s2.laneSum / count, origin[3] + s3.laneSum / count)
    s0 = .zero; s1 = .zero; s2 = .zero; s3 = .zero
    i = 0
    while i < n {
        let d0 = F8.load(x + i) - mean[0], d1 = F8.load(y + i) - mean[1]
        let d2 = F8.load(vx + i) - mean[2], d3 = F8.load(vy + i) - mean[3]
        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
        i += 8
    }
    @_transparent func step(_ squares: F8, _ floor: Float) -> Float {
        let spread = factor * vsqrt(F8(squares.laneSum / count))[0]
        return spread > floor ? spread : floor
    }
    let t0 = step(s0, floor[0]), t1 = step(s1, floor[1]), t2 = step(s2, floor[2]), t3 = step(s3, floor[3])
    i = 0
    while i < n {
        (F8.load(x + i) + F8.load(normals + i) * t0).store(x + i)
        (F8.load(y + i) + F8.load(normals + n + i) * t1).store(y + i)
        (F8.load(vx + i) + F8.load(normals + 2 * n + i) * t2).store(vx + i)
        (F8.load(vy + i) + F8.load(normals + 3 * n + i) * t3).store(vy + i)
        i += 8
    }
}

// MARK: 2. amplitude prediction (docs/MODEL.md §B.3 step 2)

/// u ← |u + max(σ_abs, σ_rel u) ε| with probability 1 − q, else a birth u ~ U[u_de, u_bmax], in place.
/// `normals` holds N standard normals ε, `uniforms` N uniforms U in (0, 1]; a particle is born iff U < q and then
/// takes u_de + (u_bmax − u_de) · U/q (U/q is again uniform on (0, 1)).
func predictAmplitude(_ u: UnsafeMutablePointer<Float>, count n: Int, normals: UnsafePointer<Float>,
                      uniforms: UnsafePointer<Float>, birthProbability q: Float, randomWalkRelative: Float,
                      randomWalkAbsolute: Float, detectionThreshold: Float, maxAmplitude: Float) {
    let span = (maxAmplitude - detectionThreshold) / q
    let floorStd = F8(randomWalkAbsolute)
    var i = 0
    while i < n {
        let ui = F8.load(u + i)
        let sd = vmax(ui * randomWalkRelative, floorStd)
        let walked = vabs(ui + sd * F8.load(normals + i))
        let uniform = F8.load(uniforms + i)
        let born = uniform * span + detectionThreshold
        (walked.replacing(with: born, where: uniform < q)).store(u + i)
        i += 8
    }
}

// MARK: 3. log pseudo-likelihood log β (docs/MODEL.md §B.1, eq. B1)

/// Constants of the per-particle likelihood, Float32.
struct LikelihoodConstants {
    /// Panel position, metres.
    var panelX: Float, panelY: Float
    /// u²/(2 σ_d² u²)⁻¹ factors: ad = u² · distancePrecisionHalf, ap = u² · aoaPrecisionHalf.
    var distancePrecisionHalf: Float, aoaPrecisionHalf: Float
    /// 1/(2σ_u²).
    var amplitudePrecisionHalf: Float
    /// u_de.
    var detectionThreshold: Float
}

/// A measurement count known at compile time, so that the likelihood kernel is specialised (unrolled) per M.
protocol MeasurementCount { static var value: Int { get } }
enum RuntimeCount: MeasurementCount { static var value: Int { -1 } }
enum Count0: MeasurementCount { static var value: Int { 0 } }
enum Count1: MeasurementCount { static var value: Int { 1 } }
enum Count2: MeasurementCount { static var value: Int { 2 } }
enum Count3: MeasurementCount { static var value: Int { 3 } }
enum Count4: MeasurementCount { static var value: Int { 4 } }
enum Count5: MeasurementCount { static var value: Int { 5 } }
enum Count6: MeasurementCount { static var value: Int { 6 } }
enum Count7: MeasurementCount { static var value: Int { 7 } }
enum Count8: MeasurementCount { static var value: Int { 8 } }

/// log β^(i) for every particle: logsumexp(log(1 − p_d(u)), ℓ_1 … ℓ_M), with
/// ℓ_m = c_m + 2 ln u − u²(z_d − d)²/(2k_d) − u² wrap(z_φ − φ)²/(2k_φ) − (z_u − u)²/(2σ_u²),
/// where c_m = −(3/2) ln 2π − ½ ln k_d − ½ ln k_φ − ½ ln σ_u² − ln(μ_c f_c(z_m)) is precomputed per measurement.
/// `terms` holds, per measurement, z_d, z_φ, z_u and c_m each replicated eight times (``MeasurementTerms``);
/// ℓ_m of the sixteen current particles go to `ellScratch` (16M floats) between the max pass and the exp pass.
/// The particle count must be a multiple of 16.
/// `Count` fixes M at compile time (``RuntimeCount`` takes `runtimeCount`).
func logPseudoLikelihoodKernel<Count: MeasurementCount>(
    _: Count.Type, runtimeCount: Int, count n: Int,
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
    out: UnsafeMutablePointer<Float>, constants k: LikelihoodConstants,
    terms: UnsafePointer<Float>, ellScratch: UnsafeMutablePointer<Float>
) {
    typealias V = F16   // two interleaved 8-lane chains: hides the latency of the polynomial chains
    let mCount = Count.value >= 0 ? Count.value : runtimeCount
    let twoPi = V(2 * Float.pi)
    var i = 0
    while i < n {
        let dx = V.load(x + i) - k.panelX, dy = V.load(y + i) - k.panelY
        let d = vsqrt(dx * dx + dy * dy)
        let phi = vatan2(dy, dx)
        let u = V.load(amplitude + i)
        let u2 = u * u
        let ad = u2 * k.distancePrecisionHalf, ap = u2 * k.aoaPrecisionHalf
        let logU2 = vlog(u) * 2
        let logMiss = vlogHalfErfc(u - k.detectionThreshold)

        var top = logMiss
        for m in 0..<mCount {
            let row = terms + MeasurementTerms.stride * m
            let ed = V.loadRepeating8(row) - d
            var ep = V.loadRepeating8(row + 8) - phi
            ep = ep.replacing(with: ep - twoPi, where: ep >= Float.pi)
            ep = ep.replacing(with: ep + twoPi, where: ep < -Float.pi)
            let eu = V.loadRepeating8(row + 16) - u
            // 1/(2σ_u²) = 1 for σ_u² = ½ (PanelModel.amplitudeVariance)
            let ell = (logU2 + V.loadRepeating8(row + 24)) - ad * (ed * ed) - ap * (ep * ep) - eu * eu
            ell.store(ellScratch + V.width * m)
            top = vmax(top, ell)
        }
        var sum = vexp(logMiss - top)
        for m in 0..<mCount { sum += vexp(V.load(ellScratch + V.width * m) - top) }
        (top + vlog(sum)).store(out + i)
        i += V.width
    }
}

/// Layout of the per-measurement terms: row m is z_d, z_φ, z_u, c_m, each replicated eight times.
enum MeasurementTerms {
    static let stride = 32
}

/// Dispatches to a copy of the kernel specialised for M = 0…8, the run-time-M copy otherwise.
func logPseudoLikelihood(measurementCount m: Int, count n: Int,
                         x: UnsafePointer<Float>, y: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                         out: UnsafeMutablePointer<Float>, constants: LikelihoodConstants,
                         terms: UnsafePointer<Float>, ellScratch: UnsafeMutablePointer<Float>) {
    precondition(constants.amplitudePrecisionHalf == 1, "the kernel assumes σ_u² = ½")
    precondition(n % 16 == 0, "the particle count must be a multiple of 16")
    func run<C: MeasurementCount>(_ c: C.Type) {
        logPseudoLikelihoodKernel(c, runtimeCount: m, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                  constants: constants, terms: terms, ellScratch: ellScratch)
    }
    switch m {
    case 0: run(Count0.self)
    case 1: run(Count1.self)
    case 2: run(Count2.self)
    case 3: run(Count3.self)
    case 4: run(Count4.self)
    case 5: run(Count5.self)
    case 6: run(Count6.self)
    case 7: run(Count7.self)
    case 8: run(Count8.self)
    default: run(RuntimeCount.self)
    }
}

// MARK: 4. posterior: agent weights, MMSE estimate, existence, amplitude weights (docs/MODEL.md §B.3 steps 4–8)

/// Sums over particles produced by ``posteriorWeights``.
struct PosteriorSums {
    /// max_i log β^(i).
    var maxLogBeta: Float
    /// Σ_i exp(log β^(i) − max): the amplitude weights' total.
    var amplitudeWeightSum: Float
    /// Σ_i exp(log β^(i) − max) · u^(i).
    var amplitudeWeightedSum: Float
    /// Σ_i w^(i) (agent weights, scaled so that the largest is about 1) and Σ_i (w^(i))².
    var agentWeightSum: Float, agentWeightSquares: Float
    /// Σ_i w^(i) (x^(i) − x^(0)) per coordinate.
    var weightedOffsets: SIMD4<Float>
    /// x^(0): the origin of the offsets.
    var origin: SIMD4<Float>
    /// max_i log ξ^(i): the agent weights are w^(i) = ξ^(i) / exp(maxLogXi), so log Σ ξ = maxLogXi + log Σ w.
    var maxLogXi: Float = 0
}

/// Writes the amplitude weights wb_i = exp(log β_i − max log β) and the agent weights
/// w_i ∝ ξ_i = p_e⁻ β_i + (1 − p_e⁻) (eq. 6) as w_i = c₁ wb_i + c₂, and accumulates the sums for the
/// MMSE estimate (eq. 1), the existence update (eq. 9) and û (eq. 2).
func posteriorWeights(logBeta: UnsafePointer<Float>, count n: Int, predictedExistence: Double,
                      x: UnsafePointer<Float>, y: UnsafePointer<Float>, vx: UnsafePointer<Float>,
                      vy: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                      agentWeights w: UnsafeMutablePointer<Float>,
                      amplitudeWeights wb: UnsafeMutablePointer<Float>) -> PosteriorSums {
    precondition(n % 16 == 0, "the particle count must be a multiple of 16")
    typealias V = F16
    var top16 = V(-.greatestFiniteMagnitude)
    var i = 0
    while i < n { top16 = vmax(top16, V.load(logBeta + i)); i += V.width }
    let top = top16.laneMax

    // log ξ_i = logaddexp(log p_e⁻ + log β_i, log(1 − p_e⁻)); its maximum is at max log β (monotone)
    let logAlive = logScalar(Float(predictedExistence)) + top
    let logDead = logScalar(Float(1 - predictedExistence))
    let high = logAlive > logDead ? logAlive : logDead
    let low = logAlive > logDead ? logDead : logAlive
    let logTop = high + logScalar(1 + expScalar(low - high))
    let c1 = V(expScalar(logAlive - logTop)), c2 = V(expScalar(logDead - logTop))

    // one pass: wb_i, then w_i from it (c₁, c₂ need only the maximum)
    let origin = SIMD4<Float>(x[0], y[0], vx[0], vy[0])
    var sumB = V.zero, sumBU = V.zero
    var sumW = V.zero, sumW2 = V.zero
    var sx = V.zero, sy = V.zero, svx = V.zero, svy = V.zero
    i = 0
    while i < n {
        let e = vexp(V.load(logBeta + i) - top)
        e.store(wb + i)
        sumB += e
        sumBU += e * V.load(amplitude + i)
        let wi = e * c1 + c2
        wi.store(w + i)
        sumW += wi
        sumW2 += wi * wi
        sx += wi * (V.load(x + i) - origin[0])
        sy += wi * (V.load(y + i) - origin[1])
        svx += wi * (V.load(vx + i) - origin[2])
        svy += wi * (V.load(vy + i) - origin[3])
        i += V.width
    }
    return PosteriorSums(
        maxLogBeta: top, amplitudeWeightSum: sumB.laneSum, amplitudeWeightedSum: sumBU.laneSum,
        agentWeightSum: sumW.laneSum, agentWeightSquares: sumW2.laneSum,
        weightedOffsets: SIMD4(sx.laneSum, sy.laneSum, svx.laneSum, svy.laneSum),
        origin: origin, maxLogXi: logTop)
}

// MARK: 5. systematic resampling (docs/MODEL.md §B.4), branch-free

/// Ancestor indices of systematic resampling: idx_i = min{k : Q_k > (i + U)/N}, Q_k = C_k / C_{N−1} with
/// C = cumsum(w) and Q_{N−1} = 1.
///
/// Branch-free: F_k = #{i : (i + U)/N < Q_k} = clamp(⌈N Q_k − U⌉, 0, N) is computed for all k at once; output
/// i takes particle k iff F_{k−1} ≤ i < F_k, which a scatter of each k to position F_{k−1} followed by a
/// running maximum produces. A zero-weight particle has F_k = F_{k−1} and is never selected.
/// - Parameters:
///   - weights: N non-negative weights, not all zero (any N ≥ 1; the SIMD loops take N a multiple of 8).
///   - cumulative: scratch for N floats.
///   - marks: scratch for N integers.
///   - ancestors: output, N + 1 integers (the last is scratch).
func systematicResamplingIndices(weights: UnsafePointer<Float>, count n: Int, offset: Float,
                                 cumulative: UnsafeMutablePointer<Float>, marks: UnsafeMutablePointer<Int32>,
                                 ancestors: UnsafeMutablePointer<Int32>) {
    let body = n & ~7                       // SIMD part; a scalar tail handles n not a multiple of 8
    var carry = F8.zero
    var i = 0
    while i < body {
        let s = F8.load(weights + i).inclusivePrefixSum + carry
        s.store(cumulative + i)
        carry = F8(s[7])
        i += 8
    }
    var running = carry[0]
    while i < n { running += weights[i]; cumulative[i] = running; i += 1 }
    let scale = Float(n) / cumulative[n - 1]
    let upper = F8(Float(n))
    i = 0
    while i < body {
        let t = F8.load(cumulative + i) * scale - offset
        let r = vroundNearest(t)
        let ceiling = vmin(vmax(r.replacing(with: r + 1, where: r < t), .zero), upper)
        vroundedToInt(ceiling).store(marks + i)
        i += 8
    }
    while i < n {   // the same arithmetic, one lane at a time
        let t = cumulative[i] * scale - offset
        let r = (t + roundingMagic) - roundingMagic
        let ceiling = min(max(r < t ? r + 1 : r, 0), Float(n))
        marks[i] = Int32(ceiling)
        i += 1
    }
    marks[n - 1] = Int32(n)
    ancestors.update(repeating: 0, count: n + 1)
    var start: Int32 = 0
    for k in 0..<n {
        ancestors[Int(start)] = Int32(truncatingIfNeeded: k)
        start = marks[k]
    }
    runningMaximum(ancestors, count: n)
}

/// a[j] ← max(a[0], …, a[j]) in place, for non-negative values: eight lanes at a time (in-register prefix maximum,
/// then the maximum with the previous group's last lane). The scalar loop's select became data-dependent branches
/// (LLVM's cmov-to-branch conversion), which mispredict on resampling's random run lengths.
@inline(__always)
func runningMaximum(_ a: UnsafeMutablePointer<Int32>, count n: Int) {
    typealias V = SIMD8<Int32>
    @_transparent func maximum(_ x: V, _ y: V) -> V { x.replacing(with: y, where: y .> x) }
    var carry = V.zero
    var j = 0
    while j + 8 <= n {
        let raw = UnsafeMutableRawPointer(a + j)
        var s = raw.loadUnaligned(as: V.self)
        s = maximum(s, V(0, s[0], s[1], s[2], s[3], s[4], s[5], s[6]))
        s = maximum(s, V(0, 0, s[0], s[1], s[2], s[3], s[4], s[5]))
        s = maximum(s, V(0, 0, 0, 0, s[0], s[1], s[2], s[3]))
        s = maximum(s, carry)
        raw.storeBytes(of: s, as: V.self)
        carry = V(repeating: s[7])
        j += 8
    }
    var latest = carry[0]
    while j < n {
        let value = a[j]
        latest = value > latest ? value : latest
        a[j] = latest
        j += 1
    }
}

/// destination[i] = source[ancestors[i]] for i < N.
@inline(__always)
func gather(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
            ancestors: UnsafePointer<Int32>, count n: Int) {
    for i in 0..<n { destination[i] = source[Int(ancestors[i])] }
}
