// SweepCommand: `chain-controller sweep FILE` and `sweep merge` — parse options, then the runtime's plan, runner, tables and plot.
import ArgumentParser
import ChainLog
import ChainRuntime
import Config
import Foundation

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a sweep file (configs/experiments/*.yaml): every grid point and run, one CSV, and its figure as PNG.",
        subcommands: [SweepRunCommand.self, SweepMergeCommand.self],
        defaultSubcommand: SweepRunCommand.self)
}

/// Options both sweep commands share.
struct SweepFileOptions: ParsableArguments {
    @Argument(help: "Sweep file (YAML): figure, kind, mode, runs, set, grid, options, quick; see configs/experiments/README.md.")
    var file: String

    @Flag(help: "Use the file's quick: variant (a small grid for CI and a first look).")
    var quick = false

    @Option(help: "Output folder (default: results/sweeps/<name>, or <name>-quick). Holds units/<id>/, the CSVs and the PNG.")
    var out: String?

    @Flag(help: "Do not draw the figure (scripts/plot_sweep.py).")
    var noPlot = false

    @Flag(help: "Also write the figure as PDF.")
    var pdf = false

    /// The checked plan; a bad file is an error naming file, line and key, before anything runs.
    func plan() throws -> SweepPlan {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw ValidationError("cannot read sweep file \(file)") }
        do { return try SweepPlan(file: SweepFile(path: file, text: text), quick: quick) } catch {
            ChainLog.controller.error("sweep: \(error)")
            throw ExitCode(2)
        }
    }

    func outDirectory(_ plan: SweepPlan) -> String { out ?? "results/sweeps/" + plan.file.name + (quick ? "-quick" : "") }

    /// Writes the tables and, unless told not to, draws the figure; returns the report lines.
    func finish(_ plan: SweepPlan, settings: SweepSettings, main: CSVTable, steps: CSVTable?, shard: (Int, Int)?, complete: Bool) throws -> [String] {
        let csvPath = settings.out + "/" + sweepCSVName(plan, shard: shard)
        try main.write(to: csvPath)
        var lines = ["CSV: \(csvPath) (\(main.rows.count) rows)"]
        var stepsPath: String?
        if let steps {
            let path = settings.out + "/" + sweepCSVName(plan, shard: shard, steps: true)
            try steps.write(to: path)
            lines.append("per-step CSV: \(path) (\(steps.rows.count) rows)")
            stepsPath = path
        }
        guard !noPlot, shard == nil else { return lines }
        let png = settings.out + "/" + plan.file.name + (plan.quick ? "-quick" : "") + ".png"
        let title = plan.file.title + (plan.quick ? "  [quick variant: \(plan.variant.runs) run(s) per point]" : "")
        var arguments = ["--figure", plan.file.figure, "--csv", csvPath, "--out", png, "--title", title]
        if let stepsPath { arguments += ["--steps", stepsPath] }
        if pdf { arguments.append("--pdf") }
        if !complete { arguments.append("--partial") }
        let output = try runPlotScript("plot_sweep.py", arguments: arguments)
        lines += output.split(separator: "\n").map(String.init)
        return lines
    }
}

struct SweepRunCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every point × run of a sweep file that has no result yet, then write the CSV and the PNG.",
        discussion: """
        The whole file is checked first (unknown key, value out of range, empty grid: an error naming file, line and key). \
        Each unit (a point and a run: seed = run.seed + r) runs as its own `chain-controller run` (or `dmimo-downlink \
        study`) in <out>/units/<id>/; a unit with done.json is finished and not run again, an unfinished one (interrupted) \
        is cleared and rerun. The CSV has a row per point and run: the resolved key values, then the metrics \
        (latencies in µs). With --shard K/N only units i with i mod N = K-1 run and the CSV is <name>.shard-K-of-N.csv; \
        merge shards with `chain-controller sweep merge`, or rerun without --shard on the shared folder (nothing is \
        rerun, the CSV and the PNG are written). SIGINT stops every running unit; rerun to resume.
        """)

    @OptionGroup var options: SweepFileOptions

    @Option(help: "Run only every N-th unit, starting at the K-th (1-based), e.g. 2/4 (for several hosts or a job array).")
    var shard: String?

    @Option(help: "Units run at once, for in-process and downlink sweeps (default: the number of cores). Distributed units run one at a time.")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Check the file and list the units (and which are done) without running anything.")
    var dryRun = false

    @OptionGroup var logging: LogOptions

    func validate() throws {
        if let shard, parseShard(shard) == nil { throw ValidationError("--shard must be K/N with 1 <= K <= N, got '\(shard)'") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
    }

    func run() throws {
        let plan = try options.plan()
        let shardValue = shard.flatMap(parseShard)
        let settings = SweepSettings(out: options.outDirectory(plan), jobs: jobs, shard: shardValue,
                                     binDirectory: URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent().path)
        let variant = plan.quick ? "quick" : "full"
        print("sweep \(plan.file.name) (\(variant) grid): \(plan.points.count) points, \(plan.units.count) units, "
              + "\(plan.file.kind.rawValue)\(plan.file.kind == .chain ? (plan.file.distributed ? ", distributed" : ", in-process") : ""), out \(settings.out)")
        fflush(nil)     // before the progress line on stderr, also when stdout is a file
        if dryRun {
            for unit in plan.units {
                let values = plan.points[unit.point].values.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                print("  \(unit.id)\(unitIsDone(unitDirectory(settings, unit)) ? " done" : "")  \(values)\(unit.run.map { " run \($0)" } ?? "")")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: settings.out, withIntermediateDirectories: true)
            let signals = try SignalWatcher()
            let outcome = try runSweep(plan, settings: settings, signals: signals, progress: ProgressLine(label: "sweep \(plan.file.name)"))
            print("units: \(outcome.selected.count) selected\(shardValue.map { " (shard \($0.index)/\($0.count))" } ?? ""), "
                  + "ran \(outcome.ran), already done \(outcome.skipped), failed \(outcome.failed.count), wall \(formatDuration(outcome.wallSeconds))"
                  + " (\(String(format: "%.1f", outcome.wallSeconds)) s)")
            for failure in outcome.failed.prefix(10) {
                ChainLog.controller.error("unit failed: \(failure.why)", metadata: ["unit": "\(failure.unit)"])
            }
            if outcome.interrupted { ChainLog.controller.notice("interrupted: rerun the same command to resume"); throw ExitCode(130) }
            let tables = try sweepTables(plan, units: outcome.selected, settings: settings)
            let complete = outcome.selected.allSatisfy { unitIsDone(unitDirectory(settings, $0)) }
            for line in try options.finish(plan, settings: settings, main: tables.main, steps: tables.steps, shard: shardValue, complete: complete) {
                print(line)
            }
            if !outcome.failed.isEmpty { throw ExitCode(1) }
        } catch let error as RuntimeError {
            ChainLog.controller.error("sweep: \(error)")
            throw ExitCode(2)
        }
    }
}

struct SweepMergeCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the shard CSVs of a sweep into <out>/<name>.csv (and _steps.csv), check no unit is missing, draw the PNG.")

    @OptionGroup var options: SweepFileOptions

    @Argument(help: "Shard CSVs (<name>.shard-K-of-N.csv; their _steps files are found beside them).")
    var csvs: [String]

    @OptionGroup var logging: LogOptions

    func run() throws {
        let plan = try options.plan()
        let settings = SweepSettings(out: options.outDirectory(plan), jobs: 1, shard: nil, binDirectory: "")
        do {
            try FileManager.default.createDirectory(atPath: settings.out, withIntermediateDirectories: true)
            let (main, missing) = try mergeSweepCSVs(csvs, plan: plan)
            var steps: CSVTable?
            if plan.file.perStep && plan.file.kind == .chain {
                let stepPaths = csvs.map { $0.replacingOccurrences(of: ".shard-", with: "_steps.shard-") }
                steps = try mergeSweepCSVs(stepPaths, plan: plan).table
            }
            print("merged \(csvs.count) CSVs: \(main.rows.count) rows, \(plan.units.count - missing.count) of \(plan.units.count) units")
            if !missing.isEmpty {
                ChainLog.controller.error("missing units (run their shards again): \(missing.prefix(10).joined(separator: ", "))")
            }
            for line in try options.finish(plan, settings: settings, main: main, steps: steps, shard: nil, complete: missing.isEmpty) {
                print(line)
            }
            if !missing.isEmpty { throw ExitCode(1) }
        } catch let error as RuntimeError {
            ChainLog.controller.error("sweep merge: \(error)")
            throw ExitCode(2)
        }
    }
}
