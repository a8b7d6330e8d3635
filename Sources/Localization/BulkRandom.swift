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

    /// Philox-4x32-10 of blocks `firstBlock ..< firstBlock + 8`: lane l of word k is word k of block firstBlock + l.
    @inline(__always)
    func blocks8(from firstBlock: UInt32) -> (SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>, SIMD8<UInt32>) {
        var c0 = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7) &+ firstBlock
        var c1 = SIMD8<UInt32>(repeating: step)
        var c2 = SIMD8<UInt32>(repeating: panel)
        var c3 = SIMD8<UInt32>(repeating: purpose)
        var k0 = keyLow, k1 = keyHigh
        for round in 0..<10 {
            if round > 0 { k0 &+= 0x9E37_79B9; k1 &+= 0xBB67_AE85 }
            let p0 = SIMD8<UInt64>(truncatingIfNeeded: c0) &* 0xD251_1F53
            let p1 = SIMD8<UInt64>(truncatingIfNeeded: c2) &* 0xCD9E_8D57
            let hi0 = SIMD8<UInt32>(truncatingIfNeeded: p0 &>> 32), lo0 = SIMD8<UInt32>(truncatingIfNeeded: p0)
            let hi1 = SIMD8<UInt32>(truncatingIfNeeded: p1 &>> 32), lo1 = SIMD8<UInt32>(truncatingIfNeeded: p1)
            let n0 = hi1 ^ c1 ^ k0
            let n2 = hi0 ^ c3 ^ k1
            c0 = n0; c1 = lo1; c2 = n2; c3 = lo0
        }
        return (c0, c1, c2, c3)
    }

    /// Writes `count` raw words (count a multiple of 8) in the layout described on the type.
    func fillWords(_ out: UnsafeMutablePointer<UInt32>, count: Int) {
        precondition(count % 8 == 0)
        var base = 0
        while base < count {
            let (w0, w1, w2, w3) = blocks8(from: UInt32(truncatingIfNeeded: base / 4))
            let raw = UnsafeMutableRawPointer(out + base)
            raw.storeBytes(of: w0, toByteOffset: 0, as: SIMD8<UInt32>.self)
            if base + 8 < count { raw.storeBytes(of: w1, toByteOffset: 32, as: SIMD8<UInt32>.self) }
            if base + 16 < count { raw.storeBytes(of: w2, toByteOffset: 64, as: SIMD8<UInt32>.self) }
            if base + 24 < count { raw.storeBytes(of: w3, toByteOffset: 96, as: SIMD8<UInt32>.self) }
            base += 32
        }
    }

    /// Writes `count` uniforms in (0, 1] (24 random bits each: ((w >> 8) + 1) · 2^−24), count a multiple of 8.
    /// Word i of the layout gives uniform i.
    func fillUniformsOpenClosed(_ out: UnsafeMutablePointer<Float>, count: Int) {
        precondition(count % 8 == 0)
        var base = 0
        while base < count {
            let (w0, w1, w2, w3) = blocks8(from: UInt32(truncatingIfNeeded: base / 4))
            store8(Self.openClosed(w0), out, base)
            if base + 8 < count { store8(Self.openClosed(w1), out, base + 8) }
            if base + 16 < count { store8(Self.openClosed(w2), out, base + 16) }
            if base + 24 < count { store8(Self.openClosed(w3), out, base + 24) }
            base += 32
        }
    }

    /// The first word of the stream as a uniform in [0, 1) (24 random bits: (w >> 8) · 2^−24).
    func firstUniformClosedOpen() -> Float {
        let (w0, _, _, _) = blocks8(from: 0)
        return Float(w0[0] >> 8) * 0x1.0p-24
    }

    @inline(__always)
    static func openClosed(_ w: SIMD8<UInt32>) -> Float8 {
        Float8(SIMD8<Int32>(truncatingIfNeeded: (w &>> 8) &+ 1)) * 0x1.0p-24
    }

    /// Fills `count` standard normals (count a multiple of 16) by the Box–Muller transform of `count` uniforms
    /// of this stream: with h = count/2, uniforms U_i (i < h) set the radius √(−2 ln U_i) and U_{i+h} the
    /// angle 2π U_{i+h}; out[i] = r_i cos θ_i, out[i+h] = r_i sin θ_i. |value| ≤ √(2·24·ln 2) ≈ 5.77.
    func fillNormals(_ out: UnsafeMutablePointer<Float>, count: Int) {
        fillUniformsOpenClosed(out, count: count)
        boxMullerInPlace(out, count: count)
    }
}

/// In-place Box–Muller on `count` uniforms in (0, 1] (count a multiple of 16), layout as in ``BulkRandomStream/fillNormals(_:count:)``.
func boxMullerInPlace(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
    precondition(count % 16 == 0)
    let half = count / 2
    var i = 0
    while i < half {
        let u1 = load8(buffer, i), u2 = load8(buffer, i + half)
        let radius = sqrt8(log8(u1) * -2)
        let (s, c) = sinCosTwoPi8(u2)
        store8(radius * c, buffer, i)
        store8(radius * s, buffer, i + half)
        i += 8
    }
}
