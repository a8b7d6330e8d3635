// MPCKernels: the Float32 SIMD loops of the Loca-MPC panel update (per-feature log ratios, reductions, weights).
//
// Same conventions as PanelKernels.swift: raw pointers into contiguous buffers, sixteen particles per iteration
// (``F16``: two interleaved eight-lane chains), particle counts multiples of 16, no allocation, no libm (the
// lane math of SIMDMath.swift only).

/// The map from v = p − q_k to the vector whose atan2 is the feature's AoA at the panel (docs/MODEL.md §C.1): the
/// identity for the LoS, the reflection 2t̂t̂ᵀ − I across the wall direction t̂ for a virtual anchor.
/// Row-major (a11, a12, a21, a22).
typealias AngleMap = SIMD4<Float>

/// Per-feature log ratios of docs/MODEL.md §C.2 for every particle, stored (not summed):
///
///   logMiss[i] = log b_k^(i)(0) = log(1 − p_d(u_i)),
///   ratios[m·N + i] = log b_k^(i)(m) = c_m + 2 ln u − u²(z_d − d_k)²/(2k_d) − u² wrap(z_φ − φ_k)²/(2k_φ)
///                                      − (z_u − u)²/(2σ_u²),
///
/// with d_k = ‖p − q_k‖, φ_k = atan2(A (p − q_k)) (A = `angleMap`, q_k = (constants.panelX, constants.panelY)),
/// and z_d, z_φ, z_u, c_m of every measurement in the ``MeasurementTerms`` layout of ``fillMeasurementTerms``
/// (clutter intensity with μ_mpc = 0). The expression and its evaluation order are those of
/// ``logPseudoLikelihoodKernel`` (Loca-LoS), so for the LoS feature (A = I) every ℓ_m is bit-identical to the one
/// that kernel sums. Like that kernel it assumes σ_u² = ½.
func featureLogRatios(measurementCount mCount: Int, count n: Int,
                      x: UnsafePointer<Float>, y: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                      constants k: LikelihoodConstants, angleMap a: AngleMap, terms: UnsafePointer<Float>,
                      logMiss: UnsafeMutablePointer<Float>, ratios: UnsafeMutablePointer<Float>) {
    precondition(k.amplitudePrecisionHalf == 1, "the kernel assumes σ_u² = ½")
    precondition(n % 16 == 0, "the particle count must be a multiple of 16")
    typealias V = F16
    let twoPi = V(2 * Float.pi)
    var i = 0
    while i < n {
        let ex = V.load(x + i) - k.panelX, ey = V.load(y + i) - k.panelY
        let dx = ex * a[0] + ey * a[1], dy = ex * a[2] + ey * a[3]
        let d = vsqrt(dx * dx + dy * dy)
        let phi = vatan2(dy, dx)
        let u = V.load(amplitude + i)
        let u2 = u * u
        let ad = u2 * k.distancePrecisionHalf, ap = u2 * k.aoaPrecisionHalf
        let logU2 = vlog(u) * 2
        vlogHalfErfc(u - k.detectionThreshold).store(logMiss + i)
        for m in 0..<mCount {
            let row = terms + MeasurementTerms.stride * m
            let ed = V.loadRepeating8(row) - d
            var ep = V.loadRepeating8(row + 8) - phi
            ep = ep.replacing(with: ep - twoPi, where: ep >= Float.pi)
            ep = ep.replacing(with: ep + twoPi, where: ep < -Float.pi)
            let eu = V.loadRepeating8(row + 16) - u
            let ell = (logU2 + V.loadRepeating8(row + 24)) - ad * (ed * ed) - ap * (ep * ep) - eu * eu
            ell.store(ratios + m * n + i)
        }
        i += V.width
    }
}

/// (max_i v_i, Σ_i exp(v_i − max)) of N values: log Σ_i e^{v_i} = max + log(sum). The sum is ≥ 1.
@inline(__always)
func maxAndScaledSum(_ values: UnsafePointer<Float>, count n: Int) -> (top: Float, sum: Float) {
    typealias V = F16
    var top16 = V(-.greatestFiniteMagnitude)
    var i = 0
    while i < n { top16 = vmax(top16, V.load(values + i)); i += V.width }
    let top = top16.laneMax
    var sum = V.zero
    i = 0
    while i < n { sum += vexp(V.load(values + i) - top); i += V.width }
    return (top, sum.laneSum)
}

/// (max_i v_i, Σ_i exp(v_i − max), Σ_i exp(v_i − max) u_i) of N values with amplitudes u: log Σ_i e^{v_i} = max +
/// log(sum), log Σ_i e^{v_i} u_i = max + log(weightedSum). The same lanes and order as ``maxAndScaledSum`` for `sum`.
@inline(__always)
func maxAndScaledSums(_ values: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                      count n: Int) -> (top: Float, sum: Float, weightedSum: Float) {
    typealias V = F16
    var top16 = V(-.greatestFiniteMagnitude)
    var i = 0
    while i < n { top16 = vmax(top16, V.load(values + i)); i += V.width }
    let top = top16.laneMax
    var sum = V.zero, weighted = V.zero
    i = 0
    while i < n {
        let w = vexp(V.load(values + i) - top)
        sum += w
        weighted += w * V.load(amplitude + i)
        i += V.width
    }
    return (top, sum.laneSum, weighted.laneSum)
}

