// Lanes: eight Float32 / Int32 lanes with guaranteed vector code (SSE2 intrinsics on x86-64, Swift SIMD elsewhere).
//
// Why not SIMD8<Float> directly: in Swift 6.3 the arithmetic operators of SIMD8<Float> are element-wise loops that
// LLVM must re-vectorize; in the large panel kernels it re-vectorized only part of them (polynomials were left as
// scalar code), costing a factor of several. The SSE2 intrinsics (x86-64 baseline, no CPU flags needed) are LLVM
// vector instructions by construction. Three implementations, selected at compile time, give bit-identical
// results (every operation is one IEEE-754 operation per lane, no fused multiply-add):
// - `-D DMIMO_AVX2` (with `-target-cpu haswell` or newer): one 256-bit AVX2 register (and with `-D DMIMO_AVX512`
//   and an AVX-512 `-target-cpu`, F16 in one 512-bit register: Lanes512.swift);
// - default on x86-64: two 128-bit SSE2 halves (baseline x86-64, runs on any x86-64 CPU);
// - `-D DMIMO_PORTABLE_SIMD` or another architecture: Swift SIMD8 (slower; used to test that path).

#if arch(x86_64) && DMIMO_AVX2 && !DMIMO_PORTABLE_SIMD
import _Builtin_intrinsics.intel

/// Eight Float32 lanes in one AVX register.
struct F8 {
    var v: SIMD8<Float>

    @_transparent init(_ v: SIMD8<Float>) { self.v = v }
    @_transparent init(_ x: Float) { v = _mm256_set1_ps(x) }
    @_transparent var simd: SIMD8<Float> { v }
    @_transparent static var zero: F8 { F8(_mm256_setzero_ps()) }

    @_transparent static func load(_ p: UnsafePointer<Float>) -> F8 { F8(_mm256_loadu_ps(p)) }
    @_transparent func store(_ p: UnsafeMutablePointer<Float>) { _mm256_storeu_ps(p, v) }

    @_transparent static func + (a: F8, b: F8) -> F8 { F8(_mm256_add_ps(a.v, b.v)) }
    @_transparent static func - (a: F8, b: F8) -> F8 { F8(_mm256_sub_ps(a.v, b.v)) }
    @_transparent static func * (a: F8, b: F8) -> F8 { F8(_mm256_mul_ps(a.v, b.v)) }
    @_transparent static func / (a: F8, b: F8) -> F8 { F8(_mm256_div_ps(a.v, b.v)) }
    @_transparent static prefix func - (a: F8) -> F8 { .zero - a }

    // the standard library's concrete SIMD8<Float> comparisons are single vector compares
    @_transparent static func < (a: F8, b: F8) -> M8 { M8(a.v .< b.v) }
    @_transparent static func > (a: F8, b: F8) -> M8 { M8(a.v .> b.v) }
    @_transparent static func >= (a: F8, b: F8) -> M8 { M8(a.v .>= b.v) }
    @_transparent static func == (a: F8, b: F8) -> M8 { M8(a.v .== b.v) }

    @_transparent static func minimum(_ a: F8, _ b: F8) -> F8 { F8(_mm256_min_ps(a.v, b.v)) }
    @_transparent static func maximum(_ a: F8, _ b: F8) -> F8 { F8(_mm256_max_ps(a.v, b.v)) }
    @_transparent var squareRoot: F8 { F8(_mm256_sqrt_ps(v)) }

    @_transparent func replacing(with ifTrue: F8, where mask: M8) -> F8 {
        F8(_mm256_blendv_ps(v, ifTrue.v, mask.bits))
    }

    @_transparent var bits: I8 { I8(_mm256_castps_si256(v)) }
    @_transparent init(bits: I8) { v = _mm256_castsi256_ps(bits.v) }
    @_transparent init(converting i: I8) { v = _mm256_cvtepi32_ps(i.v) }

    @inline(__always) subscript(lane: Int) -> Float { v[lane] }

