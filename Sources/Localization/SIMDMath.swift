// SIMDMath: eight-lane Float32 polynomial exp, log, atan2, sin/cos(2πu), log(½ erfc) and sqrt for the hot loops.
//
// Every function here is built from IEEE-754 additions, multiplications, divisions, comparisons, bit
// operations and the correctly rounded square root, so its result depends on nothing but its input: no libm,
// no fused multiply-add, no rounding-mode or CPU-dispatch dependence. That keeps a panel update bit-identical
// on every host that runs the same code. Arguments are clamped so that no lane takes a slow path (denormals).
// The functions are `@_transparent` so that they are inlined into the hot loops however large those grow
// (`@inline(__always)` was not honoured in the panel kernels' size class).

/// 1.5 · 2^23: x + magic − magic rounds to nearest (ties to even) for |x| < 2^22.
let roundingMagic: Float = 12_582_912

/// Round to nearest (ties to even) for |x| < 2^22, by the magic-number addition.
@_transparent
func vroundNearest<V: FloatLanes>(_ x: V) -> V { (x + roundingMagic) - roundingMagic }

/// The integer held by vroundNearest's intermediate x + magic, as Int32 lanes (|x| < 2^22).
@_transparent
func vroundedToInt<V: FloatLanes>(_ x: V) -> V.Bits { (x + roundingMagic).bits &- V(roundingMagic).bits }

/// Lane-wise minimum and maximum.
@_transparent
func vmin<V: FloatLanes>(_ a: V, _ b: V) -> V { V.minimum(a, b) }
@_transparent
func vmax<V: FloatLanes>(_ a: V, _ b: V) -> V { V.maximum(a, b) }

/// Lane-wise |x| by clearing the sign bit.
@_transparent
func vabs<V: FloatLanes>(_ x: V) -> V { V(bits: x.bits & V.Bits(0x7FFF_FFFF)) }

/// Lane-wise correctly rounded square root.
@_transparent
func vsqrt<V: FloatLanes>(_ x: V) -> V { x.squareRoot }

/// e^x (Cephes `expf` polynomial, relative error about 2e-7), x clamped to [−86, 88].
/// Results below e^−86 ≈ 4e−38 are returned as e^−86 (never a denormal).
@_transparent
func vexp<V: FloatLanes>(_ x: V) -> V {
    let xc = vmin(vmax(x, V(-86)), V(88))
    let t = xc * 1.442_695_04 + roundingMagic
    let n = t - roundingMagic
    let r = xc - n * 0.693_359_375 - n * -2.121_944_40e-4
    let z = r * r
    var p = r * 1.987_569_150_0e-4 + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let y = p * z + r + 1
    // 2^n from the integer held in the low mantissa bits of t
    let k = t.bits &- V(roundingMagic).bits
    return y * V(bits: (k &+ V.Bits(127)).shiftedLeft(23))
}

/// Natural logarithm (Cephes `logf` polynomial, error about 1 ulp), for x > 0.
/// x = 0 or a denormal gives about −88 (finite), never NaN.
@_transparent
func vlog<V: FloatLanes>(_ x: V) -> V {
    let bits = x.bits
    var e = V(converting: bits.shiftedRight(23) & V.Bits(0xFF)) - 126
    var m = V(bits: (bits & V.Bits(0x007F_FFFF)) | V.Bits(0x3F00_0000))     // mantissa in [0.5, 1)
    let small = m < 0.707_106_781_186_547_52
    e = e.replacing(with: e - 1, where: small)
    m = m.replacing(with: m + m, where: small)
    let f = m - 1
    let z = f * f
    var p = f * 7.037_683_629_2e-2 - 1.151_461_031_0e-1
    p = p * f + 1.167_699_874_0e-1
    p = p * f - 1.242_014_084_6e-1
    p = p * f + 1.424_932_278_7e-1
    p = p * f - 1.666_805_766_5e-1
    p = p * f + 2.000_071_476_5e-1
    p = p * f - 2.499_999_399_3e-1
    p = p * f + 3.333_333_117_4e-1
    var y = p * f * z
    y = y + e * -2.121_944_40e-4
    y = y - z * 0.5
    return f + y + e * 0.693_359_375
}

