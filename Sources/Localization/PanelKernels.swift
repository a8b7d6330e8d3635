// PanelKernels: the Float32 SIMD hot loops of one panel update (prediction, likelihood, posterior, resampling).
//
// Each kernel works on raw pointers into contiguous structure-of-arrays buffers, eight particles per iteration;
// particle counts are multiples of 16. Nothing here allocates, reads a clock or touches global state.

// MARK: 1. agent prediction (spec §B.1, §B.3 step 1)

/// Constant-velocity prediction x ← A x + W a, a ~ N(0, σ_a² I), in place. `normals` holds 2N standard normals
/// (a_x = normals[i], a_y = normals[N + i]).
func predictConstantVelocity(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                             vx: UnsafeMutablePointer<Float>, vy: UnsafeMutablePointer<Float>, count n: Int,
                             normals: UnsafePointer<Float>, interval dt: Float, accelerationStd: Float) {
    let h = 0.5 * dt * dt * accelerationStd, s = dt * accelerationStd
    var i = 0
    while i < n {
        let ax = load8(normals, i), ay = load8(normals, n + i)
        let vxi = load8(vx, i), vyi = load8(vy, i)
        store8(load8(x, i) + vxi * dt + ax * h, x, i)
        store8(load8(y, i) + vyi * dt + ay * h, y, i)
        store8(vxi + ax * s, vx, i)
        store8(vyi + ay * s, vy, i)
        i += 8
    }
}

/// Standard deviation (1/N normalization) of one coordinate, two-pass with an offset for accuracy in Float32.
@inline(__always)
func standardDeviation(_ values: UnsafePointer<Float>, count n: Int) -> Float {
    let origin = values[0]
    var sum = Float8.zero
    var i = 0
    while i < n { sum += load8(values, i) - origin; i += 8 }
    let mean = origin + horizontalSum8(sum) / Float(n)
    var squares = Float8.zero
    i = 0
    while i < n { let d = load8(values, i) - mean; squares += d * d; i += 8 }
    return sqrt8(Float8(repeating: horizontalSum8(squares) / Float(n)))[0]
}

/// Regularization of one coordinate: x ← x + s·g, s = max(h · std(x), floor) (spec §B.1), in place.
/// `normals` holds N standard normals g.
func regularizeCoordinate(_ values: UnsafeMutablePointer<Float>, count n: Int, normals: UnsafePointer<Float>,
                          factor: Float, floor: Float) {
    let spread = factor * standardDeviation(values, count: n)
    let s = spread > floor ? spread : floor
    var i = 0
    while i < n { store8(load8(values, i) + load8(normals, i) * s, values, i); i += 8 }
}

// MARK: 2. amplitude prediction (spec §B.3 step 2)

/// u ← |u + max(σ_abs, σ_rel u) ε| with probability 1 − q, else a birth u ~ U[u_de, u_bmax], in place.
/// `normals` holds N standard normals ε, `uniforms` N uniforms U in (0, 1]; a particle is born iff U < q and then
/// takes u_de + (u_bmax − u_de) · U/q (U/q is again uniform on (0, 1)).
func predictAmplitude(_ u: UnsafeMutablePointer<Float>, count n: Int, normals: UnsafePointer<Float>,
                      uniforms: UnsafePointer<Float>, birthProbability q: Float, randomWalkRelative: Float,
                      randomWalkAbsolute: Float, detectionThreshold: Float, maxAmplitude: Float) {
    let span = (maxAmplitude - detectionThreshold) / q
    let floorStd = Float8(repeating: randomWalkAbsolute)
    var i = 0
    while i < n {
        let ui = load8(u, i)
        let sd = max8(ui * randomWalkRelative, floorStd)
        let walked = abs8(ui + sd * load8(normals, i))
        let uniform = load8(uniforms, i)
        let born = uniform * span + detectionThreshold
        store8(walked.replacing(with: born, where: uniform .< q), u, i)
        i += 8
    }
}

// MARK: 3. log pseudo-likelihood log β (spec §B.1, eq. B1)

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