    /// Inclusive prefix sum over the eight lanes (lane k: x_0 + … + x_k).
    @_transparent var inclusivePrefixSum: F8 {
        var s = v
        s = _mm256_add_ps(s, SIMD8(0, s[0], s[1], s[2], s[3], s[4], s[5], s[6]))
        s = _mm256_add_ps(s, SIMD8(0, 0, s[0], s[1], s[2], s[3], s[4], s[5]))
        s = _mm256_add_ps(s, SIMD8(0, 0, 0, 0, s[0], s[1], s[2], s[3]))
        return F8(s)
    }
}

/// A lane mask (all bits set or clear per lane).
struct M8 {
    var m: SIMDMask<SIMD8<Int32>>
    @_transparent init(_ m: SIMDMask<SIMD8<Int32>>) { self.m = m }
    @_transparent var bits: SIMD8<Float> { unsafeBitCast(m, to: SIMD8<Float>.self) }
    @_transparent static func | (a: M8, b: M8) -> M8 {
        M8(unsafeBitCast(_mm256_or_ps(a.bits, b.bits), to: SIMDMask<SIMD8<Int32>>.self))
    }
    @_transparent var any: Bool { _mm256_movemask_ps(bits) != 0 }
}

/// Eight Int32 (or UInt32) lanes, two's complement, wrapping.
struct I8 {
    var v: SIMD4<Int64>
    @_transparent init(_ v: SIMD4<Int64>) { self.v = v }
    @_transparent init(_ x: Int32) { v = _mm256_set1_epi32(x) }
    @_transparent init(unsigned x: UInt32) { self.init(Int32(bitPattern: x)) }
    @_transparent init(lanes: SIMD8<Int32>) { v = unsafeBitCast(lanes, to: SIMD4<Int64>.self) }

    @_transparent static func &+ (a: I8, b: I8) -> I8 { I8(_mm256_add_epi32(a.v, b.v)) }
    @_transparent static func &- (a: I8, b: I8) -> I8 { I8(_mm256_sub_epi32(a.v, b.v)) }
    @_transparent static func & (a: I8, b: I8) -> I8 { I8(_mm256_and_si256(a.v, b.v)) }
    @_transparent static func | (a: I8, b: I8) -> I8 { I8(_mm256_or_si256(a.v, b.v)) }
    @_transparent static func ^ (a: I8, b: I8) -> I8 { I8(_mm256_xor_si256(a.v, b.v)) }
    @_transparent func shiftedLeft(_ n: Int32) -> I8 { I8(_mm256_slli_epi32(v, n)) }
    @_transparent func shiftedRight(_ n: Int32) -> I8 { I8(_mm256_srli_epi32(v, n)) }

    @_transparent func store(_ p: UnsafeMutablePointer<Int32>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Int64>.self)
    }
    @_transparent var simd: SIMD8<Int32> { unsafeBitCast(v, to: SIMD8<Int32>.self) }
}

/// The Philox multiply of eight 32-bit lanes by a constant: high and low words of the 64-bit products.
@_transparent
func multiplyHighLow(_ a: I8, _ m: UInt32) -> (high: I8, low: I8) {
    let mm = _mm256_set1_epi32(Int32(bitPattern: m))
    let even = _mm256_mul_epu32(a.v, mm)                        // lanes 0, 2, 4, 6 as 64-bit products
    let odd = _mm256_mul_epu32(_mm256_srli_epi64(a.v, 32), mm)  // lanes 1, 3, 5, 7
    let lowMask = _mm256_set1_epi64x(0xFFFF_FFFF)
    let high = _mm256_or_si256(_mm256_srli_epi64(even, 32), _mm256_andnot_si256(lowMask, odd))
    return (I8(high), I8(_mm256_mullo_epi32(a.v, mm)))
}

#elseif arch(x86_64) && !DMIMO_PORTABLE_SIMD
import _Builtin_intrinsics.intel