/// atan2(y, x) in (−π, π] (Abramowitz & Stegun 4.4.49 polynomial on [0, 1], |error| ≤ 2e-8 plus rounding).
/// atan2(0, 0) = 0.
@_transparent
func vatan2<V: FloatLanes>(_ y: V, _ x: V) -> V {
    let ax = vabs(x), ay = vabs(y)
    let big = vmax(ax, ay), small = vmin(ax, ay)
    let t = small / vmax(big, V(.leastNormalMagnitude))
    let t2 = t * t
    var p = t2 * 0.002_866_225_7 - 0.016_165_736_7
    p = p * t2 + 0.042_909_613_8
    p = p * t2 - 0.075_289_640_0
    p = p * t2 + 0.106_562_639_3
    p = p * t2 - 0.142_088_994_4
    p = p * t2 + 0.199_935_508_5
    p = p * t2 - 0.333_331_452_8
    var r = t + t * t2 * p
    r = r.replacing(with: Float.pi / 2 - r, where: ay > ax)
    r = r.replacing(with: Float.pi - r, where: x < 0)
    return r.replacing(with: -r, where: y < 0)
}

/// (sin 2πu, cos 2πu) for |u| < 2^21: exact range reduction on u, Cephes polynomials on [−π/4, π/4].
@_transparent
func vsinCosTwoPi<V: FloatLanes>(_ u: V) -> (sin: V, cos: V) {
    let v = u - vroundNearest(u)                  // [−½, ½], exact
    let q = vroundNearest(v * 4)                  // quadrant −2…2
    let r = (v - q * 0.25) * (2 * Float.pi)       // [−π/4, π/4]
    let z = r * r
    var s = z * -1.951_529_589_1e-4 + 8.332_160_873_6e-3
    s = s * z - 1.666_665_461_1e-1
    s = s * z * r + r
    var c = z * 2.443_315_711_809_948e-5 - 1.388_731_625_493_765e-3
    c = c * z + 4.166_664_568_298_827e-2
    c = c * z * z - z * 0.5 + 1
    let odd = vabs(q) == 1
    var sinv = s.replacing(with: c, where: odd)
    var cosv = c.replacing(with: s, where: odd)
    sinv = sinv.replacing(with: -sinv, where: (q < -0.5) | (q > 1.5))   // q = −2, −1, 2
    cosv = cosv.replacing(with: -cosv, where: (q > 0.5) | (q < -1.5))   // q = −2, 1, 2
    return (sinv, cosv)
}

/// log(½ erfc(z)) for any z, i.e. log Φ(−√2 z): the log miss probability log(1 − p_d(u)) at z = u − u_de.
///
/// Uses erfc(a) = t·exp(−a² + P(t)), t = 1/(1 + a/2), a ≥ 0 (Numerical Recipes `erfcc`, Chebyshev fit,
/// fractional error < 1.2e-7 everywhere), as a logarithm: log erfc(a) = log t − a² + P(t). This never
/// underflows (u reaches u_bmax ≈ 158, where erfc itself is about e^−24000). For z < 0 it returns
/// log(1 − ½ erfc(|z|)), evaluated only when some lane is negative.
@_transparent
func vlogHalfErfc<V: FloatLanes>(_ z: V) -> V {
    let a = vabs(z)
    let t = 1 / (a * 0.5 + 1)
    var p = t * 0.170_872_77 - 0.822_152_23
    p = p * t + 1.488_515_87
    p = p * t - 1.135_203_98
    p = p * t + 0.278_868_07
    p = p * t - 0.186_288_06
    p = p * t + 0.096_784_18
    p = p * t + 0.374_091_96
    p = p * t + 1.000_023_68
    p = p * t - 1.265_512_23
    let logErfc = vlog(t) - a * a + p
    let positive = logErfc - 0.693_147_180_559_945_3
    let negativeLanes = z < 0
    if negativeLanes.any {
        let halfTail = vexp(logErfc) * 0.5          // ½ erfc(|z|) ≤ ½
        return positive.replacing(with: vlog(1 - halfTail), where: negativeLanes)
    }
    return positive
}

// MARK: scalar forms (lane 0), for the few per-update scalars: same arithmetic as the lanes

func logScalar(_ x: Float) -> Float { vlog(F8(x))[0] }
func expScalar(_ x: Float) -> Float { vexp(F8(x))[0] }
