// CPUPlacement tests: each mode's plan on 1, 2 and 4 CPUs, and the CPU-list syntax of --cpus.
import Testing
@testable import Config

@Suite struct CPUPlacementTests {
    @Test func osPinsNothing() {
        let plan = CPUPlacement.plan(.os, panelCount: 3, allowed: [0, 1])
        #expect(plan.controller == nil && plan.panels == [nil, nil, nil])
    }

    @Test func apartKeepsTheControllerAlone() {
        #expect(CPUPlacement.plan(.apart, panelCount: 3, allowed: [0, 1])
                == CPUPlacement(controller: [0], panels: [[1], [1], [1]]))
        // round-robin over the CPUs other than the controller's
        #expect(CPUPlacement.plan(.apart, panelCount: 4, allowed: [2, 4, 5, 7]).panels == [[4], [5], [7], [4]])
        // one CPU: nothing to keep apart, so no pinning
        #expect(CPUPlacement.plan(.apart, panelCount: 2, allowed: [3]) == CPUPlacement(controller: nil, panels: [nil, nil]))
    }

    @Test func sharedPutsAllOnTheFirstCPU() {
        #expect(CPUPlacement.plan(.shared, panelCount: 2, allowed: [1, 3])
                == CPUPlacement(controller: [1], panels: [[1], [1]]))
    }

    @Test func spreadAlternatesNeighbours() {
        let plan = CPUPlacement.plan(.spread, panelCount: 5, allowed: [0, 1])
        #expect(plan.controller == [0] && plan.panels == [[0], [1], [0], [1], [0]])
    }

    @Test func unknownCPUsMeanNoPinning() {
        for mode in CPUPlacementMode.allCases {
            #expect(CPUPlacement.plan(mode, panelCount: 2, allowed: []) == CPUPlacement(controller: nil, panels: [nil, nil]))
        }
    }

    @Test func cpuListsParseAndPrint() {
        #expect(CPUPlacement.parse("1") == [1])
        #expect(CPUPlacement.parse("0,2-4,7") == [0, 2, 3, 4, 7])
        #expect(CPUPlacement.text([0, 2, 3]) == "0,2,3")
        for bad in ["", "a", "1,", "-1", "3-1", "1,1", "2,1", "1--2", "1024"] {
            #expect(CPUPlacement.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func theKeyTakesEveryModeAndRefusesOthers() throws {
        var config = ExperimentConfig()
        for mode in CPUPlacementMode.allCases {
            try config.set("chain.cpu_placement=\(mode.rawValue)")
            #expect(config.chain.cpuPlacement == mode)
        }
        #expect(throws: ConfigError.self) { try config.set("chain.cpu_placement=fastest") }
    }
}
