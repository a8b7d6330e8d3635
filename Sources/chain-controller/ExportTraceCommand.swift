// ExportTraceCommand: `chain-controller export-trace` — the synthetic world's true paths or measurements as a trace file.
import ArgumentParser
import ChainRuntime
import Foundation
import Scenario

struct ExportTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-trace",
        abstract: "Write the synthetic world of a configuration as a trace (docs/TRACES.md).",
        discussion: """
        --level true-paths writes every visible path (distance m, AoA rad, true normalized amplitude u, kind, wall): \
        `chain-controller run --trace FILE` then applies the configured impairments and, with the same seed, gives \
        the same estimates as the run on the synthetic world. --level measurements writes the measurements of run \
        seed --seed (shuffled as the panels receive them, with their origin as kind), used as given. Both levels \
        hold the panels, walls, prior and the true track.
        """)

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("What to write: true-paths or measurements.", valueName: "level"))
    var level: String = TraceLevel.truePaths.rawValue

    @Option(help: "Run seed of the measurements (--level measurements; default: run.seed, i.e. run 0 of a run set).")
    var seed: UInt64?

    @Option(help: "Steps to write (default: run.steps).")
    var steps: Int?

    @Option(help: ArgumentHelp("Trace file to write (CSV).", valueName: "file"))
    var out: String

    func run() throws {
        guard let traceLevel = TraceLevel(rawValue: level) else {
            throw ValidationError("--level must be true-paths or measurements, got '\(level)'")
        }
        let config = try configOptions.load(extra: steps.map { ["run.steps=\($0)"] } ?? [])
        guard config.trace.file.isEmpty else { throw ValidationError("export-trace writes the synthetic world: unset trace.file") }
        let world: World
        do { world = try World(config.scenarioParameters) } catch { throw ValidationError("scenario: \(error)") }
        let trace = Trace(world: world, level: traceLevel, seed: seed ?? config.run.seed, steps: config.run.steps)
        let text = TraceCSVWriter.render(trace)
        try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        print("export-trace: \(traceLevel.rawValue), J=\(trace.panelCount) panels, \(trace.stepCount) steps, "
              + "\(trace.paths.count) \(traceLevel == .truePaths ? "paths" : "measurements"); wrote \(out)")
    }
}