/// Eight Float32 lanes.
struct F8 {
    var lo: SIMD4<Float>, hi: SIMD4<Float>

    @_transparent init(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>) { self.lo = lo; self.hi = hi }
    @_transparent init(_ x: Float) { lo = _mm_set1_ps(x); hi = lo }
    @_transparent init(_ v: SIMD8<Float>) { lo = v.lowHalf; hi = v.highHalf }
    @_transparent var simd: SIMD8<Float> { SIMD8(lowHalf: lo, highHalf: hi) }
    @_transparent static var zero: F8 { F8(_mm_setzero_ps(), _mm_setzero_ps()) }

    @_transparent static func load(_ p: UnsafePointer<Float>) -> F8 { F8(_mm_loadu_ps(p), _mm_loadu_ps(p + 4)) }
    @_transparent func store(_ p: UnsafeMutablePointer<Float>) { _mm_storeu_ps(p, lo); _mm_storeu_ps(p + 4, hi) }

    @_transparent static func + (a: F8, b: F8) -> F8 { F8(_mm_add_ps(a.lo, b.lo), _mm_add_ps(a.hi, b.hi)) }
    @_transparent static func - (a: F8, b: F8) -> F8 { F8(_mm_sub_ps(a.lo, b.lo), _mm_sub_ps(a.hi, b.hi)) }
    @_transparent static func * (a: F8, b: F8) -> F8 { F8(_mm_mul_ps(a.lo, b.lo), _mm_mul_ps(a.hi, b.hi)) }
    @_transparent static func / (a: F8, b: F8) -> F8 { F8(_mm_div_ps(a.lo, b.lo), _mm_div_ps(a.hi, b.hi)) }
    @_transparent static prefix func - (a: F8) -> F8 { .zero - a }

    @_transparent static func < (a: F8, b: F8) -> M8 { M8(_mm_cmplt_ps(a.lo, b.lo), _mm_cmplt_ps(a.hi, b.hi)) }
    @_transparent static func > (a: F8, b: F8) -> M8 { M8(_mm_cmpgt_ps(a.lo, b.lo), _mm_cmpgt_ps(a.hi, b.hi)) }
    @_transparent static func >= (a: F8, b: F8) -> M8 { M8(_mm_cmpge_ps(a.lo, b.lo), _mm_cmpge_ps(a.hi, b.hi)) }
    @_transparent static func == (a: F8, b: F8) -> M8 { M8(_mm_cmpeq_ps(a.lo, b.lo), _mm_cmpeq_ps(a.hi, b.hi)) }

    /// Lane-wise minimum and maximum (as `minps`/`maxps`: the second operand where either is NaN).
    @_transparent static func minimum(_ a: F8, _ b: F8) -> F8 { F8(_mm_min_ps(a.lo, b.lo), _mm_min_ps(a.hi, b.hi)) }
    @_transparent static func maximum(_ a: F8, _ b: F8) -> F8 { F8(_mm_max_ps(a.lo, b.lo), _mm_max_ps(a.hi, b.hi)) }
    /// Correctly rounded square root.
    @_transparent var squareRoot: F8 { F8(_mm_sqrt_ps(lo), _mm_sqrt_ps(hi)) }

    /// `ifTrue` where `mask` is set, else `self`.
    @_transparent func replacing(with ifTrue: F8, where mask: M8) -> F8 {
        F8(_mm_or_ps(_mm_and_ps(mask.lo, ifTrue.lo), _mm_andnot_ps(mask.lo, lo)),
           _mm_or_ps(_mm_and_ps(mask.hi, ifTrue.hi), _mm_andnot_ps(mask.hi, hi)))
    }

