// BulkRandom: the Scenario module's Philox-4x32-10 streams, eight blocks at a time, into Float32 uniforms and normals.
import Scenario

/// A counter-based random stream keyed by (run seed, step, panel, purpose), generated eight Philox blocks at once.
///
/// It is the same stream as `Scenario.RandomStream(seed:step:panel:purpose:)`: block b of this stream is the
/// b-th `nextBlock()` of that one (a unit test checks this word for word). Only the order in which words are
/// laid out differs: a fill writes the 32 words of blocks 8g…8g+7 as
/// `out[32g + 8k + l] = word k of block 8g + l` (k = 0…3, l = 0…7), so that no transposition is needed.
struct BulkRandomStream {
    let keyLow: UInt32, keyHigh: UInt32
    let step: UInt32, panel: UInt32, purpose: UInt32

    init(seed: UInt64, step: Int, panel: UInt32, purpose: RandomPurpose) {
        keyLow = UInt32(truncatingIfNeeded: seed)
        keyHigh = UInt32(truncatingIfNeeded: seed >> 32)
        self.step = UInt32(truncatingIfNeeded: step)
        self.panel = panel
        self.purpose = purpose.rawValue
    }

    /// The stream of island `island` (filter.islands > 1): purpose word `purpose.rawValue + 256 · island`, so
    /// island 0 draws from the purpose's own stream (what the whole γ draws with one island) and island b ≥ 1
    /// from a stream no other purpose uses (every ``RandomPurpose`` raw value is below 256).
    init(seed: UInt64, step: Int, panel: UInt32, purpose: RandomPurpose, island: Int) {
        precondition(island >= 0 && island < 1 << 24, "island index out of range")
        keyLow = UInt32(truncatingIfNeeded: seed)
        keyHigh = UInt32(truncatingIfNeeded: seed >> 32)
        self.step = UInt32(truncatingIfNeeded: step)
        self.panel = panel
        self.purpose = purpose.rawValue &+ BulkRandomStream.islandPurposeStride &* UInt32(island)
    }

    /// Distance between the purpose words of consecutive islands (above every ``RandomPurpose`` raw value).
    static let islandPurposeStride: UInt32 = 256

    /// Philox-4x32-10 of blocks `firstBlock ..< firstBlock + 8`: lane l of word k is word k of block firstBlock + l.
    @inline(__always)
    func blocks8(from firstBlock: UInt32) -> (I8, I8, I8, I8) {
        var c = (I8(lanes: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)) &+ I8(unsigned: firstBlock),
                 I8(unsigned: step), I8(unsigned: panel), I8(unsigned: purpose))
        @_transparent func round(_ r: UInt32) {
            let k0 = I8(unsigned: keyLow &+ r &* 0x9E37_79B9), k1 = I8(unsigned: keyHigh &+ r &* 0xBB67_AE85)
            let p0 = multiplyHighLow(c.0, 0xD251_1F53)
            let p1 = multiplyHighLow(c.2, 0xCD9E_8D57)
            c = (p1.high ^ c.1 ^ k0, p1.low, p0.high ^ c.3 ^ k1, p0.low)
        }
        round(0); round(1); round(2); round(3); round(4); round(5); round(6); round(7); round(8); round(9)
        return c
    }

    /// Blocks `firstBlock ..< firstBlock + 16` as two interleaved ``blocks8(from:)`` (same words).
    @inline(__always)
    func blocks16(from firstBlock: UInt32) -> ((I8, I8, I8, I8), (I8, I8, I8, I8)) {
        let lanes = I8(lanes: SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7))
        var a = (lanes &+ I8(unsigned: firstBlock), I8(unsigned: step), I8(unsigned: panel), I8(unsigned: purpose))
        var b = (lanes &+ I8(unsigned: firstBlock &+ 8), a.1, a.2, a.3)
        @_transparent func round(_ r: UInt32) {
            let k0 = I8(unsigned: keyLow &+ r &* 0x9E37_79B9), k1 = I8(unsigned: keyHigh &+ r &* 0xBB67_AE85)
            let pa0 = multiplyHighLow(a.0, 0xD251_1F53), pb0 = multiplyHighLow(b.0, 0xD251_1F53)
            let pa1 = multiplyHighLow(a.2, 0xCD9E_8D57), pb1 = multiplyHighLow(b.2, 0xCD9E_8D57)
            a = (pa1.high ^ a.1 ^ k0, pa1.low, pa0.high ^ a.3 ^ k1, pa0.low)
            b = (pb1.high ^ b.1 ^ k0, pb1.low, pb0.high ^ b.3 ^ k1, pb0.low)
        }
        round(0); round(1); round(2); round(3); round(4); round(5); round(6); round(7); round(8); round(9)
        return (a, b)
    }

