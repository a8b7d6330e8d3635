// RunCommand: `chain-controller run` — a run set in one process or over J panel processes, with result files.
import ArgumentParser
import ChainLog
import ChainRuntime
import Config
import Foundation

/// Options shared by every command that reads an experiment configuration.
struct ConfigOptions: ParsableArguments {
    @Option(help: "Experiment configuration (YAML). Default: the built-in defaults, identical to configs/default.yaml.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override one key, e.g. --set filter.particles=1024 (repeatable; see configs/default.yaml for every key).",
        valueName: "key=value"))
    var overrides: [String] = []

    /// The configuration with every override applied and validated.
    func load(extra: [String] = []) throws -> ExperimentConfig {
        var yaml = ""
        if let config {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
                throw ValidationError("cannot read configuration file \(config)")
            }
            yaml = text
        }
        do { return try ExperimentConfig.load(yaml: yaml, overrides: overrides + extra) } catch {
            throw ValidationError("\(config ?? "configuration"): \(error)")
        }
    }
}

struct RunCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a set of Monte-Carlo runs of the uplink chain and write per-step results and a summary.",
        discussion: """
        Without --in-process the controller starts J panel-node processes on this host (or, with --no-spawn, \
        waits for panels started elsewhere at chain.panel_endpoints), sends each panel its measurement batches \
        ahead of time, starts every step by sending the prior particles to the first panel, and collects the \
        estimate from the last. Writes DIR/config.yaml, per_step.csv, existence.csv (each panel's LoS existence probability), \
        summary.json, manifest.json, and for \
        distributed runs hops.csv and latency.hgrm. SIGINT stops the run; the files of completed steps stay valid.

        Faults: panels that die, hang, lose their link or misbehave are skipped (bypass) after chain.ack_timeout_ms \
        and readmitted with fresh state when they come back; every step ends delivered, degraded or abandoned. \
        Script faults in the configuration's `faults:` list, or inject them live with `chain-controller fault \
        --results <out> --panel K ACTION`; they are reported in faults.csv and summary.json.
        """)

    @OptionGroup var configOptions: ConfigOptions

    @Flag(help: "Run the whole chain in this process (same panel code, no sockets; with downlink.enabled the downlink node still runs as its own process).")
    var inProcess = false

    @Flag(help: "Do not start panel processes: expect them at chain.panel_endpoints (other hosts or systemd).")
    var noSpawn = false

    @Option(help: "Number of Monte-Carlo runs (overrides run.runs).")
    var runs: Int?

    @Option(help: "Steps per run (overrides run.steps; at most scenario.trajectory_samples).")
    var steps: Int?

    @Option(help: "Seed of the run set; run r uses seed + r (overrides run.seed).")
    var seed: UInt64?

    @Option(help: ArgumentHelp(
        "Run on this trace instead of the synthetic world (sets trace.file; format: docs/TRACES.md).", valueName: "file"))
    var trace: String?

    @Option(help: "Result folder for this run set (default: results/<UTC time>).")
    var out: String?

    @Option(help: "Path of the panel-node executable (default: next to chain-controller).")
    var panelBinary: String?

    @Option(help: "Folder for the panel processes' logs (default: <out>/logs).")
    var logDir: String?

    @Option(help: ArgumentHelp(
        "Run id stamped on every message of this run, 1...2^64-1 (default: random).",
        discussion: "Nodes drop messages of other run ids; a fixed id lets logs of several hosts be matched."))
    var runID: UInt64?

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics over HTTP at ADDR:PORT, e.g. 0.0.0.0:9464 (default: off).",
        discussion: "GET /metrics: steps by outcome, re-issued steps, end-to-end latency and per-panel compute and link histograms (seconds), panels in the route, the panels' heartbeat counters, faults injected and recovered, downlink answers. Plain HTTP: bind it to a management network. Scrape configs and a Grafana dashboard: deploy/monitoring/."))
    var metricsListen: String?

    @Option(help: "With --metrics-listen: keep serving this many seconds after the run set ends, so a last scrape sees the final counts (0...3600; default 0; SIGINT ends it early).")
    var metricsHoldS: Double = 0

    @OptionGroup var logging: LogOptions

    func validate() throws {
        if runID == 0 { throw ValidationError("--run-id must be in 1...18446744073709551615, got 0") }
        if !(0...3600).contains(metricsHoldS) { throw ValidationError("--metrics-hold-s must be 0...3600 seconds; got \(metricsHoldS)") }
        if let metricsListen { do { _ = try MetricsServer.parse(metricsListen) } catch { throw ValidationError("\(error)") } }
    }

    func run() throws {
        tuneAllocatorForMessages()
        var extra: [String] = []
        if let runs { extra.append("run.runs=\(runs)") }
        if let steps { extra.append("run.steps=\(steps)") }
        if let seed { extra.append("run.seed=\(seed)") }
        if let trace { extra.append("trace.file=\(trace)") }
        var options = RunJobOptions()
        options.inProcess = inProcess
        options.noSpawn = noSpawn
        options.out = out
        options.panelBinary = panelBinary
        options.logDirectory = logDir
        options.runID = runID
        options.metricsListen = metricsListen
        options.metricsHoldS = metricsHoldS
        let job = RunJob(config: try configOptions.load(extra: extra), options: options)
        do {
            let result = try job.run()
            print(result.report)
            if result.interrupted {
                // a signal: 130 as a shell reports it; a run that could not go on: a failure
                if let reason = result.stopReason, reason != "interrupted" {
                    ChainLog.controller.error("run set stopped early: \(reason)")
                    throw ExitCode(1)
                }
                throw ExitCode(130)
            }
        } catch let error as RuntimeError {
            ChainLog.controller.error("\(error)")
            throw ExitCode(2)
        }
    }
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the resolved configuration (every key, documented) after --config and --set.")

    @OptionGroup var configOptions: ConfigOptions

    func run() throws { print(try configOptions.load().yaml(), terminator: "") }
}