    /// The bits as Int32 lanes, and back.
    @_transparent var bits: I8 { I8(_mm_castps_si128(lo), _mm_castps_si128(hi)) }
    @_transparent init(bits: I8) { lo = _mm_castsi128_ps(bits.lo); hi = _mm_castsi128_ps(bits.hi) }
    /// Int32 lanes converted to Float32 (exact below 2^24).
    @_transparent init(converting i: I8) { lo = _mm_cvtepi32_ps(i.lo); hi = _mm_cvtepi32_ps(i.hi) }

    @inline(__always) subscript(lane: Int) -> Float { lane < 4 ? lo[lane] : hi[lane - 4] }

    /// Inclusive prefix sum over the eight lanes (lane k: x_0 + … + x_k).
    @_transparent var inclusivePrefixSum: F8 {
        var a = lo, b = hi
        a = _mm_add_ps(a, SIMD4(0, a[0], a[1], a[2]))
        a = _mm_add_ps(a, SIMD4(0, 0, a[0], a[1]))
        b = _mm_add_ps(b, SIMD4(0, b[0], b[1], b[2]))
        b = _mm_add_ps(b, SIMD4(0, 0, b[0], b[1]))
        b = _mm_add_ps(b, SIMD4(repeating: a[3]))
        return F8(a, b)
    }
}

/// A lane mask (all bits set or clear per lane).
struct M8 {
    var lo: SIMD4<Float>, hi: SIMD4<Float>
    @_transparent init(_ lo: SIMD4<Float>, _ hi: SIMD4<Float>) { self.lo = lo; self.hi = hi }
    @_transparent static func | (a: M8, b: M8) -> M8 { M8(_mm_or_ps(a.lo, b.lo), _mm_or_ps(a.hi, b.hi)) }
    /// True if any lane is set.
    @_transparent var any: Bool { (_mm_movemask_ps(lo) | _mm_movemask_ps(hi)) != 0 }
}

/// Eight Int32 (or UInt32) lanes, two's complement, wrapping.
struct I8 {
    var lo: SIMD2<Int64>, hi: SIMD2<Int64>
    @_transparent init(_ lo: SIMD2<Int64>, _ hi: SIMD2<Int64>) { self.lo = lo; self.hi = hi }
    @_transparent init(_ x: Int32) { lo = _mm_set1_epi32(x); hi = lo }
    @_transparent init(unsigned x: UInt32) { self.init(Int32(bitPattern: x)) }
    @_transparent init(lanes v: SIMD8<Int32>) {
        lo = unsafeBitCast(v.lowHalf, to: SIMD2<Int64>.self)
        hi = unsafeBitCast(v.highHalf, to: SIMD2<Int64>.self)
    }

    @_transparent static func &+ (a: I8, b: I8) -> I8 { I8(_mm_add_epi32(a.lo, b.lo), _mm_add_epi32(a.hi, b.hi)) }
    @_transparent static func &- (a: I8, b: I8) -> I8 { I8(_mm_sub_epi32(a.lo, b.lo), _mm_sub_epi32(a.hi, b.hi)) }
    @_transparent static func & (a: I8, b: I8) -> I8 { I8(_mm_and_si128(a.lo, b.lo), _mm_and_si128(a.hi, b.hi)) }
    @_transparent static func | (a: I8, b: I8) -> I8 { I8(_mm_or_si128(a.lo, b.lo), _mm_or_si128(a.hi, b.hi)) }
    @_transparent static func ^ (a: I8, b: I8) -> I8 { I8(_mm_xor_si128(a.lo, b.lo), _mm_xor_si128(a.hi, b.hi)) }
    /// Logical shifts of each 32-bit lane.
    @_transparent func shiftedLeft(_ n: Int32) -> I8 { I8(_mm_slli_epi32(lo, n), _mm_slli_epi32(hi, n)) }
    @_transparent func shiftedRight(_ n: Int32) -> I8 { I8(_mm_srli_epi32(lo, n), _mm_srli_epi32(hi, n)) }

