// ScenarioCommand: `chain-controller scenario` — write the synthetic world as CSV files a person can plot.
import ArgumentParser
import ChainRuntime
import Foundation
import Scenario

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Write the scenario (panels, walls, track, per-step LoS visibility) as CSV files.",
        discussion: "Plot them with: python3 scripts/plot_scenario.py DIR (writes DIR/scenario.png).")

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: "Folder for panels.csv, walls.csv, track.csv, visibility.csv.")
    var out: String

    func run() throws {
        let config = try configOptions.load()
        // a trace's panels, walls and track are in the trace file itself (docs/TRACES.md), not in the scenario keys
        guard config.trace.file.isEmpty else { throw ValidationError("scenario writes the synthetic world: unset trace.file") }
        let world: World
        do { world = try World(config.scenarioParameters) } catch {
            throw ValidationError("scenario: \(error)")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for file in ScenarioCSV.all(world) {
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: out).appendingPathComponent(file.name))
        }
        print("scenario: J=\(world.panelCount) panels, \(world.stepCount) steps; wrote \(ScenarioCSV.all(world).map(\.name).joined(separator: ", ")) to \(out)")
    }
}
