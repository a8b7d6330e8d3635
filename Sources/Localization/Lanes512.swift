// Lanes512: sixteen Float32 / Int32 lanes in one AVX-512 register (`-D DMIMO_AVX512`), bit-identical to two F8.
//
// The generic F16 of Lanes.swift is two F8 (lanes 0–7 and 8–15) whose operations are emitted back to back. With
// AVX-512 the same sixteen lanes live in one zmm register: every operation is still one IEEE-754 operation per
// lane (no fused multiply-add), min/max keep the `minps`/`maxps` NaN rule, and the reductions split the register
// into the same two halves, so the results are the bits of the AVX2, SSE2 and portable backends
// (scripts/check-simd-backends.sh). Half the instructions, and 32 registers instead of 16 (no spills in the
// likelihood kernel).

#if arch(x86_64) && DMIMO_AVX512 && DMIMO_AVX2 && !DMIMO_PORTABLE_SIMD
import _Builtin_intrinsics.intel

/// Sixteen Float32 lanes in one AVX-512 register: lanes 0–7 are the F8 `a`, lanes 8–15 the F8 `b`.
struct F16: FloatLanes {
    var v: SIMD16<Float>
    @_transparent init(_ v: SIMD16<Float>) { self.v = v }
    @_transparent init(_ a: F8, _ b: F8) { v = SIMD16(lowHalf: a.v, highHalf: b.v) }
    @_transparent init(_ x: Float) { v = _mm512_set1_ps(x) }
    @_transparent var a: F8 { F8(v.lowHalf) }
    @_transparent var b: F8 { F8(v.highHalf) }
    @_transparent static var width: Int { 16 }
    @_transparent static var zero: F16 { F16(_mm512_setzero_ps()) }
    @_transparent static func load(_ p: UnsafePointer<Float>) -> F16 { F16(_mm512_loadu_ps(p)) }
    @_transparent static func loadRepeating8(_ p: UnsafePointer<Float>) -> F16 {
        F16(_mm512_broadcast_f32x8(_mm256_loadu_ps(p)))
    }
    @_transparent func store(_ p: UnsafeMutablePointer<Float>) { _mm512_storeu_ps(p, v) }
    @_transparent static func + (x: F16, y: F16) -> F16 { F16(_mm512_add_ps(x.v, y.v)) }
    @_transparent static func - (x: F16, y: F16) -> F16 { F16(_mm512_sub_ps(x.v, y.v)) }
    @_transparent static func * (x: F16, y: F16) -> F16 { F16(_mm512_mul_ps(x.v, y.v)) }
    @_transparent static func / (x: F16, y: F16) -> F16 { F16(_mm512_div_ps(x.v, y.v)) }
    @_transparent static prefix func - (x: F16) -> F16 { .zero - x }
    // the standard library's concrete SIMD16<Float> comparisons are single vector compares (into a k mask)
    @_transparent static func < (x: F16, y: F16) -> M16 { M16(x.v .< y.v) }
    @_transparent static func > (x: F16, y: F16) -> M16 { M16(x.v .> y.v) }
    @_transparent static func >= (x: F16, y: F16) -> M16 { M16(x.v .>= y.v) }
    @_transparent static func == (x: F16, y: F16) -> M16 { M16(x.v .== y.v) }
    @_transparent static func minimum(_ x: F16, _ y: F16) -> F16 { F16(_mm512_min_ps(x.v, y.v)) }
    @_transparent static func maximum(_ x: F16, _ y: F16) -> F16 { F16(_mm512_max_ps(x.v, y.v)) }
    @_transparent var squareRoot: F16 { F16(_mm512_sqrt_ps(v)) }
    @_transparent func replacing(with t: F16, where m: M16) -> F16 { F16(_mm512_mask_blend_ps(m.k, v, t.v)) }
    @_transparent var bits: I16 { I16(_mm512_castps_si512(v)) }
    @_transparent init(bits: I16) { v = _mm512_castsi512_ps(bits.v) }
    @_transparent init(converting i: I16) { v = _mm512_cvtepi32_ps(i.v) }
    /// The F8 lane sum of the sum of the halves (as the two-F8 F16).
    @_transparent var laneSum: Float { (a + b).laneSum }
    @_transparent var laneMax: Float { F8.maximum(a, b).laneMax }
}

/// A sixteen-lane mask (an AVX-512 k register).
struct M16: LaneMask {
    var k: UInt16
    @_transparent init(_ m: SIMDMask<SIMD16<Int32>>) {
        k = _mm512_movepi32_mask(unsafeBitCast(m, to: SIMD8<Int64>.self))
    }
    @_transparent init(k: UInt16) { self.k = k }
    @_transparent static func | (x: M16, y: M16) -> M16 { M16(k: x.k | y.k) }
    @_transparent var any: Bool { k != 0 }
}

/// Sixteen Int32 (or UInt32) lanes in one AVX-512 register, two's complement, wrapping.
struct I16: IntLanes {
    var v: SIMD8<Int64>
    @_transparent init(_ v: SIMD8<Int64>) { self.v = v }
    @_transparent init(_ x: Int32) { v = _mm512_set1_epi32(x) }
    @_transparent init(unsigned x: UInt32) { self.init(Int32(bitPattern: x)) }
    @_transparent init(lanes: SIMD16<Int32>) { v = unsafeBitCast(lanes, to: SIMD8<Int64>.self) }
    @_transparent static func &+ (x: I16, y: I16) -> I16 { I16(_mm512_add_epi32(x.v, y.v)) }
    @_transparent static func &- (x: I16, y: I16) -> I16 { I16(_mm512_sub_epi32(x.v, y.v)) }
    @_transparent static func & (x: I16, y: I16) -> I16 { I16(_mm512_and_si512(x.v, y.v)) }
    @_transparent static func | (x: I16, y: I16) -> I16 { I16(_mm512_or_si512(x.v, y.v)) }
    @_transparent static func ^ (x: I16, y: I16) -> I16 { I16(_mm512_xor_si512(x.v, y.v)) }
    @_transparent func shiftedLeft(_ n: Int32) -> I16 { I16(_mm512_slli_epi32(v, UInt32(n))) }
    @_transparent func shiftedRight(_ n: Int32) -> I16 { I16(_mm512_srli_epi32(v, UInt32(n))) }
}

/// The Philox multiply of sixteen 32-bit lanes by a constant: high and low words of the 64-bit products.
@_transparent
func multiplyHighLow(_ a: I16, _ m: UInt32) -> (high: I16, low: I16) {
    let mm = _mm512_set1_epi32(Int32(bitPattern: m))
    let even = _mm512_mul_epu32(a.v, mm)                        // lanes 0, 2, … 14 as 64-bit products
    let odd = _mm512_mul_epu32(_mm512_srli_epi64(a.v, 32), mm)  // lanes 1, 3, … 15
    let lowMask = _mm512_set1_epi64(0xFFFF_FFFF)
    let high = _mm512_or_si512(_mm512_srli_epi64(even, 32), _mm512_andnot_si512(lowMask, odd))
    return (I16(high), I16(_mm512_mullo_epi32(a.v, mm)))
}

#endif