    @_transparent func store(_ p: UnsafeMutablePointer<Int32>) {
        let raw = UnsafeMutableRawPointer(p)
        _mm_storeu_si128(raw.assumingMemoryBound(to: __m128i_u.self), lo)
        _mm_storeu_si128((raw + 16).assumingMemoryBound(to: __m128i_u.self), hi)
    }
    @_transparent var simd: SIMD8<Int32> {
        SIMD8(lowHalf: unsafeBitCast(lo, to: SIMD4<Int32>.self), highHalf: unsafeBitCast(hi, to: SIMD4<Int32>.self))
    }
}

/// The Philox multiply of eight 32-bit lanes by a constant: high and low words of the 64-bit products.
@_transparent
func multiplyHighLow(_ a: I8, _ m: UInt32) -> (high: I8, low: I8) {
    let mm = _mm_set1_epi32(Int32(bitPattern: m))
    let l = multiplyHighLow(a.lo, mm), h = multiplyHighLow(a.hi, mm)
    return (I8(l.high, h.high), I8(l.low, h.low))
}

/// Four lanes of ``multiplyHighLow(_:_:)-(I8,UInt32)`` with SSE2 `pmuludq`.
@_transparent
func multiplyHighLow(_ a: SIMD2<Int64>, _ m: SIMD2<Int64>) -> (high: SIMD2<Int64>, low: SIMD2<Int64>) {
    let even = _mm_mul_epu32(a, m)                         // products of lanes 0 and 2, 64-bit
    let odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), m)      // products of lanes 1 and 3
    let lowMask = _mm_set1_epi64x(0xFFFF_FFFF)
    let high = _mm_or_si128(_mm_srli_epi64(even, 32), _mm_andnot_si128(lowMask, odd))
    let low = _mm_or_si128(_mm_and_si128(even, lowMask), _mm_slli_epi64(odd, 32))
    return (high, low)
}

#else

/// Eight Float32 lanes (portable: Swift SIMD8).
struct F8 {
    var v: SIMD8<Float>
    @_transparent init(_ x: Float) { v = SIMD8(repeating: x) }
    @_transparent init(_ v: SIMD8<Float>) { self.v = v }
    @_transparent var simd: SIMD8<Float> { v }
    @_transparent static var zero: F8 { F8(SIMD8<Float>.zero) }
    @_transparent static func load(_ p: UnsafePointer<Float>) -> F8 {
        F8(UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self))
    }
    @_transparent func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
    @_transparent static func + (a: F8, b: F8) -> F8 { F8(a.v + b.v) }
    @_transparent static func - (a: F8, b: F8) -> F8 { F8(a.v - b.v) }
    @_transparent static func * (a: F8, b: F8) -> F8 { F8(a.v * b.v) }
    @_transparent static func / (a: F8, b: F8) -> F8 { F8(a.v / b.v) }
    @_transparent static prefix func - (a: F8) -> F8 { .zero - a }
    @_transparent static func < (a: F8, b: F8) -> M8 { M8(a.v .< b.v) }
    @_transparent static func > (a: F8, b: F8) -> M8 { M8(a.v .> b.v) }
    @_transparent static func >= (a: F8, b: F8) -> M8 { M8(a.v .>= b.v) }
    @_transparent static func == (a: F8, b: F8) -> M8 { M8(a.v .== b.v) }
    @_transparent static func minimum(_ a: F8, _ b: F8) -> F8 { F8(b.v.replacing(with: a.v, where: a.v .< b.v)) }
    @_transparent static func maximum(_ a: F8, _ b: F8) -> F8 { F8(b.v.replacing(with: a.v, where: a.v .> b.v)) }
    @_transparent var squareRoot: F8 {
        var r = v
        for lane in 0..<8 { r[lane] = v[lane].squareRoot() }
        return F8(r)
    }
    @_transparent func replacing(with ifTrue: F8, where mask: M8) -> F8 { F8(v.replacing(with: ifTrue.v, where: mask.m)) }
    @_transparent var bits: I8 { I8(unsafeBitCast(v, to: SIMD8<Int32>.self)) }
    @_transparent init(bits: I8) { v = unsafeBitCast(bits.v, to: SIMD8<Float>.self) }
    @_transparent init(converting i: I8) { v = SIMD8<Float>(i.v) }
    @inline(__always) subscript(lane: Int) -> Float { v[lane] }

    /// Inclusive prefix sum over the eight lanes (lane k: x_0 + … + x_k).
    @_transparent var inclusivePrefixSum: F8 {
        var s = v
        s += SIMD8(0, s[0], s[1], s[2], s[3], s[4], s[5], s[6])
        s += SIMD8(0, 0, s[0], s[1], s[2], s[3], s[4], s[5])
        s += SIMD8(0, 0, 0, 0, s[0], s[1], s[2], s[3])
        return F8(s)
    }
}

