// DoubleLanes: four Float64 lanes with guaranteed vector code (AVX2, or two SSE2 halves, or Swift SIMD elsewhere).
//
// Why not SIMD4<Double> directly: in Swift 6.3 its `+`, `-`, `*` are element-wise loops that LLVM re-vectorizes,
// on x86-64 into two 128-bit halves even with `-target-cpu haswell` (checked with `swiftc -S`); the intrinsics are
// vector instructions by construction. Every operation is one IEEE-754 operation per lane (`multiplyAdd` is one fused
// operation in every implementation), so the three implementations give the same results bit for bit, and so does
// scalar code that does the same operations in the same order (VectorisedCostTests; the cost evaluator does not use
// `multiplyAdd`, its scalar twin has none; the PEB kernels do).
// - `-D DMIMO_AVX2` (with `-target-cpu haswell` or newer; Package.swift sets both in release builds on x86-64): one
//   256-bit register;
// - other x86-64 builds (debug, or DMIMO_BASELINE_X86=1): two 128-bit SSE2 halves;
// - `-D DMIMO_PORTABLE_SIMD` or another architecture: Swift SIMD4<Double> (used to test that path).
// scripts/check-simd-backends.sh builds all three and compares downlink estimates and bounds bit for bit.

#if arch(x86_64) && DMIMO_AVX2 && !DMIMO_PORTABLE_SIMD
import _Builtin_intrinsics.intel

/// Four Float64 lanes in one AVX register.
struct D4 {
    var v: SIMD4<Double>
    @_transparent init(_ v: SIMD4<Double>) { self.v = v }
    @_transparent init(_ x: Double) { v = _mm256_set1_pd(x) }
    @_transparent static var zero: D4 { D4(_mm256_setzero_pd()) }
    @_transparent static func load(_ p: UnsafePointer<Double>) -> D4 { D4(_mm256_loadu_pd(p)) }
    @_transparent static func load(_ p: UnsafeMutablePointer<Double>) -> D4 { D4(_mm256_loadu_pd(p)) }
    @_transparent func store(_ p: UnsafeMutablePointer<Double>) { _mm256_storeu_pd(p, v) }
    @_transparent static func + (a: D4, b: D4) -> D4 { D4(_mm256_add_pd(a.v, b.v)) }
    @_transparent static func - (a: D4, b: D4) -> D4 { D4(_mm256_sub_pd(a.v, b.v)) }
    @_transparent static func * (a: D4, b: D4) -> D4 { D4(_mm256_mul_pd(a.v, b.v)) }
    @_transparent static func / (a: D4, b: D4) -> D4 { D4(_mm256_div_pd(a.v, b.v)) }
    /// a·b + c, rounded once (FMA).
    @_transparent static func multiplyAdd(_ a: D4, _ b: D4, _ c: D4) -> D4 { D4(_mm256_fmadd_pd(a.v, b.v, c.v)) }
    /// c − a·b, rounded once (FMA).
    @_transparent static func negativeMultiplyAdd(_ a: D4, _ b: D4, _ c: D4) -> D4 { D4(_mm256_fnmadd_pd(a.v, b.v, c.v)) }
    /// Correctly rounded square root.
    @_transparent var squareRoot: D4 { D4(_mm256_sqrt_pd(v)) }
    @_transparent var simd: SIMD4<Double> { v }
    @_transparent init(simd: SIMD4<Double>) { v = simd }
    /// (l0 + l2) + (l1 + l3).
    @_transparent var sum: Double {
        let halves = _mm_add_pd(v.lowHalf, v.highHalf)
        return halves[0] + halves[1]
    }
}

#elseif arch(x86_64) && !DMIMO_PORTABLE_SIMD
import _Builtin_intrinsics.intel

/// Four Float64 lanes in two SSE2 registers.
struct D4 {
    var lo: SIMD2<Double>, hi: SIMD2<Double>
    @_transparent init(_ lo: SIMD2<Double>, _ hi: SIMD2<Double>) { self.lo = lo; self.hi = hi }
    @_transparent init(_ x: Double) { lo = _mm_set1_pd(x); hi = lo }
    @_transparent static var zero: D4 { D4(_mm_setzero_pd(), _mm_setzero_pd()) }
    @_transparent static func load(_ p: UnsafePointer<Double>) -> D4 { D4(_mm_loadu_pd(p), _mm_loadu_pd(p + 2)) }
    @_transparent static func load(_ p: UnsafeMutablePointer<Double>) -> D4 { D4(_mm_loadu_pd(p), _mm_loadu_pd(p + 2)) }
    @_transparent func store(_ p: UnsafeMutablePointer<Double>) { _mm_storeu_pd(p, lo); _mm_storeu_pd(p + 2, hi) }
    @_transparent static func + (a: D4, b: D4) -> D4 { D4(_mm_add_pd(a.lo, b.lo), _mm_add_pd(a.hi, b.hi)) }
    @_transparent static func - (a: D4, b: D4) -> D4 { D4(_mm_sub_pd(a.lo, b.lo), _mm_sub_pd(a.hi, b.hi)) }
    @_transparent static func * (a: D4, b: D4) -> D4 { D4(_mm_mul_pd(a.lo, b.lo), _mm_mul_pd(a.hi, b.hi)) }
    @_transparent static func / (a: D4, b: D4) -> D4 { D4(_mm_div_pd(a.lo, b.lo), _mm_div_pd(a.hi, b.hi)) }
    /// a·b + c, rounded once (without FMA instructions: the C library's `fma` per lane, correct but slow).
    @_transparent static func multiplyAdd(_ a: D4, _ b: D4, _ c: D4) -> D4 {
        D4(c.lo.addingProduct(a.lo, b.lo), c.hi.addingProduct(a.hi, b.hi))
    }
    /// c − a·b, rounded once.
    @_transparent static func negativeMultiplyAdd(_ a: D4, _ b: D4, _ c: D4) -> D4 {
        D4(c.lo.addingProduct(-a.lo, b.lo), c.hi.addingProduct(-a.hi, b.hi))
    }
    /// Correctly rounded square root.
    @_transparent var squareRoot: D4 { D4(_mm_sqrt_pd(lo), _mm_sqrt_pd(hi)) }
    @_transparent var simd: SIMD4<Double> { SIMD4(lowHalf: lo, highHalf: hi) }
    @_transparent init(simd: SIMD4<Double>) { lo = simd.lowHalf; hi = simd.highHalf }
    /// (l0 + l2) + (l1 + l3).
    @_transparent var sum: Double {
        let halves = _mm_add_pd(lo, hi)
        return halves[0] + halves[1]
    }
}

