// RunCommand: `chain-controller run` — a run set in one process or over J panel processes, with result files.
import ArgumentParser
import ChainRuntime
import Config
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a set of Monte-Carlo runs of the uplink chain and write per-step results and a summary.",
        discussion: """
        Without --in-process the controller starts J panel-node processes on this host (or, with --no-spawn, \
        waits for panels started elsewhere at chain.panel_endpoints), sends each panel its measurement batches \
        ahead of time, starts every step by sending the prior particles to the first panel, and collects the \
        estimate from the last. Writes DIR/config.yaml, per_step.csv, summary.json, manifest.json, and for \
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

    @Option(help: "With --metrics-listen: keep serving this many seconds after the run set ends, so a last scrape sees the final counts (0...3600; default 0).")
    var metricsHoldS: Double = 0

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
        let config = try configOptions.load(extra: extra)
        do {
            if inProcess { try config.checkRunsInProcess() }
            let signals = try SignalWatcher()
            let experiment = try Experiment(config: config)
            let outDir = out ?? "results/\(utcTimestamp().replacingOccurrences(of: ":", with: ""))"
            let files = try ResultFiles(directory: outDir, panels: experiment.panelCount, withHops: !inProcess)
            try files.writeFile("config.yaml", experiment.configYAML)
            var context = RunContext(mode: inProcess ? "in-process" : "distributed", commandLine: CommandLine.arguments)
            let progress = ProgressLine(label: "run")
            ChainMetrics.shared.begin(panels: experiment.panelCount, particles: experiment.filter.particleCount, mode: context.mode)
            let metricsServer = try metricsListen.map { address throws(RuntimeError) in try MetricsServer(listen: address) }
            defer { metricsServer?.stop() }
            if let metricsServer { printError("chain-controller: metrics at http://\(metricsServer.address):\(metricsServer.port)/metrics") }
            let outcome: RunSetOutcome
            if inProcess {
                // the downlink node beside the in-process chain: the same node process and client as a distributed run
                let children = ChildProcesses()
                defer { children.terminateAll() }
                let logs = logDir ?? outDir + "/logs"
                var security: NodeSecurity? = nil
                if config.downlink.enabled {
                    try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
                    security = try controllerSecurity(config)
                }
                let downlink = try startDownlink(config: config, outDir: outDir, logs: logs, directory: files.directory,
                                                 runID: runID ?? UInt64.random(in: 1...UInt64.max), security: security,
                                                 children: children)
                outcome = runInProcess(experiment, files: files, signals: signals, progress: progress) { record in
                    ChainMetrics.shared.stepEnded(record)
                    forward(record, to: downlink, experiment: experiment)
                }
                downlink?.finish()
                context.downlink = downlink?.json
            } else {
                var options = SessionOptions(panels: experiment.panelCount, runID: runID ?? UInt64.random(in: 1...UInt64.max))
                options.security = try controllerSecurity(config)
                options.spawn = !noSpawn
                options.panelExecutable = panelBinary ?? siblingExecutable("panel-node")
                if options.spawn && !FileManager.default.isExecutableFile(atPath: options.panelExecutable) {
                    throw RuntimeError("panel-node executable not found at \(options.panelExecutable) (use --panel-binary)")
                }
                options.controlBind = config.chain.controllerBind
                options.controlAdvertised = config.chain.controllerEndpoint.isEmpty ? nil : config.chain.controllerEndpoint
                if let endpoints = config.chain.endpoints(panels: experiment.panelCount) {
                    options.panelEndpoints = endpoints
                    if options.spawn { options.panelBind = endpoints }
                }
                options.startupTimeoutMs = config.chain.startupTimeoutMs
                options.adminEndpoint = "ipc://" + URL(fileURLWithPath: outDir).standardizedFileURL.path + "/admin.ipc"
                options.mode = .filter(experiment.method)
                options.configYAML = experiment.configYAML
                options.particles = UInt32(experiment.filter.particleCount)
                let logs = logDir ?? outDir + "/logs"
                try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
                options.logDirectory = logs
                let session = try ChainSession(options: options, signals: signals)
                defer { session.shutdown() }
                let downlink = try startDownlink(config: config, outDir: outDir, logs: logs, directory: files.directory,
                                                 runID: options.runID, security: options.security, children: session.children)
                try session.start()
                context.panelHosts = session.panelHosts
                context.panelEndpoints = session.dataEndpoints
                context.controllerEndpoint = session.controlEndpoint
                outcome = try runDistributed(experiment, session: session, files: files, fronthaul: config.fronthaul,
                                             liveness: LivenessSettings(config.chain), faults: config.faults,
                                             progress: progress) { record in
                    if record.run == 0 && record.step == 50 { context.panelRSSAtStep50 = session.panelCounters.map(\.rssBytes) }
                    if record.run == 0 && record.step == 500 { context.panelRSSAtStep500 = session.panelCounters.map(\.rssBytes) }
                    ChainMetrics.shared.stepEnded(record)
                    forward(record, to: downlink, experiment: experiment)
                }
                downlink?.finish()
                context.downlink = downlink?.json
                context.panelPeakRSS = session.panelCounters.map(\.peakRSSBytes)
                context.messagesDroppedByController = session.dropped
                context.controllerCurveHandshakes = session.curveHandshakes
                let counters = session.panelCounters
                context.panelCounterTotals = [
                    "received": counters.reduce(0) { $0 + $1.received },
                    "dropped": counters.reduce(0) { $0 + $1.dropped },
                    "duplicates": counters.reduce(0) { $0 + $1.duplicates },
                    "checksum_errors": counters.reduce(0) { $0 + $1.checksumErrors },
                    "missing_measurements": counters.reduce(0) { $0 + $1.missingMeasurements },
                ]
            }
            progress.finish()
            if let d = context.downlink { ChainMetrics.shared.downlink(sent: d.snapshotsSent, answers: d.estimatesReceived) }
            if metricsServer != nil && metricsHoldS > 0 {
                // keep serving the final counts; SIGINT/SIGTERM end the wait early
                var fd = pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, Int32(metricsHoldS * 1000))
            }
            context.controllerPeakRSS = peakRSSBytes()
            context.endTime = utcTimestamp()
            files.close()
            print(try finishRunSet(experiment, config: config, outcome: outcome, files: files, context: context))
            if outcome.interrupted { throw ExitCode(130) }
        } catch let error as RuntimeError {
            printError("chain-controller: \(error)")
            throw ExitCode(2)
        }
    }
}

/// The controller's CURVE identity when security.curve is on (keys from security.keys_dir), else nil (plain text).
func controllerSecurity(_ config: ExperimentConfig) throws -> NodeSecurity? {
    config.security.curve ? try ChainKeyRing(directory: config.security.keysDir).security(for: controllerKeyName) : nil
}

/// Sends a step's snapshot to the downlink node (if there is one), centred on the chain's estimate; a failed send is
/// reported and the run goes on.
func forward(_ record: StepRecord, to downlink: DownlinkClient?, experiment: Experiment) {
    guard let downlink else { return }
    do {
        try downlink.send(run: record.run, step: record.step, seed: experiment.seed(run: record.run),
                          truth: record.truth, centre: SIMD2(record.estimate.x, record.estimate.y))
        ChainMetrics.shared.downlink(sent: downlink.sent, answers: downlink.received)
    } catch { printError("chain-controller: \(error)") }
}

/// The downlink client of a run (nil unless downlink.enabled), and its node: started as a child process on ipc beside
/// `outDir` unless downlink.endpoint names one elsewhere.
func startDownlink(config: ExperimentConfig, outDir: String, logs: String, directory: URL, runID: UInt64,
                   security: NodeSecurity?, children: ChildProcesses) throws -> DownlinkClient? {
    guard config.downlink.enabled else { return nil }
    var endpoint = config.downlink.endpoint
    if endpoint.isEmpty {
        let dir = URL(fileURLWithPath: outDir).standardizedFileURL.path
        endpoint = "ipc://\(dir)/downlink.ipc"
        let binary = siblingExecutable("dmimo-downlink")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw RuntimeError("dmimo-downlink executable not found at \(binary)")
        }
        _ = try children.spawn(name: "downlink node", executable: binary,
                               arguments: ["serve", "--endpoint", endpoint, "--parent-pid", "\(getpid())"]
                                   + (security.map { ["--keys-dir", $0.directory] } ?? []),
                               logPath: logs + "/downlink.log")
    }
    return try DownlinkClient(settings: config.downlink, endpoint: endpoint, directory: directory, runID: runID, security: security)
}

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the resolved configuration (every key, documented) after --config and --set.")

    @OptionGroup var configOptions: ConfigOptions

    func run() throws { print(try configOptions.load().yaml(), terminator: "") }
}