struct M8 {
    var m: SIMDMask<SIMD8<Int32>>
    @_transparent init(_ m: SIMDMask<SIMD8<Int32>>) { self.m = m }
    @_transparent static func | (a: M8, b: M8) -> M8 { M8(a.m .| b.m) }
    @_transparent var any: Bool { Swift.any(m) }
}

struct I8 {
    var v: SIMD8<Int32>
    @_transparent init(_ v: SIMD8<Int32>) { self.v = v }
    @_transparent init(_ x: Int32) { v = SIMD8(repeating: x) }
    @_transparent init(unsigned x: UInt32) { self.init(Int32(bitPattern: x)) }
    @_transparent init(lanes v: SIMD8<Int32>) { self.v = v }
    @_transparent static func &+ (a: I8, b: I8) -> I8 { I8(a.v &+ b.v) }
    @_transparent static func &- (a: I8, b: I8) -> I8 { I8(a.v &- b.v) }
    @_transparent static func & (a: I8, b: I8) -> I8 { I8(a.v & b.v) }
    @_transparent static func | (a: I8, b: I8) -> I8 { I8(a.v | b.v) }
    @_transparent static func ^ (a: I8, b: I8) -> I8 { I8(a.v ^ b.v) }
    @_transparent func shiftedLeft(_ n: Int32) -> I8 {
        I8(unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) &<< UInt32(n), to: SIMD8<Int32>.self))
    }
    @_transparent func shiftedRight(_ n: Int32) -> I8 {
        I8(unsafeBitCast(unsafeBitCast(v, to: SIMD8<UInt32>.self) &>> UInt32(n), to: SIMD8<Int32>.self))
    }
    @_transparent func store(_ p: UnsafeMutablePointer<Int32>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Int32>.self)
    }
    @_transparent var simd: SIMD8<Int32> { v }
}

/// The Philox multiply of eight 32-bit lanes by a constant: high and low words of the 64-bit products.
@_transparent
func multiplyHighLow(_ a: I8, _ m: UInt32) -> (high: I8, low: I8) {
    let p = SIMD8<UInt64>(truncatingIfNeeded: unsafeBitCast(a.v, to: SIMD8<UInt32>.self)) &* UInt64(m)
    return (I8(SIMD8<Int32>(truncatingIfNeeded: p &>> 32)), I8(SIMD8<Int32>(truncatingIfNeeded: p)))
}

#endif

// MARK: generic lanes (F8, and F16 = two interleaved F8)