#else

/// Four Float64 lanes (Swift SIMD).
struct D4 {
    var v: SIMD4<Double>
    @_transparent init(_ v: SIMD4<Double>) { self.v = v }
    @_transparent init(_ x: Double) { v = SIMD4(repeating: x) }
    @_transparent static var zero: D4 { D4(SIMD4<Double>()) }
    @_transparent static func load(_ p: UnsafePointer<Double>) -> D4 { D4(UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)) }
    @_transparent static func load(_ p: UnsafeMutablePointer<Double>) -> D4 { load(UnsafePointer(p)) }
    @_transparent func store(_ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self) }
    @_transparent static func + (a: D4, b: D4) -> D4 { D4(a.v + b.v) }
    @_transparent static func - (a: D4, b: D4) -> D4 { D4(a.v - b.v) }
    @_transparent static func * (a: D4, b: D4) -> D4 { D4(a.v * b.v) }
    @_transparent static func / (a: D4, b: D4) -> D4 { D4(a.v / b.v) }
    /// a·b + c, rounded once.
    @_transparent static func multiplyAdd(_ a: D4, _ b: D4, _ c: D4) -> D4 { D4(c.v.addingProduct(a.v, b.v)) }
    /// c − a·b, rounded once.
    @_transparent static func negativeMultiplyAdd(_ a: D4, _ b: D4, _ c: D4) -> D4 { D4(c.v.addingProduct(-a.v, b.v)) }
    /// Correctly rounded square root.
    @_transparent var squareRoot: D4 { D4(v.squareRoot()) }
    @_transparent var simd: SIMD4<Double> { v }
    @_transparent init(simd: SIMD4<Double>) { v = simd }
    /// (l0 + l2) + (l1 + l3).
    @_transparent var sum: Double { (v[0] + v[2]) + (v[1] + v[3]) }
}
#endif

extension D4 {
    @_transparent static func += (a: inout D4, b: D4) { a = a + b }
    @_transparent static func -= (a: inout D4, b: D4) { a = a - b }
    /// The IEEE-754 bit patterns of the lanes.
    @_transparent var bitPatterns: SIMD4<UInt64> { unsafeBitCast(simd, to: SIMD4<UInt64>.self) }
    @_transparent init(bitPatterns: SIMD4<UInt64>) { self.init(simd: unsafeBitCast(bitPatterns, to: SIMD4<Double>.self)) }
}

/// `cosSin` of four angles: the same operations per lane in the same order as the scalar function, so each lane's
/// result is the scalar result bit for bit (the quadrant is applied by exact selection and sign flips). Angles (rad)
/// as for `cosSin`: |x| < 2^19·π/2.
@inline(__always)
func cosSin4(_ x: D4) -> (cos: D4, sin: D4) {
    let magic = D4(6755399441055744.0)
    let big = x * D4(6.36619772367581382433e-01) + magic
    let n = big - magic
    let t = x - n * D4(1.57079632673412561417e+00)
    let w1 = n * D4(6.07710050630396597660e-11)
    let r = t - w1
    let w = n * D4(2.02226624879595063154e-21) - ((t - r) - w1)
    let y0 = r - w
    let y1 = (r - y0) - w
    let z = y0 * y0, zz = z * z
    let sr = D4(8.33333333332248946124e-03) + z * (D4(-1.98412698298579493134e-04) + z * D4(2.75573137070700676789e-06))
        + z * zz * (D4(-2.50507602534068634195e-08) + z * D4(1.58969099521155010221e-10))
    let v = z * y0
    let half = D4(0.5)
    let sine = y0 - ((z * (half * y1 - v * sr) - y1) - v * D4(-1.66666666666666324348e-01))
    let cr = z * (D4(4.16666666666666019037e-02) + z * (D4(-1.38888888888741095749e-03) + z * D4(2.48015872894767294178e-05)))
        + zz * zz * (D4(-2.75573143513906633035e-07) + z * (D4(2.08757232129817482790e-09) + z * D4(-1.13596475577881948265e-11)))
    let hz = half * z
    let one = D4(1)
    let wc = one - hz
    let cosine = wc + (((one - wc) - hz) + (z * cr - y0 * y1))
    // quadrant q: (cos, sin) = (c, s), (−s, c), (−c, −s), (s, −c)
    let quadrant = big.bitPatterns & 3
    let odd = SIMD4<UInt64>(repeating: 0) &- (quadrant & 1)          // all ones where q is odd
    let c = cosine.bitPatterns, s = sine.bitPatterns
    let cosSign = ((quadrant ^ (quadrant &>> 1)) & 1) &<< 63      // q = 1, 2
    let sinSign = (quadrant &>> 1) &<< 63                          // q = 2, 3
    return (D4(bitPatterns: ((c & ~odd) | (s & odd)) ^ cosSign), D4(bitPatterns: ((s & ~odd) | (c & odd)) ^ sinSign))
}