/// log β^(i) for every particle: logsumexp(log(1 − p_d(u)), ℓ_1 … ℓ_M), with
/// ℓ_m = c_m + 2 ln u − u²(z_d − d)²/(2k_d) − u² wrap(z_φ − φ)²/(2k_φ) − (z_u − u)²/(2σ_u²),
/// where c_m = −(3/2) ln 2π − ½ ln k_d − ½ ln k_φ − ½ ln σ_u² − ln(μ_c f_c(z_m)) is precomputed per measurement.
/// Two passes over m (max, then sum of exponentials) recompute ℓ_m instead of storing it.
@inline(__always)
func logPseudoLikelihoodKernel(measurementCount mCount: Int, count n: Int,
                               x: UnsafePointer<Float>, y: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                               out: UnsafeMutablePointer<Float>, constants k: LikelihoodConstants,
                               distance zd: UnsafePointer<Float>, aoa zp: UnsafePointer<Float>,
                               measuredAmplitude zu: UnsafePointer<Float>, offset cm: UnsafePointer<Float>) {
    let twoPi = Float8(repeating: 2 * Float.pi)
    var i = 0
    while i < n {
        let dx = load8(x, i) - k.panelX, dy = load8(y, i) - k.panelY
        let d = sqrt8(dx * dx + dy * dy)
        let phi = atan2_8(dy, dx)
        let u = load8(amplitude, i)
        let u2 = u * u
        let ad = u2 * k.distancePrecisionHalf, ap = u2 * k.aoaPrecisionHalf
        let logU2 = log8(u) * 2
        let logMiss = logHalfErfc8(u - k.detectionThreshold)

        @inline(__always) func ell(_ m: Int) -> Float8 {
            let ed = zd[m] - d
            var ep = zp[m] - phi
            ep = ep.replacing(with: ep - twoPi, where: ep .>= Float.pi)
            ep = ep.replacing(with: ep + twoPi, where: ep .< -Float.pi)
            let eu = zu[m] - u
            return (logU2 + cm[m]) - ad * (ed * ed) - ap * (ep * ep) - (eu * eu) * k.amplitudePrecisionHalf
        }

        var top = logMiss
        for m in 0..<mCount { top = max8(top, ell(m)) }
        var sum = exp8(logMiss - top)
        for m in 0..<mCount { sum += exp8(ell(m) - top) }
        store8(top + log8(sum), out, i)
        i += 8
    }
}

