// MPCKernels: the Float32 SIMD loops of the Loca-MPC panel update (per-feature log ratios, reductions, weights).
//
// Same conventions as PanelKernels.swift: raw pointers into contiguous buffers, eight particles per iteration,
// particle counts multiples of 16, no allocation, no libm (the SIMDMath.swift functions only).

/// The map from v = p − q_k to the vector whose atan2 is the feature's AoA at the panel (spec §C.1): the
/// identity for the LoS, the reflection 2t̂t̂ᵀ − I across the wall direction t̂ for a virtual anchor.
/// Row-major (a11, a12, a21, a22).
typealias AngleMap = SIMD4<Float>

/// Per-feature log ratios of spec §C.2 for every particle, stored (not summed):
///
///   logMiss[i] = log b_k^(i)(0) = log(1 − p_d(u_i)),
///   ratios[m·N + i] = log b_k^(i)(m) = c_m + 2 ln u − u²(z_d − d_k)²/(2k_d) − u² wrap(z_φ − φ_k)²/(2k_φ)
///                                      − (z_u − u)²/(2σ_u²),
///
/// with d_k = ‖p − q_k‖, φ_k = atan2(A (p − q_k)) (A = `angleMap`, q_k = (constants.panelX, constants.panelY)),
/// and c_m the per-measurement offset of ``fillMeasurementTerms`` (clutter intensity with μ_mpc = 0). The
/// expression and its evaluation order are those of ``logPseudoLikelihoodKernel`` (Loca-LoS), so for the LoS
/// feature (A = I) every ℓ_m is bit-identical to the one that kernel sums.
func featureLogRatios(measurementCount mCount: Int, count n: Int,
                      x: UnsafePointer<Float>, y: UnsafePointer<Float>, amplitude: UnsafePointer<Float>,
                      constants k: LikelihoodConstants, angleMap a: AngleMap,
                      distance zd: UnsafePointer<Float>, aoa zp: UnsafePointer<Float>,
                      measuredAmplitude zu: UnsafePointer<Float>, offset cm: UnsafePointer<Float>,
                      logMiss: UnsafeMutablePointer<Float>, ratios: UnsafeMutablePointer<Float>) {
    let twoPi = Float8(repeating: 2 * Float.pi)
    var i = 0
    while i < n {
        let ex = load8(x, i) - k.panelX, ey = load8(y, i) - k.panelY
        let dx = ex * a[0] + ey * a[1], dy = ex * a[2] + ey * a[3]
        let d = sqrt8(dx * dx + dy * dy)
        let phi = atan2_8(dy, dx)
        let u = load8(amplitude, i)
        let u2 = u * u
        let ad = u2 * k.distancePrecisionHalf, ap = u2 * k.aoaPrecisionHalf
        let logU2 = log8(u) * 2
        store8(logHalfErfc8(u - k.detectionThreshold), logMiss, i)
        for m in 0..<mCount {
            let ed = zd[m] - d
            var ep = zp[m] - phi
            ep = ep.replacing(with: ep - twoPi, where: ep .>= Float.pi)
            ep = ep.replacing(with: ep + twoPi, where: ep .< -Float.pi)
            let eu = zu[m] - u
            let ell = (logU2 + cm[m]) - ad * (ed * ed) - ap * (ep * ep) - (eu * eu) * k.amplitudePrecisionHalf
            store8(ell, ratios + m * n, i)
        }
        i += 8
    }
}

/// (max_i v_i, Σ_i exp(v_i − max)) of N values: log Σ_i e^{v_i} = max + log(sum). The sum is ≥ 1.
@inline(__always)
func maxAndScaledSum(_ values: UnsafePointer<Float>, count n: Int) -> (top: Float, sum: Float) {
    var top8 = Float8(repeating: -.greatestFiniteMagnitude)
    var i = 0
    while i < n { top8 = max8(top8, load8(values, i)); i += 8 }
    let top = horizontalMax8(top8)
    var sum = Float8.zero
    i = 0
    while i < n { sum += exp8(load8(values, i) - top); i += 8 }
    return (top, horizontalSum8(sum))
}

/// log w_k^(i) = logsumexp(log b_k^(i)(0), {log b_k^(i)(m) + log ν_{m→k}}_m) (spec §C.3 step 4), written over
/// `logMiss` in place. `logMessages` holds the M Float32 values log ν_{m→k} of this feature. With all
/// log ν = 0 this is the Loca-LoS log β with the same operations in the same order (max first, then the sum
/// of exponentials from the miss term on).
func featureLogWeights(measurementCount mCount: Int, count n: Int, logMiss: UnsafeMutablePointer<Float>,
                       ratios: UnsafePointer<Float>, logMessages: UnsafePointer<Float>) {
    var i = 0
    while i < n {
        let miss = load8(logMiss, i)
        var top = miss
        for m in 0..<mCount { top = max8(top, load8(ratios + m * n, i) + logMessages[m]) }
        var sum = exp8(miss - top)
        for m in 0..<mCount { sum += exp8((load8(ratios + m * n, i) + logMessages[m]) - top) }
        store8(top + log8(sum), logMiss, i)
        i += 8
    }
}