/// Float32 lanes: the operations the hot loops use. Implemented by ``F8`` and ``F16``; the math functions are
/// generic over it, so a kernel can run on 16 lanes as two independent, interleaved 8-lane chains (which hides
/// the latency of the long polynomial dependency chains).
protocol FloatLanes {
    associatedtype Mask: LaneMask
    associatedtype Bits: IntLanes
    static var width: Int { get }
    init(_ x: Float)
    static var zero: Self { get }
    static func load(_ p: UnsafePointer<Float>) -> Self
    /// `width` lanes from eight floats at p, repeated.
    static func loadRepeating8(_ p: UnsafePointer<Float>) -> Self
    func store(_ p: UnsafeMutablePointer<Float>)
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func < (a: Self, b: Self) -> Mask
    static func > (a: Self, b: Self) -> Mask
    static func >= (a: Self, b: Self) -> Mask
    static func == (a: Self, b: Self) -> Mask
    static func minimum(_ a: Self, _ b: Self) -> Self
    static func maximum(_ a: Self, _ b: Self) -> Self
    var squareRoot: Self { get }
    func replacing(with ifTrue: Self, where mask: Mask) -> Self
    var bits: Bits { get }
    init(bits: Bits)
    init(converting i: Bits)
    /// Sum of the lanes in a fixed order.
    var laneSum: Float { get }
    /// Maximum of the lanes.
    var laneMax: Float { get }
}

protocol LaneMask {
    static func | (a: Self, b: Self) -> Self
    var any: Bool { get }
}

protocol IntLanes {
    init(_ x: Int32)
    static func &+ (a: Self, b: Self) -> Self
    static func &- (a: Self, b: Self) -> Self
    static func & (a: Self, b: Self) -> Self
    static func | (a: Self, b: Self) -> Self
    static func ^ (a: Self, b: Self) -> Self
    func shiftedLeft(_ n: Int32) -> Self
    func shiftedRight(_ n: Int32) -> Self
}

extension F8: FloatLanes {
    @_transparent static var width: Int { 8 }
    @_transparent static func loadRepeating8(_ p: UnsafePointer<Float>) -> F8 { load(p) }
    /// ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7)).
    @_transparent var laneSum: Float {
        ((self[0] + self[4]) + (self[2] + self[6])) + ((self[1] + self[5]) + (self[3] + self[7]))
    }
    @_transparent var laneMax: Float {
        var m = self[0]
        for lane in 1..<8 { let v = self[lane]; m = v > m ? v : m }
        return m
    }
}
extension M8: LaneMask {}
extension I8: IntLanes {}

#if !(arch(x86_64) && DMIMO_AVX512 && DMIMO_AVX2 && !DMIMO_PORTABLE_SIMD)   // else Lanes512.swift: one zmm
/// Sixteen Float32 lanes as two independent ``F8`` (lanes 0–7 and 8–15), every operation emitted for both
/// halves back to back.
struct F16: FloatLanes {
    var a: F8, b: F8
    @_transparent init(_ a: F8, _ b: F8) { self.a = a; self.b = b }
    @_transparent init(_ x: Float) { a = F8(x); b = a }
    @_transparent static var width: Int { 16 }
    @_transparent static var zero: F16 { F16(.zero, .zero) }
    @_transparent static func load(_ p: UnsafePointer<Float>) -> F16 { F16(F8.load(p), F8.load(p + 8)) }
    @_transparent static func loadRepeating8(_ p: UnsafePointer<Float>) -> F16 { let v = F8.load(p); return F16(v, v) }
    @_transparent func store(_ p: UnsafeMutablePointer<Float>) { a.store(p); b.store(p + 8) }
    @_transparent static func + (x: F16, y: F16) -> F16 { F16(x.a + y.a, x.b + y.b) }
    @_transparent static func - (x: F16, y: F16) -> F16 { F16(x.a - y.a, x.b - y.b) }
    @_transparent static func * (x: F16, y: F16) -> F16 { F16(x.a * y.a, x.b * y.b) }
    @_transparent static func / (x: F16, y: F16) -> F16 { F16(x.a / y.a, x.b / y.b) }
    @_transparent static prefix func - (x: F16) -> F16 { F16(-x.a, -x.b) }
    @_transparent static func < (x: F16, y: F16) -> M16 { M16(x.a < y.a, x.b < y.b) }
    @_transparent static func > (x: F16, y: F16) -> M16 { M16(x.a > y.a, x.b > y.b) }
    @_transparent static func >= (x: F16, y: F16) -> M16 { M16(x.a >= y.a, x.b >= y.b) }
    @_transparent static func == (x: F16, y: F16) -> M16 { M16(x.a == y.a, x.b == y.b) }
    @_transparent static func minimum(_ x: F16, _ y: F16) -> F16 { F16(F8.minimum(x.a, y.a), F8.minimum(x.b, y.b)) }
    @_transparent static func maximum(_ x: F16, _ y: F16) -> F16 { F16(F8.maximum(x.a, y.a), F8.maximum(x.b, y.b)) }
    @_transparent var squareRoot: F16 { F16(a.squareRoot, b.squareRoot) }
    @_transparent func replacing(with t: F16, where m: M16) -> F16 {
        F16(a.replacing(with: t.a, where: m.a), b.replacing(with: t.b, where: m.b))
    }
    @_transparent var bits: I16 { I16(a.bits, b.bits) }
    @_transparent init(bits: I16) { a = F8(bits: bits.a); b = F8(bits: bits.b) }
    @_transparent init(converting i: I16) { a = F8(converting: i.a); b = F8(converting: i.b) }
    /// The F8 lane sum of the sum of the halves.
    @_transparent var laneSum: Float { (a + b).laneSum }
    @_transparent var laneMax: Float { F8.maximum(a, b).laneMax }
}

