// SinCosTests: the joint cosine/sine against the C library's over the argument ranges the downlink code uses.
import Foundation
import Scenario
import Testing
@testable import Downlink

@Suite struct SinCosTests {
    /// |x| ≤ π (array phases π s) and |x| ≤ 1e4 rad (carrier phases 2π d/λ up to ~100 m), plus the quadrant
    /// boundaries: within 2 ulp of 1 (4.5e−16) of `cos`/`sin` everywhere.
    @Test func matchesLibm() {
        var stream = RandomStream(seed: 4_242, step: 0, panel: noPanel, purpose: .downlinkSearch)
        var arguments: [Double] = []
        for _ in 0..<20_000 { arguments.append(-Double.pi + 2 * Double.pi * stream.nextUniform()) }
        for _ in 0..<20_000 { arguments.append(-1e4 + 2e4 * stream.nextUniform()) }
        for q in -8...8 {
            let boundary = (Double(q) + 0.5) * Double.pi / 2
            arguments += [boundary, boundary.nextUp, boundary.nextDown, Double(q) * Double.pi / 2]
        }
        arguments += [0, -0.0, 1e-300, 5e-9, -5e-9, 3 * Double.pi / 4]
        var worst = 0.0
        for x in arguments {
            let (c, s) = cosSin(x)
            worst = max(worst, abs(c - Foundation.cos(x)), abs(s - Foundation.sin(x)))
        }
        #expect(worst <= 4.5e-16, "largest deviation \(worst)")
        // and the small-angle sine relative to its size
        #expect(cosSin(1e-300).sin == 1e-300)
        #expect(abs(cosSin(5e-9).sin - Foundation.sin(5e-9)) <= 1e-24)
        #expect(cosSin(0).cos == 1 && cosSin(0).sin == 0)
    }

    /// The four-lane version gives the scalar function's results bit for bit in every lane (the vectorised cost
    /// evaluator relies on it), including the quadrant boundaries and signed zeros.
    @Test func fourLanesEqualScalarBitForBit() {
        var stream = RandomStream(seed: 4_243, step: 0, panel: noPanel, purpose: .downlinkSearch)
        var arguments: [Double] = [0, -0.0, 1e-300, -1e-300, 5e-9, -5e-9]
        for q in -8...8 {
            let boundary = (Double(q) + 0.5) * Double.pi / 2
            arguments += [boundary, boundary.nextUp, boundary.nextDown, Double(q) * Double.pi / 2]
        }
        for _ in 0..<20_000 { arguments.append(-Double.pi + 2 * Double.pi * stream.nextUniform()) }
        for _ in 0..<20_000 { arguments.append(-1e4 + 2e4 * stream.nextUniform()) }
        while arguments.count % 4 != 0 { arguments.append(1) }
        var mismatches = 0
        arguments.withUnsafeBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count, by: 4) {
                let (c4, s4) = cosSin4(D4.load(buffer.baseAddress! + start))
                let c = c4.simd, s = s4.simd
                for lane in 0..<4 {
                    let (cs, ss) = cosSin(buffer[start + lane])
                    if c[lane].bitPattern != cs.bitPattern || s[lane].bitPattern != ss.bitPattern { mismatches += 1 }
                }
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(arguments.count) angles differ")
    }
}
