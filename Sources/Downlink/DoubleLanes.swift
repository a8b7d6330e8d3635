// DoubleLanes: four Float64 lanes with guaranteed vector code (AVX2, or two SSE2 halves, or Swift SIMD elsewhere).
//
// Why not SIMD4<Double> directly: in Swift 6.3 its `+`, `-`, `*` are element-wise loops that LLVM re-vectorizes,
// on x86-64 into two 128-bit halves even with `-target-cpu haswell` (checked with `swiftc -S`); the intrinsics are
// vector instructions by construction. Every operation is one IEEE-754 operation per lane and there is no fused
// multiply-add, so the three implementations give the same results bit for bit, and so does scalar code that does
// the same operations in the same order (VectorisedCostTests).
// - `-D DMIMO_AVX2` (with `-target-cpu haswell` or newer; Package.swift sets both in release builds on x86-64): one
//   256-bit register;
// - other x86-64 builds (debug, or DMIMO_BASELINE_X86=1): two 128-bit SSE2 halves;
// - other architectures: Swift SIMD4<Double>.

#if arch(x86_64) && DMIMO_AVX2
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
    /// (l0 + l2) + (l1 + l3).
    @_transparent var sum: Double {
        let halves = _mm_add_pd(v.lowHalf, v.highHalf)
        return halves[0] + halves[1]
    }
}

#elseif arch(x86_64)
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
    /// (l0 + l2) + (l1 + l3).
    @_transparent var sum: Double { (v[0] + v[2]) + (v[1] + v[3]) }
}
#endif

extension D4 {
    @_transparent static func += (a: inout D4, b: D4) { a = a + b }
    @_transparent static func -= (a: inout D4, b: D4) { a = a - b }
}