#if arch(x86_64) && DMIMO_AVX512 && DMIMO_AVX2 && !DMIMO_PORTABLE_SIMD
    /// ``blocks16(from:)`` in sixteen-lane registers: lane l of word k is word k of block firstBlock + l.
    @inline(__always)
    func blocks16Wide(from firstBlock: UInt32) -> (I16, I16, I16, I16) {
        var c = (I16(lanes: SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
                    &+ I16(unsigned: firstBlock),
                 I16(unsigned: step), I16(unsigned: panel), I16(unsigned: purpose))
        @_transparent func round(_ r: UInt32) {
            let k0 = I16(unsigned: keyLow &+ r &* 0x9E37_79B9), k1 = I16(unsigned: keyHigh &+ r &* 0xBB67_AE85)
            let p0 = multiplyHighLow(c.0, 0xD251_1F53)
            let p1 = multiplyHighLow(c.2, 0xCD9E_8D57)
            c = (p1.high ^ c.1 ^ k0, p1.low, p0.high ^ c.3 ^ k1, p0.low)
        }
        round(0); round(1); round(2); round(3); round(4); round(5); round(6); round(7); round(8); round(9)
        return c
    }

    @_transparent
    static func openClosed(_ w: I16) -> F16 {
        F16(converting: w.shiftedRight(8) &+ I16(1)) * 0x1.0p-24
    }
#endif

    /// Writes `count` raw words (count a multiple of 8) in the layout described on the type.
    func fillWords(_ out: UnsafeMutablePointer<UInt32>, count: Int) {
        precondition(count % 8 == 0)
        out.withMemoryRebound(to: Int32.self, capacity: count) { words in
            var base = 0
            while base < count {
                let (w0, w1, w2, w3) = blocks8(from: UInt32(truncatingIfNeeded: base / 4))
                w0.store(words + base)
                if base + 8 < count { w1.store(words + base + 8) }
                if base + 16 < count { w2.store(words + base + 16) }
                if base + 24 < count { w3.store(words + base + 24) }
                base += 32
            }
        }
    }

    /// Writes `count` uniforms in (0, 1] (24 random bits each: ((w >> 8) + 1) · 2^−24), count a multiple of 8.
    /// Word i of the layout gives uniform i.
    func fillUniformsOpenClosed(_ out: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count % 8 == 0)
        var base = 0
        while base + 64 <= count {   // sixteen blocks: two groups of eight, interleaved
#if arch(x86_64) && DMIMO_AVX512 && DMIMO_AVX2 && !DMIMO_PORTABLE_SIMD
            // one zmm per word: lanes 0–7 are blocks base/4 + 0…7 (the `a` group), lanes 8–15 the `b` group
            let (w0, w1, w2, w3) = blocks16Wide(from: UInt32(truncatingIfNeeded: base / 4))
            let u0 = Self.openClosed(w0), u1 = Self.openClosed(w1), u2 = Self.openClosed(w2)
            let u3 = Self.openClosed(w3)
            u0.a.store(out + base); u1.a.store(out + base + 8); u2.a.store(out + base + 16)
            u3.a.store(out + base + 24); u0.b.store(out + base + 32); u1.b.store(out + base + 40)
            u2.b.store(out + base + 48); u3.b.store(out + base + 56)
#else
            let (a, b) = blocks16(from: UInt32(truncatingIfNeeded: base / 4))
            Self.openClosed(a.0).store(out + base)
            Self.openClosed(a.1).store(out + base + 8)
            Self.openClosed(a.2).store(out + base + 16)
            Self.openClosed(a.3).store(out + base + 24)
            Self.openClosed(b.0).store(out + base + 32)
            Self.openClosed(b.1).store(out + base + 40)
            Self.openClosed(b.2).store(out + base + 48)
            Self.openClosed(b.3).store(out + base + 56)
#endif
            base += 64
        }
        while base < count {
            let (w0, w1, w2, w3) = blocks8(from: UInt32(truncatingIfNeeded: base / 4))
            Self.openClosed(w0).store(out + base)
            if base + 8 < count { Self.openClosed(w1).store(out + base + 8) }
            if base + 16 < count { Self.openClosed(w2).store(out + base + 16) }
            if base + 24 < count { Self.openClosed(w3).store(out + base + 24) }
            base += 32
        }
    }

    /// The first word of the stream as a uniform in [0, 1) (24 random bits: (w >> 8) · 2^−24).
    func firstUniformClosedOpen() -> Float {
        let (w0, _, _, _) = blocks8(from: 0)
        return Float(UInt32(bitPattern: w0.simd[0]) >> 8) * 0x1.0p-24
    }

    @_transparent
    static func openClosed(_ w: I8) -> F8 {
        F8(converting: w.shiftedRight(8) &+ I8(1)) * 0x1.0p-24
    }

    /// Fills `count` standard normals (count a multiple of 16) by the Box–Muller transform of `count` uniforms
    /// of this stream: with h = count/2, uniforms U_i (i < h) set the radius √(−2 ln U_i) and U_{i+h} the
    /// angle 2π U_{i+h}; out[i] = r_i cos θ_i, out[i+h] = r_i sin θ_i. |value| ≤ √(2·24·ln 2) ≈ 5.77.
    func fillNormals(_ out: UnsafeMutablePointer<Float>, count: Int) {
        fillUniformsOpenClosed(out, count: count)
        boxMullerInPlace(out, count: count)
    }
}

/// In-place Box–Muller on `count` uniforms in (0, 1] (count a multiple of 16), layout as in
/// ``BulkRandomStream/fillNormals(_:count:)``.
func boxMullerInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count % 16 == 0)
    let half = count / 2
    @_transparent func transform<V: FloatLanes>(_: V.Type, at i: Int) {
        let u1 = V.load(buffer + i), u2 = V.load(buffer + i + half)
        let radius = vsqrt(vlog(u1) * -2)
        let (s, c) = vsinCosTwoPi(u2)
        (radius * c).store(buffer + i)
        (radius * s).store(buffer + i + half)
    }
    var i = 0
    while i + 16 <= half { transform(F16.self, at: i); i += 16 }   // two interleaved chains
    if i < half { transform(F8.self, at: i) }
}
