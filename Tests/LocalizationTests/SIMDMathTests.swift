// SIMDMathTests: the eight-lane polynomial functions against the platform's Double libm.
import Foundation
import Testing
@testable import Localization

/// Applies an eight-lane function to a list of scalars (padded by repetition).
func lanes(_ values: [Float], _ f: (F8) -> F8) -> [Float] {
    var out: [Float] = []
    var i = 0
    while i < values.count {
        var v = SIMD8<Float>(repeating: values[i])
        for l in 0..<8 where i + l < values.count { v[l] = values[i + l] }
        let r = f(F8(v)).simd
        for l in 0..<8 where i + l < values.count { out.append(r[l]) }
        i += 8
    }
    return out
}

@Suite struct SIMDMathTests {
    @Test func expMatchesLibm() {
        let xs = stride(from: -86.0, through: 88.0, by: 0.0137).map { Float($0) } + [0, -1e-7, 1e-7]
        let got = lanes(xs, vexp)
        var worst = 0.0
        for (x, g) in zip(xs, got) {
            let ref = exp(Double(x))
            worst = max(worst, abs(Double(g) - ref) / ref)
        }
        #expect(worst < 4e-7, "worst relative error \(worst)")
    }

    @Test func expClampsBelowAndAbove() {
        let got = lanes([-200, -1000, 200, .infinity * -1], vexp)
        #expect(got[0] > 0 && got[0] < 1e-37 && got[0].isNormal)
        #expect(got[1] == got[0])
        #expect(got[2].isFinite && got[2] > 1e38)
        #expect(got[3] == got[0])
    }

