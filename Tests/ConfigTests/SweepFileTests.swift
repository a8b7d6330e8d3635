// Sweep file tests: every configs/experiments file parses; grids cross and zip; bad files name file, line and key.
import Foundation
import Testing
@testable import Config

private let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("configs/experiments")

private func sweepError(_ text: String) -> SweepError? {
    do { _ = try SweepFile(path: "s.yaml", text: text); return nil } catch { return error }
}

@Suite struct SweepFileTests {
    @Test func everyExperimentFileParsesWithAQuickVariant() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: experiments.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count == 11)
        for name in files {
            let text = try String(contentsOf: experiments.appendingPathComponent(name), encoding: .utf8)
            let file = try SweepFile(path: name, text: text)
            #expect(file.quick != nil, "\(name) has no quick: variant")
            #expect(!file.full.grid.isEmpty)
        }
    }

    @Test func axesCrossAndZippedKeysGoTogether() throws {
        let file = try SweepFile(path: "f.yaml", text: """
            runs: 3
            set: {filter.particles: 2048}
            grid:
              - scenario.panels: [4, 12]
                scenario.array_size: [100, 25]
              - radio.bandwidth_hz: [40e6, 400e6]
            quick:
              runs: 1
              set: {run.steps: 10}
            """)
        #expect(file.full.runs == 3 && file.quick?.runs == 1)
        #expect(file.full.grid.count == 2 && file.full.grid[0].keys == ["scenario.panels", "scenario.array_size"])
        #expect(file.full.grid[0].values.count == 2 && file.full.grid[0].values[1][1].value == .scalar("25"))
        #expect(file.quick?.set.map(\.key) == ["filter.particles", "run.steps"])
        #expect(file.quick?.grid.count == 2)     // the quick variant keeps the grid it does not replace
    }

    @Test func badFilesNameLineAndKey() {
        let unknown = sweepError("runs: 1\ngrid:\n  - filter.particle: [1024]\n")
        #expect(unknown?.line == 3 && unknown?.key == "filter.particle")
        #expect(unknown?.description.contains("did you mean 'filter.particles'") == true)
        let range = sweepError("grid:\n  - filter.particles:\n    - 1024\n    - 0\n")
        #expect(range?.line == 4 && range?.key == "filter.particles" && range?.description.contains("out of range") == true)
        #expect(sweepError("grid: []\n")?.description.hasPrefix("s.yaml:1: grid: empty grid") == true)
        #expect(sweepError("grid:\n  - scenario.panels: []\n")?.line == 2)
        #expect(sweepError("colour: red\ngrid: {scenario.panels: [4]}\n")?.key == "colour")
        let unequal = sweepError("grid:\n  - scenario.panels: [4, 8]\n    scenario.array_size: [25]\n")
        #expect(unequal?.line == 3 && unequal?.description.contains("zipped") == true)
        #expect(sweepError("runs: 0\ngrid: {scenario.panels: [4]}\n")?.key == "runs")
        #expect(sweepError("set: {radio.bandwidth_hz: fast}\ngrid: {scenario.panels: [4]}\n")?.line == 1)
    }
}
