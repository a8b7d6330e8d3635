// Tests of the Philox-4x32-10 streams: known-answer vectors and stream independence.
import Testing
@testable import Scenario

@Suite struct CounterRandomTests {
    /// Known-answer tests of Random123 (kat_vectors, philox4x32_10).
    @Test func philoxKnownAnswers() {
        #expect(philox4x32x10(counter: .zero, key: .zero) == SIMD4(0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8))
        #expect(philox4x32x10(counter: SIMD4(repeating: 0xffff_ffff), key: SIMD2(repeating: 0xffff_ffff))
                == SIMD4(0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd))
        #expect(philox4x32x10(counter: SIMD4(0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344),
                              key: SIMD2(0xa409_3822, 0x299f_31d0))
                == SIMD4(0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1))
    }

    @Test func streamsAreReproducibleAndDistinct() {
        var a = RandomStream(seed: 2025, step: 7, panel: 3, purpose: .pathNoise)
        var b = RandomStream(seed: 2025, step: 7, panel: 3, purpose: .pathNoise)
        var c = RandomStream(seed: 2025, step: 7, panel: 4, purpose: .pathNoise)
        let xa = (0..<100).map { _ in a.nextUInt32() }
        let xb = (0..<100).map { _ in b.nextUInt32() }
        let xc = (0..<100).map { _ in c.nextUInt32() }
        #expect(xa == xb)
        #expect(xa != xc)
    }

    @Test func gaussianMoments() {
        var s = RandomStream(seed: 1, step: 0, panel: noPanel, purpose: .prior)
        let n = 200_000
        var sum = 0.0, sum2 = 0.0
        for _ in 0..<n { let g = s.nextGaussian(); sum += g; sum2 += g * g }
        let mean = sum / Double(n), variance = sum2 / Double(n) - mean * mean
        // standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032; allow 5 sigma
        #expect(abs(mean) < 0.011)
        #expect(abs(variance - 1) < 0.016)
    }

    @Test func uniformIntIsInRangeAndCoversIt() {
        var s = RandomStream(seed: 9, step: 1, panel: 0, purpose: .shuffle)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[s.nextInt(below: 7)] += 1 }
        for c in counts { #expect(abs(c - 10_000) < 500) }   // sd ≈ 93
    }
}