struct M16: LaneMask {
    var a: M8, b: M8
    @_transparent init(_ a: M8, _ b: M8) { self.a = a; self.b = b }
    @_transparent static func | (x: M16, y: M16) -> M16 { M16(x.a | y.a, x.b | y.b) }
    @_transparent var any: Bool { a.any || b.any }
}

struct I16: IntLanes {
    var a: I8, b: I8
    @_transparent init(_ a: I8, _ b: I8) { self.a = a; self.b = b }
    @_transparent init(_ x: Int32) { a = I8(x); b = a }
    @_transparent static func &+ (x: I16, y: I16) -> I16 { I16(x.a &+ y.a, x.b &+ y.b) }
    @_transparent static func &- (x: I16, y: I16) -> I16 { I16(x.a &- y.a, x.b &- y.b) }
    @_transparent static func & (x: I16, y: I16) -> I16 { I16(x.a & y.a, x.b & y.b) }
    @_transparent static func | (x: I16, y: I16) -> I16 { I16(x.a | y.a, x.b | y.b) }
    @_transparent static func ^ (x: I16, y: I16) -> I16 { I16(x.a ^ y.a, x.b ^ y.b) }
    @_transparent func shiftedLeft(_ n: Int32) -> I16 { I16(a.shiftedLeft(n), b.shiftedLeft(n)) }
    @_transparent func shiftedRight(_ n: Int32) -> I16 { I16(a.shiftedRight(n), b.shiftedRight(n)) }
}

#endif

// MARK: shared helpers

extension FloatLanes {
    @_transparent static func + (a: Self, b: Float) -> Self { a + Self(b) }
    @_transparent static func - (a: Self, b: Float) -> Self { a - Self(b) }
    @_transparent static func * (a: Self, b: Float) -> Self { a * Self(b) }
    @_transparent static func + (a: Float, b: Self) -> Self { Self(a) + b }
    @_transparent static func - (a: Float, b: Self) -> Self { Self(a) - b }
    @_transparent static func * (a: Float, b: Self) -> Self { Self(a) * b }
    @_transparent static func / (a: Float, b: Self) -> Self { Self(a) / b }
    @_transparent static func += (a: inout Self, b: Self) { a = a + b }
    @_transparent static func < (a: Self, b: Float) -> Mask { a < Self(b) }
    @_transparent static func > (a: Self, b: Float) -> Mask { a > Self(b) }
    @_transparent static func >= (a: Self, b: Float) -> Mask { a >= Self(b) }
    @_transparent static func == (a: Self, b: Float) -> Mask { a == Self(b) }
    @_transparent static func load(_ p: UnsafeMutablePointer<Float>) -> Self { load(UnsafePointer(p)) }
}