/// Dispatches to a copy of the kernel specialised (unrolled) for M = 0…8, the generic loop otherwise.
func logPseudoLikelihood(measurementCount m: Int, count n: Int,
                         x: UnsafePointer<Float>, y: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                         out: UnsafeMutablePointer<Float>, constants: LikelihoodConstants,
                         distance zd: UnsafePointer<Float>, aoa zp: UnsafePointer<Float>,
                         measuredAmplitude zu: UnsafePointer<Float>, offset cm: UnsafePointer<Float>) {
    switch m {
    case 0: logPseudoLikelihoodKernel(measurementCount: 0, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 1: logPseudoLikelihoodKernel(measurementCount: 1, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 2: logPseudoLikelihoodKernel(measurementCount: 2, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 3: logPseudoLikelihoodKernel(measurementCount: 3, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 4: logPseudoLikelihoodKernel(measurementCount: 4, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 5: logPseudoLikelihoodKernel(measurementCount: 5, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 6: logPseudoLikelihoodKernel(measurementCount: 6, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 7: logPseudoLikelihoodKernel(measurementCount: 7, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    case 8: logPseudoLikelihoodKernel(measurementCount: 8, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                      constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    default: logPseudoLikelihoodKernel(measurementCount: m, count: n, x: x, y: y, amplitude: amplitude, out: out,
                                       constants: constants, distance: zd, aoa: zp, measuredAmplitude: zu, offset: cm)
    }
}

// MARK: 4. posterior: agent weights, MMSE estimate, existence, amplitude weights (spec §B.3 steps 4–8)

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
}

/// Writes the amplitude weights wb_i = exp(log β_i − max log β) and the agent weights
/// w_i ∝ ξ_i = p_e⁻ β_i + (1 − p_e⁻) (eq. 6) as w_i = c₁ wb_i + c₂, and accumulates the sums for the
/// MMSE estimate (eq. 1), the existence update (eq. 9) and û (eq. 2).
func posteriorWeights(logBeta: UnsafePointer<Float>, count n: Int, predictedExistence: Double,
                      x: UnsafePointer<Float>, y: UnsafePointer<Float>, vx: UnsafePointer<Float>,
                      vy: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                      agentWeights w: UnsafeMutablePointer<Float>,
                      amplitudeWeights wb: UnsafeMutablePointer<Float>) -> PosteriorSums {
    var top8 = Float8(repeating: -.greatestFiniteMagnitude)
    var i = 0
    while i < n { top8 = max8(top8, load8(logBeta, i)); i += 8 }
    let top = horizontalMax8(top8)

    var sumB = Float8.zero, sumBU = Float8.zero
    i = 0
    while i < n {
        let e = exp8(load8(logBeta, i) - top)
        store8(e, wb, i)
        sumB += e
        sumBU += e * load8(amplitude, i)
        i += 8
    }

    // log ξ_i = logaddexp(log p_e⁻ + log β_i, log(1 − p_e⁻)); its maximum is at max log β (monotone)
    let logAlive = logScalar(Float(predictedExistence)) + top
    let logDead = logScalar(Float(1 - predictedExistence))
    let high = logAlive > logDead ? logAlive : logDead
    let low = logAlive > logDead ? logDead : logAlive
    let logTop = high + logScalar(1 + expScalar(low - high))
    let c1 = Float8(repeating: expScalar(logAlive - logTop)), c2 = Float8(repeating: expScalar(logDead - logTop))

    let origin = SIMD4<Float>(x[0], y[0], vx[0], vy[0])
    var sumW = Float8.zero, sumW2 = Float8.zero
    var sx = Float8.zero, sy = Float8.zero, svx = Float8.zero, svy = Float8.zero
    i = 0
    while i < n {
        let wi = load8(wb, i) * c1 + c2
        store8(wi, w, i)
        sumW += wi
        sumW2 += wi * wi
        sx += wi * (load8(x, i) - origin[0])
        sy += wi * (load8(y, i) - origin[1])
        svx += wi * (load8(vx, i) - origin[2])
        svy += wi * (load8(vy, i) - origin[3])
        i += 8
    }
    return PosteriorSums(
        maxLogBeta: top, amplitudeWeightSum: horizontalSum8(sumB), amplitudeWeightedSum: horizontalSum8(sumBU),
        agentWeightSum: horizontalSum8(sumW), agentWeightSquares: horizontalSum8(sumW2),
        weightedOffsets: SIMD4(horizontalSum8(sx), horizontalSum8(sy), horizontalSum8(svx), horizontalSum8(svy)),
        origin: origin)
}

// MARK: 5. systematic resampling (spec §B.4), branch-free

/// Inclusive prefix sum of eight lanes.
@inline(__always)
func prefixSum8(_ v: Float8) -> Float8 {
    var s = v
    s += Float8(0, s[0], s[1], s[2], s[3], s[4], s[5], s[6])
    s += Float8(0, 0, s[0], s[1], s[2], s[3], s[4], s[5])
    s += Float8(0, 0, 0, 0, s[0], s[1], s[2], s[3])
    return s
}

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
    var carry = Float8.zero
    var i = 0
    while i < body {
        let s = prefixSum8(load8(weights, i)) + carry
        store8(s, cumulative, i)
        carry = Float8(repeating: s[7])
        i += 8
    }
    var running = carry[0]
    while i < n { running += weights[i]; cumulative[i] = running; i += 1 }
    let scale = Float(n) / cumulative[n - 1]
    let upper = Float8(repeating: Float(n))
    let magicBits = unsafeBitCast(Float8(repeating: roundingMagic), to: SIMD8<Int32>.self)
    i = 0
    while i < n {
        // lanes past n (tail) are computed on a copy and not stored
        var c = Float8.zero
        if i + 8 <= n { c = load8(cumulative, i) } else { for l in 0..<(n - i) { c[l] = cumulative[i + l] } }
        let t = c * scale - offset
        let r = roundNearest8(t)
        var ceiling = r.replacing(with: r + 1, where: r .< t)
        ceiling = min8(max8(ceiling, .zero), upper)
        let counts = unsafeBitCast(ceiling + roundingMagic, to: SIMD8<Int32>.self) &- magicBits
        if i + 8 <= n {
            UnsafeMutableRawPointer(marks + i).storeBytes(of: counts, as: SIMD8<Int32>.self)
        } else {
            for l in 0..<(n - i) { marks[i + l] = counts[l] }
        }
        i += 8
    }
    marks[n - 1] = Int32(n)
    ancestors.update(repeating: 0, count: n + 1)
    var start: Int32 = 0
    for k in 0..<n {
        ancestors[Int(start)] = Int32(truncatingIfNeeded: k)
        start = marks[k]
    }
    var latest: Int32 = 0
    for j in 0..<n {
        let a = ancestors[j]
        latest = a > latest ? a : latest
        ancestors[j] = latest
    }
}

/// destination[i] = source[ancestors[i]] for i < N.
@inline(__always)
func gather(_ source: UnsafePointer<Float>, _ destination: UnsafeMutablePointer<Float>,
            ancestors: UnsafePointer<Int32>, count n: Int) {
    for i in 0..<n { destination[i] = source[Int(ancestors[i])] }
}