/// log w_k^(i) = logsumexp(log b_k^(i)(0), {log b_k^(i)(m) + log ν_{m→k}}_m) (docs/MODEL.md §C.3 step 4), written over
/// `logMiss` in place. `logMessages` holds the M Float32 values log ν_{m→k} of this feature. With all
/// log ν = 0 this is the Loca-LoS log β with the same operations in the same order (max first, then the sum
/// of exponentials from the miss term on).
func featureLogWeights(measurementCount mCount: Int, count n: Int, logMiss: UnsafeMutablePointer<Float>,
                       ratios: UnsafePointer<Float>, logMessages: UnsafePointer<Float>) {
    typealias V = F16
    var i = 0
    while i < n {
        let miss = V.load(logMiss + i)
        var top = miss
        for m in 0..<mCount { top = vmax(top, V.load(ratios + m * n + i) + logMessages[m]) }
        var sum = vexp(miss - top)
        for m in 0..<mCount { sum += vexp((V.load(ratios + m * n + i) + logMessages[m]) - top) }
        (top + vlog(sum)).store(logMiss + i)
        i += V.width
    }
}

/// logXi[i] (+)= log ξ_k^(i) = logaddexp(log p_e,k⁻ + log w_k^(i), log(1 − p_e,k⁻)) (docs/MODEL.md §C.3 step 3): the
/// panel's log message to the agent is the sum over features. `first` writes instead of adding.
func accumulateFeatureMessage(logWeights: UnsafePointer<Float>, count n: Int, logAlive: Float, logDead: Float,
                              into logXi: UnsafeMutablePointer<Float>, first: Bool) {
    typealias V = F16
    let dead = V(logDead)
    var i = 0
    while i < n {
        let alive = V.load(logWeights + i) + logAlive
        let high = vmax(alive, dead), low = vmin(alive, dead)
        let term = high + vlog(vexp(low - high) + 1)
        (first ? term : V.load(logXi + i) + term).store(logXi + i)
        i += V.width
    }
}

/// weights[i] = exp(v_i − max v) (the largest is 1); returns max v, Σ weights and Σ weights·u_i. The same
/// lanes and summation order as the amplitude weights of ``posteriorWeights``.
func exponentiatedWeights(_ values: UnsafePointer<Float>, count n: Int, amplitude: UnsafePointer<Float>,
                          weights: UnsafeMutablePointer<Float>) -> (top: Float, sum: Float, weightedSum: Float) {
    typealias V = F16
    var top16 = V(-.greatestFiniteMagnitude)
    var i = 0
    while i < n { top16 = vmax(top16, V.load(values + i)); i += V.width }
    let top = top16.laneMax
    var sum = V.zero, weighted = V.zero
    i = 0
    while i < n {
        let w = vexp(V.load(values + i) - top)
        w.store(weights + i)
        sum += w
        weighted += w * V.load(amplitude + i)
        i += V.width
    }
    return (top, sum.laneSum, weighted.laneSum)
}

/// Agent weights w_i = exp(log ξ_i − max log ξ) and the sums for the MMSE estimate (eq. 1) and the effective
/// sample size: Σ w, Σ w², Σ w (x − x^(0)) per coordinate, and max log ξ (log Σ ξ = top + log Σ w).
func agentWeights(logXi: UnsafePointer<Float>, count n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                  vx: UnsafePointer<Float>, vy: UnsafePointer<Float>,
                  weights: UnsafeMutablePointer<Float>) -> (sum: Float, squares: Float, offsets: SIMD4<Float>,
                                                            origin: SIMD4<Float>, top: Float) {
    typealias V = F16
    var top16 = V(-.greatestFiniteMagnitude)
    var i = 0
    while i < n { top16 = vmax(top16, V.load(logXi + i)); i += V.width }
    let top = top16.laneMax
    let origin = SIMD4<Float>(x[0], y[0], vx[0], vy[0])
    var sumW = V.zero, sumW2 = V.zero
    var sx = V.zero, sy = V.zero, svx = V.zero, svy = V.zero
    i = 0
    while i < n {
        let w = vexp(V.load(logXi + i) - top)
        w.store(weights + i)
        sumW += w
        sumW2 += w * w
        sx += w * (V.load(x + i) - origin[0])
        sy += w * (V.load(y + i) - origin[1])
        svx += w * (V.load(vx + i) - origin[2])
        svy += w * (V.load(vy + i) - origin[3])
        i += V.width
    }
    return (sumW.laneSum, sumW2.laneSum, SIMD4(sx.laneSum, sy.laneSum, svx.laneSum, svy.laneSum), origin, top)
}

extension BulkRandomStream {
    /// Word `index` of the stream (in the fill layout, as ``fillWords(_:count:)`` would write it) as a uniform in
    /// [0, 1) with 24 random bits: (w >> 8) · 2^−24. Index 0 equals ``firstUniformClosedOpen()``.
    func uniformClosedOpen(word index: Int) -> Float {
        let group = index / 32, within = index % 32
        let words = blocks8(from: UInt32(truncatingIfNeeded: 8 * group))
        let lane = within % 8
        let w: Int32
        switch within / 8 {
        case 0: w = words.0.simd[lane]
        case 1: w = words.1.simd[lane]
        case 2: w = words.2.simd[lane]
        default: w = words.3.simd[lane]
        }
        return Float(UInt32(bitPattern: w) >> 8) * 0x1.0p-24
    }
}
