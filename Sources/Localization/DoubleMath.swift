// DoubleMath: libm-free Double exp, log, log1p and logsumexp helpers for the Loca-MPC association scalars.
//
// The BP data association (docs/MODEL.md §C.3) runs on a few dozen Double scalars per update. Like the Float32
// kernels of SIMDMath.swift, these functions use only IEEE-754 additions, multiplications, divisions,
// comparisons and bit operations (no libm, no fused multiply-add), so a panel update gives the same bits in any
// process on any host. Accuracy is a few ulps, far below what the association needs.

/// ln 2 split for Cody–Waite range reduction: the high part has 32 trailing zero bits (fdlibm's constants).
private let ln2High = 6.931_471_803_691_238_164_90e-01
private let ln2Low = 1.908_214_929_270_587_700_02e-10

/// e^x for a Double, from IEEE arithmetic only. Relative error below about 3e−16; 0 for x < −745.2,
/// +∞ for x > 709.78, NaN for NaN.
@inline(__always)
func deterministicExp(_ x: Double) -> Double {
    if x.isNaN { return x }
    if x > 709.782_712_893_384 { return .infinity }
    if x < -745.2 { return 0 }
    // n = round(x / ln 2) by the 1.5·2^52 magic number; r = x − n ln 2 in [−0.347, 0.347]
    let magic = 6_755_399_441_055_744.0
    let n = (x * 1.442_695_040_888_963_4 + magic) - magic
    let r = (x - n * ln2High) - n * ln2Low
    // Taylor series to degree 13: truncation below 5e−18 relative on |r| ≤ 0.347
    var p = 1.0 / 6_227_020_800
    p = p * r + 1.0 / 479_001_600
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40_320
    p = p * r + 1.0 / 5_040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    var k = Int(n)
    var result = p
    if k > 1023 { result *= Double(bitPattern: UInt64(2046) << 52); k -= 1023 }
    if k < -1022 { result *= Double(bitPattern: UInt64(1023 - 600) << 52); k += 600 }
    return result * Double(bitPattern: UInt64(k + 1023) << 52)
}

/// Natural logarithm of a Double, from IEEE arithmetic only. Error a few ulps; −∞ for 0, NaN below 0.
@inline(__always)
func deterministicLog(_ x: Double) -> Double {
    if !(x > 0) { return x == 0 ? -.infinity : .nan }
    if x == .infinity { return x }
    var bits = x.bitPattern
    var exponent = Int((bits >> 52) & 0x7FF)
    if exponent == 0 {                                    // subnormal: scale by 2^54
        bits = (x * 18_014_398_509_481_984).bitPattern
        exponent = Int((bits >> 52) & 0x7FF) - 54
    }
    exponent -= 1023
    var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)   // [1, 2)
    if m > 1.414_213_562_373_095_1 { m *= 0.5; exponent += 1 }                            // [√½, √2]
    let f = m - 1                                         // exact (Sterbenz)
    let s = f / (2 + f)                                   // |s| ≤ 0.1716
    let s2 = s * s
    // log m = 2 atanh s = 2s (1 + s²/3 + s⁴/5 + …); truncation below 1e−18 relative
    var q = 1.0 / 25
    q = q * s2 + 1.0 / 23
    q = q * s2 + 1.0 / 21
    q = q * s2 + 1.0 / 19
    q = q * s2 + 1.0 / 17
    q = q * s2 + 1.0 / 15
    q = q * s2 + 1.0 / 13
    q = q * s2 + 1.0 / 11
    q = q * s2 + 1.0 / 9
    q = q * s2 + 1.0 / 7
    q = q * s2 + 1.0 / 5
    q = q * s2 + 1.0 / 3
    let logM = 2 * s + 2 * s * (s2 * q)
    let e = Double(exponent)
    return e * ln2High + (logM + e * ln2Low)
}

/// log(1 + y) for y ≥ 0 (accurate also for tiny y: Goldberg's correction u = 1 + y, log(u)·y/(u − 1)).
@inline(__always)
func deterministicLog1p(_ y: Double) -> Double {
    let u = 1 + y
    if u == 1 { return y }
    return deterministicLog(u) * (y / (u - 1))
}

/// log(e^a + e^b) without overflow; −∞ if both are −∞.
@inline(__always)
func logAddExp(_ a: Double, _ b: Double) -> Double {
    let high = a > b ? a : b, low = a > b ? b : a
    if high == -.infinity { return high }
    return high + deterministicLog1p(deterministicExp(low - high))
}
