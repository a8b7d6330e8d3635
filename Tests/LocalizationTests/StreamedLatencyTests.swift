// StreamedLatencyTests: streamed eq. (10) for γ as B islands against its closed form and hand-computed values.
import Testing
@testable import Localization

@Suite struct StreamedLatencyTests {
    /// B = 1 is eq. (10) exactly, over the paper's grid, with and without the adder tree.
    @Test func oneIslandIsEquationTen() {
        let model = LatencyModel()
        for j in [2, 4, 8, 12, 24, 48] {
            for np in [2048, 4096, 8192, 16384] {
                for m in [1, 6, 10] {
                    for tree in [false, true] {
                        #expect(model.streamedCycles(panels: j, particles: np, islands: 1, measurements: m,
                                                     adderTree: tree)
                                == model.cycles(panels: j, particles: np, measurements: m, adderTree: tree))
                    }
                }
            }
        }
    }

    /// J = 24, N_P = 4096, M = 6, B = 8, by hand: one island slot (20 + 2·5)·512/4 = 3,840 cc; 24 + 8 − 1 = 31
    /// slots = 119,040 cc; 23 transfers of 174/8 = 21.75 cc = 500.25 cc; total 119,540.25 cc = 597.70125 µs at
    /// 200 MHz (eq. (10) with B = 1: 741,282 cc = 3,706.41 µs).
    @Test func eightIslandsAtTheOperatingPoint() {
        let model = LatencyModel()
        #expect(model.streamedCycles(panels: 24, particles: 4096, islands: 8, measurements: 6) == 119_540.25)
        #expect(abs(model.streamedMicroseconds(panels: 24, particles: 4096, islands: 8) - 597.701_25) < 1e-9)
        #expect(model.streamedCycles(panels: 24, particles: 4096, islands: 8, adderTree: true) == 119_540.25 + 6)
        #expect(model.streamedCycles(panels: 24, particles: 4096, islands: 1) == 741_282)
    }

    /// The closed form for other B and J (J = 4, B = 32: (4 + 31)·30·32 + 3·174/32 = 33,616.3125 cc).
    @Test func closedForm() {
        let model = LatencyModel()
        #expect(model.streamedCycles(panels: 4, particles: 4096, islands: 32) == 33_616.312_5)
        for b in [2, 4, 16, 32] {
            let expected = Double(24 + b - 1) * 30 * Double(4096 / b) / 4 + 23 * 174 / Double(b)
            #expect(model.streamedCycles(panels: 24, particles: 4096, islands: b) == expected)
        }
    }
}