    @Test func laneOperations() {
        let a = F8(SIMD8<Float>(1, -2, 3, -4, 5, -6, 7, -8)), b = F8(SIMD8<Float>(0, 0, 4, -5, 5, 1, -7, 9))
        #expect((a + b).simd == a.simd + b.simd)
        #expect((a - b).simd == a.simd - b.simd)
        #expect((a * b).simd == a.simd * b.simd)
        #expect((a / F8(3)).simd == a.simd / 3)
        #expect(vmin(a, b).simd == SIMD8<Float>(0, -2, 3, -5, 5, -6, -7, -8))
        #expect(vmax(a, b).simd == SIMD8<Float>(1, 0, 4, -4, 5, 1, 7, 9))
        #expect(vabs(a).simd == SIMD8<Float>(1, 2, 3, 4, 5, 6, 7, 8))
        #expect(a.replacing(with: b, where: a < b).simd == SIMD8<Float>(1, 0, 4, -4, 5, 1, 7, 9))
        #expect(((a < 0) | (a > 6)).any && !(a > 100).any)
        #expect(vroundedToInt(F8(SIMD8<Float>(0, 1, -1, 2.5, 3.5, -2.5, 1000, -7))).simd
                == SIMD8<Int32>(0, 1, -1, 2, 4, -2, 1000, -7))
        let i = I8(lanes: SIMD8<Int32>(1, 2, 3, 4, -1, -2, 0x7FFF_FFFF, Int32.min))
        #expect(i.shiftedRight(1).simd == SIMD8<Int32>(0, 1, 1, 2, 0x7FFF_FFFF, 0x7FFF_FFFF, 0x3FFF_FFFF, 0x4000_0000))
        #expect(i.shiftedLeft(1).simd == SIMD8<Int32>(2, 4, 6, 8, -2, -4, -2, 0))
        #expect((i &+ I8(1)).simd == SIMD8<Int32>(2, 3, 4, 5, 0, -1, Int32.min, Int32.min + 1))
        #expect(F8(converting: I8(lanes: SIMD8<Int32>(0, 1, -1, 7, 16_777_216, 3, 2, 1))).simd
                == SIMD8<Float>(0, 1, -1, 7, 16_777_216, 3, 2, 1))
        let words = I8(lanes: SIMD8<Int32>(0, 1, -1, 0x1234_5678, 5, 6, 7, 8))
        let (high, low) = multiplyHighLow(words, 0xD251_1F53)
        for lane in 0..<8 {
            let product = UInt64(UInt32(bitPattern: words.simd[lane])) * 0xD251_1F53
            #expect(UInt32(bitPattern: high.simd[lane]) == UInt32(product >> 32))
            #expect(UInt32(bitPattern: low.simd[lane]) == UInt32(truncatingIfNeeded: product))
        }
    }

    @Test func logMatchesLibm() {
        var xs: [Float] = stride(from: -37.0, through: 38.0, by: 0.0173).map { Float(pow(10.0, $0)) }
        xs += stride(from: 0.5, through: 2.0, by: 0.000_731).map { Float($0) }
        let got = lanes(xs, vlog)
        var worst = 0.0
        for (x, g) in zip(xs, got) {
            let ref = log(Double(x))
            worst = max(worst, abs(Double(g) - ref) / max(abs(ref), 1e-3))
        }
        #expect(worst < 3e-7, "worst error \(worst)")
        #expect(lanes([1], vlog)[0] == 0)
        #expect(lanes([0], vlog)[0].isFinite)
    }

    @Test func atan2MatchesLibmInEveryQuadrant() {
        var ys: [Float] = [], xs: [Float] = []
        for k in 0..<4000 {
            let angle = -Double.pi + 2 * Double.pi * Double(k) / 4000
            for r in [1e-3, 0.7, 25.0] {
                ys.append(Float(r * sin(angle))); xs.append(Float(r * cos(angle)))
            }
        }
        ys += [0, 0, 1, -1, 0]; xs += [1, -1, 0, 0, 0]
        var got: [Float] = []
        var i = 0
        while i < xs.count {
            var y = SIMD8<Float>(repeating: 1), x = SIMD8<Float>(repeating: 1)
            for l in 0..<8 where i + l < xs.count { y[l] = ys[i + l]; x[l] = xs[i + l] }
            let r = vatan2(F8(y), F8(x))
            for l in 0..<8 where i + l < xs.count { got.append(r[l]) }
            i += 8
        }
        var worst = 0.0
        for k in xs.indices {
            let ref = atan2(Double(ys[k]), Double(xs[k]))
            var diff = abs(Double(got[k]) - ref)
            if diff > Double.pi { diff = abs(diff - 2 * Double.pi) }   // ±π agree as angles
            worst = max(worst, diff)
            #expect(got[k] > -Float.pi - 1e-6 && got[k] <= Float.pi)
        }
        #expect(worst < 5e-7, "worst absolute error \(worst) rad")
        #expect(got[got.count - 4] == Float.pi)           // atan2(0, −1)
        #expect(got[got.count - 1] == 0)                  // atan2(0, 0)
    }

    @Test func sinCosOfTwoPiU() {
        let us = stride(from: -1.0, through: 2.0, by: 0.000_37).map { Float($0) } + [0, 0.25, 0.5, 0.75, 1]
        var worst = 0.0
        var i = 0
        while i < us.count {
            var v = SIMD8<Float>(repeating: 0)
            for l in 0..<8 where i + l < us.count { v[l] = us[i + l] }
            let (s, c) = vsinCosTwoPi(F8(v))
            for l in 0..<8 where i + l < us.count {
                let a = 2 * Double.pi * Double(us[i + l])
                worst = max(worst, abs(Double(s[l]) - sin(a)), abs(Double(c[l]) - cos(a)))
            }
            i += 8
        }
        #expect(worst < 3e-7, "worst absolute error \(worst)")
    }

    /// log(½ erfc(z)) against the Double reference (libm erfc and its asymptotic series) over the amplitudes
    /// the filter meets, z = u − u_de ∈ [−10, 160].
    @Test func logHalfErfcMatchesReference() {
        let zs = stride(from: -10.0, through: 160.0, by: 0.0191).map { Float($0) } + [0]
        let got = lanes(zs, vlogHalfErfc)
        var worst = 0.0
        for (z, g) in zip(zs, got) {
            let ref = LocaLoSReference.logMissProbability(amplitude: Double(z) + 2, detectionThreshold: 2)
            worst = max(worst, abs(Double(g) - ref) / max(1, abs(ref)))
        }
        #expect(worst < 1e-6, "worst scaled error \(worst)")
    }

    @Test func sqrtIsCorrectlyRounded() {
        let xs: [Float] = (0..<1000).map { Float($0) * 0.37 } + [2, 1e-30, 1e30]
        let got = lanes(xs, vsqrt)
        for (x, g) in zip(xs, got) { #expect(g == x.squareRoot()) }
    }

    @Test func horizontalReductions() {
        let v = F8(SIMD8<Float>(3, -1, 7, 2, 9.5, 0, -4, 1))
        #expect((v).laneMax == 9.5)
        #expect((v).laneSum == 17.5)
        #expect(v.inclusivePrefixSum.simd == SIMD8<Float>(3, 2, 9, 11, 20.5, 20.5, 16.5, 17.5))
    }
}
