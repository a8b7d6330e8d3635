// BulkRandomTests: the eight-block Philox generator is the Scenario module's stream, and its normals are normal.
import Scenario
import Testing
@testable import Localization

@Suite struct BulkRandomTests {
    @Test func wordsAreThoseOfRandomStream() {
        let keys: [(UInt64, Int, UInt32)] = [(0, 0, 0), (2025, 183, 7), (.max, 525, noPanel)]
        for (seed, step, panel) in keys {
        for purpose in [RandomPurpose.regularization, .amplitudeResampling, .prior] {
            let count = 96 + 16   // three full groups and a partial one
            var words = [UInt32](repeating: 0, count: count)
            BulkRandomStream(seed: seed, step: step, panel: panel, purpose: purpose).fillWords(&words, count: count)
            var reference = RandomStream(seed: seed, step: step, panel: panel, purpose: purpose)
            var blocks: [SIMD4<UInt32>] = []
            for _ in 0..<((count + 3) / 4 + 8) { blocks.append(reference.nextBlock()) }
            for i in 0..<count {
                let group = i / 32, k = (i % 32) / 8, lane = i % 8
                #expect(words[i] == blocks[group * 8 + lane][k], "word \(i)")
            }
        }
        }
    }

    @Test func firstUniformIsTheFirstWord() {
        let stream = BulkRandomStream(seed: 99, step: 3, panel: 1, purpose: .agentResampling)
        var reference = RandomStream(seed: 99, step: 3, panel: 1, purpose: .agentResampling)
        #expect(stream.firstUniformClosedOpen() == Float(reference.nextUInt32() >> 8) * 0x1.0p-24)
    }

    @Test func uniformsAreInTheOpenClosedInterval() {
        let n = 1 << 16
        var u = [Float](repeating: 0, count: n)
        BulkRandomStream(seed: 5, step: 0, panel: 0, purpose: .prior).fillUniformsOpenClosed(&u, count: n)
        #expect(u.allSatisfy { $0 > 0 && $0 <= 1 })
        let mean = u.reduce(0.0) { $0 + Double($1) } / Double(n)
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12.0 / Double(n)).squareRoot())
    }

    /// Sample moments of 2^16 normals within 5 standard errors: mean, variance, fourth moment; bounded tails.
    @Test func normalsHaveNormalMoments() {
        let n = 1 << 16
        var g = [Float](repeating: 0, count: n)
        BulkRandomStream(seed: 11, step: 4, panel: 2, purpose: .regularization).fillNormals(&g, count: n)
        let values = g.map(Double.init)
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        let fourth = values.reduce(0) { $0 + $1 * $1 * $1 * $1 } / Double(n)
        #expect(abs(mean) < 5 / Double(n).squareRoot())
        #expect(abs(variance - 1) < 5 * (2.0 / Double(n)).squareRoot())
        #expect(abs(fourth - 3) < 5 * (96.0 / Double(n)).squareRoot())
        #expect(values.allSatisfy { abs($0) < 5.8 })
        // the two halves (cos and sin branches) are uncorrelated
        let h = n / 2
        let correlation = (0..<h).reduce(0.0) { $0 + values[$1] * values[$1 + h] } / Double(h)
        #expect(abs(correlation) < 5 / Double(h).squareRoot())
    }

    @Test func purposesGiveDifferentStreams() {
        var a = [Float](repeating: 0, count: 32), b = [Float](repeating: 0, count: 32)
        BulkRandomStream(seed: 1, step: 1, panel: 1, purpose: .regularization).fillUniformsOpenClosed(&a, count: 32)
        BulkRandomStream(seed: 1, step: 1, panel: 1, purpose: .agentPrediction).fillUniformsOpenClosed(&b, count: 32)
        #expect(a != b)
    }
}