/// logXi[i] (+)= log ξ_k^(i) = logaddexp(log p_e,k⁻ + log w_k^(i), log(1 − p_e,k⁻)) (spec §C.3 step 3): the
/// panel's log message to the agent is the sum over features. `first` writes instead of adding.
func accumulateFeatureMessage(logWeights: UnsafePointer<Float>, count n: Int, logAlive: Float, logDead: Float,
                              into logXi: UnsafeMutablePointer<Float>, first: Bool) {
    let dead = Float8(repeating: logDead)
    var i = 0
    while i < n {
        let alive = load8(logWeights, i) + logAlive
        let high = max8(alive, dead), low = min8(alive, dead)
        let term = high + log8(exp8(low - high) + 1)
        store8(first ? term : load8(logXi, i) + term, logXi, i)
        i += 8
    }
}

/// weights[i] = exp(v_i − max v) (the largest is 1); returns max v, Σ weights and Σ weights·u_i.
func exponentiatedWeights(_ values: UnsafePointer<Float>, count n: Int, amplitude: UnsafePointer<Float>,
                          weights: UnsafeMutablePointer<Float>) -> (top: Float, sum: Float, weightedSum: Float) {
    var top8 = Float8(repeating: -.greatestFiniteMagnitude)
    var i = 0
    while i < n { top8 = max8(top8, load8(values, i)); i += 8 }
    let top = horizontalMax8(top8)
    var sum = Float8.zero, weighted = Float8.zero
    i = 0
    while i < n {
        let w = exp8(load8(values, i) - top)
        store8(w, weights, i)
        sum += w
        weighted += w * load8(amplitude, i)
        i += 8
    }
    return (top, horizontalSum8(sum), horizontalSum8(weighted))
}

/// Agent weights w_i = exp(log ξ_i − max log ξ) and the sums for the MMSE estimate (eq. 1) and the effective
/// sample size: Σ w, Σ w², Σ w (x − x^(0)) per coordinate.
func agentWeights(logXi: UnsafePointer<Float>, count n: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                  vx: UnsafePointer<Float>, vy: UnsafePointer<Float>,
                  weights: UnsafeMutablePointer<Float>) -> (sum: Float, squares: Float, offsets: SIMD4<Float>,
                                                            origin: SIMD4<Float>) {
    var top8 = Float8(repeating: -.greatestFiniteMagnitude)
    var i = 0
    while i < n { top8 = max8(top8, load8(logXi, i)); i += 8 }
    let top = horizontalMax8(top8)
    let origin = SIMD4<Float>(x[0], y[0], vx[0], vy[0])
    var sumW = Float8.zero, sumW2 = Float8.zero
    var sx = Float8.zero, sy = Float8.zero, svx = Float8.zero, svy = Float8.zero
    i = 0
    while i < n {
        let w = exp8(load8(logXi, i) - top)
        store8(w, weights, i)
        sumW += w
        sumW2 += w * w
        sx += w * (load8(x, i) - origin[0])
        sy += w * (load8(y, i) - origin[1])
        svx += w * (load8(vx, i) - origin[2])
        svy += w * (load8(vy, i) - origin[3])
        i += 8
    }
    return (horizontalSum8(sumW), horizontalSum8(sumW2),
            SIMD4(horizontalSum8(sx), horizontalSum8(sy), horizontalSum8(svx), horizontalSum8(svy)), origin)
}

extension BulkRandomStream {
    /// Word `index` of the stream (in the fill layout, as ``fillWords(_:count:)`` would write it) as a uniform in
    /// [0, 1) with 24 random bits: (w >> 8) · 2^−24. Index 0 equals ``firstUniformClosedOpen()``.
    func uniformClosedOpen(word index: Int) -> Float {
        let group = index / 32, within = index % 32
        let words = blocks8(from: UInt32(truncatingIfNeeded: 8 * group))
        let lane = within % 8
        let w: UInt32
        switch within / 8 {
        case 0: w = words.0[lane]
        case 1: w = words.1[lane]
        case 2: w = words.2[lane]
        default: w = words.3[lane]
        }
        return Float(w >> 8) * 0x1.0p-24
    }
}
