// RunJob: one `chain-controller run` composed — result folder, in-process or distributed chain, downlink node, report.
import ChainLog
import Config
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a run set is executed (the options of `chain-controller run` beyond the configuration).
public struct RunJobOptions: Sendable {
    /// The whole chain in this process (same panel code, no sockets).
    public var inProcess = false
    /// Do not start panel processes: expect them at chain.panel_endpoints.
    public var noSpawn = false
    /// Result folder (nil: results/<UTC time>).
    public var out: String?
    /// The panel-node executable (nil: next to the running executable).
    public var panelBinary: String?
    /// Folder of the panel and downlink logs (nil: <out>/logs).
    public var logDirectory: String?
    /// Run id stamped on every message, 1...2^64-1 (nil: random).
    public var runID: UInt64?
    /// The command line, for manifest.json.
    public var commandLine: [String] = CommandLine.arguments
    /// Serve Prometheus metrics at this "ADDR:PORT" during the run set (nil: off).
    public var metricsListen: String?
    /// With metricsListen: seconds to keep serving after the run set ends (SIGINT/SIGTERM end it early).
    public var metricsHoldS: Double = 0

    public init() {}
}

/// What a finished run set gives its caller.
public struct RunJobResult: Sendable {
    /// The text report (accuracy, latency, memory, result files) for standard output.
    public var report: String
    /// SIGINT/SIGTERM stopped the run set early (the files of completed steps are valid).
    public var interrupted: Bool
    /// Why it stopped early: "interrupted" (a signal), or why the run could not go on; nil when it ran to the end.
    public var stopReason: String?
    /// The result folder.
    public var directory: String
}

/// A run set of `config`: makes the result folder, runs the chain in this process or over J panel processes (with the
/// downlink node beside it when downlink.enabled), writes the result files and returns the report.
public struct RunJob {
    public let config: ExperimentConfig
    public let options: RunJobOptions

    public init(config: ExperimentConfig, options: RunJobOptions) {
        self.config = config
        self.options = options
    }

    public func run() throws -> RunJobResult {
        if options.inProcess { try config.checkRunsInProcess() } else { try config.checkRunsOverProcesses() }
        let signals = try SignalWatcher()
        let experiment = try Experiment(config: config)
        let outDir = options.out ?? "results/\(utcTimestamp().replacingOccurrences(of: ":", with: ""))"
        let files = try ResultFiles(directory: outDir, panels: experiment.panelCount, withHops: !options.inProcess)
        try files.writeFile("config.yaml", experiment.configYAML)
        let existence = try ExistenceFile(directory: files.directory, panels: experiment.panelCount)
        defer { existence.flush() }
        var context = RunContext(mode: options.inProcess ? "in-process" : "distributed", commandLine: options.commandLine)
        let progress = ProgressLine(label: "run")
        ChainMetrics.shared.begin(panels: experiment.panelCount, particles: experiment.filter.particleCount, mode: context.mode)
        let metricsServer = try options.metricsListen.map { address throws(RuntimeError) in try MetricsServer(listen: address) }
        defer { metricsServer?.stop() }
        if let metricsServer { ChainLog.controller.info("metrics at http://\(metricsServer.address):\(metricsServer.port)/metrics") }
        let logs = options.logDirectory ?? outDir + "/logs"
        let outcome = options.inProcess
            ? try chainInProcess(experiment, outDir: outDir, logs: logs, files: files, existence: existence, signals: signals,
                                 progress: progress, context: &context)
            : try chainOverProcesses(experiment, outDir: outDir, logs: logs, files: files, existence: existence, signals: signals,
                                 progress: progress, context: &context)
        progress.finish()
        if let d = context.downlink { ChainMetrics.shared.downlink(sent: d.snapshotsSent, answers: d.estimatesReceived) }
        if metricsServer != nil && options.metricsHoldS > 0 {
            // keep serving the final counts; SIGINT/SIGTERM end the wait early
            var fd = pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, Int32(options.metricsHoldS * 1000))
        }
        context.controllerPeakRSS = peakRSSBytes()
        context.endTime = utcTimestamp()
        files.close()
        let report = try finishRunSet(experiment, config: config, outcome: outcome, files: files, context: context)
        return RunJobResult(report: report, interrupted: outcome.interrupted,
                            stopReason: outcome.interrupted ? outcome.reason : nil, directory: outDir)
    }

    /// The chain in this process; the downlink node (when enabled) is the same node process and client as a distributed run's.
    func chainInProcess(_ experiment: Experiment, outDir: String, logs: String, files: ResultFiles, existence: ExistenceFile, signals: SignalWatcher,
                      progress: ProgressLine, context: inout RunContext) throws -> RunSetOutcome {
        let children = ChildProcesses()
        defer { children.terminateAll() }
        var security: NodeSecurity? = nil
        if config.downlink.enabled {
            try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            security = try controllerSecurity(config)
        }
        let downlink = try startDownlink(config: config, outDir: outDir, logs: logs, directory: files.directory,
                                         runID: options.runID ?? UInt64.random(in: 1...UInt64.max), security: security,
                                         children: children)
        let outcome = runInProcess(experiment, files: files, signals: signals, progress: progress) { record in
            existence.append(record)
            ChainMetrics.shared.stepEnded(record)
            forward(record, to: downlink, experiment: experiment)
        }
        downlink?.finish()
        context.downlink = downlink?.json
        return outcome
    }

    /// The chain over J panel processes (spawned here, or started elsewhere with noSpawn).
    func chainOverProcesses(_ experiment: Experiment, outDir: String, logs: String, files: ResultFiles, existence: ExistenceFile, signals: SignalWatcher,
                        progress: ProgressLine, context: inout RunContext) throws -> RunSetOutcome {
        var session = SessionOptions(panels: experiment.panelCount, runID: options.runID ?? UInt64.random(in: 1...UInt64.max))
        session.security = try controllerSecurity(config)
        session.spawn = !options.noSpawn
        session.panelExecutable = options.panelBinary ?? siblingExecutable("panel-node")
        if session.spawn && !FileManager.default.isExecutableFile(atPath: session.panelExecutable) {
            throw RuntimeError("panel-node executable not found at \(session.panelExecutable) (use --panel-binary)")
        }
        session.controlBind = config.chain.controllerBind
        session.controlAdvertised = config.chain.controllerEndpoint.isEmpty ? nil : config.chain.controllerEndpoint
        if let endpoints = config.chain.endpoints(panels: experiment.panelCount) {
            session.panelEndpoints = endpoints
            if session.spawn { session.panelBind = endpoints }
        }
        session.startupTimeoutMs = config.chain.startupTimeoutMs
        session.cpuPlacement = config.chain.cpuPlacement
        session.adminEndpoint = "ipc://" + URL(fileURLWithPath: outDir).standardizedFileURL.path + "/admin.ipc"
        session.runFilter(experiment, chain: config.chain, fronthaul: config.fronthaul)
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        session.logDirectory = logs
        let chain = try ChainSession(options: session, signals: signals)
        defer { chain.shutdown() }
        let downlink = try startDownlink(config: config, outDir: outDir, logs: logs, directory: files.directory,
                                         runID: session.runID, security: session.security, children: chain.children)
        try chain.start()
        if config.chain.floorRounds > 0 {
            let route = Array(0..<experiment.panelCount)
            let floor = try chain.measureTransportFloor(
                route: route, payloadBytes: floorPayloadBytes(particles: experiment.filter.particleCount, route: route, reports: true,
                                                islands: experiment.filter.islandCount),
                rounds: config.chain.floorRounds)
            for f in floor.links where !f.error.isEmpty { ChainLog.controller.warning("transport floor \(f.link): \(f.error)") }
            context.transportFloor = floor
        }
        context.panelHosts = chain.panelHosts
        context.panelEndpoints = chain.dataEndpoints
        context.controllerEndpoint = chain.controlEndpoint
        context.cpuPlacementMode = session.cpuPlacement
        context.cpuPlacement = chain.placement
        var rssAtStep50: [UInt64] = [], rssAtStep500: [UInt64] = []
        let outcome = try runDistributed(experiment, session: chain, files: files, fronthaul: config.fronthaul,
                                         liveness: LivenessSettings(config.chain), faults: config.faults, progress: progress) { record in
            existence.append(record)
            if record.run == 0 && record.step == 50 { rssAtStep50 = chain.panelCounters.map(\.rssBytes) }
            if record.run == 0 && record.step == 500 { rssAtStep500 = chain.panelCounters.map(\.rssBytes) }
            ChainMetrics.shared.stepEnded(record)
            forward(record, to: downlink, experiment: experiment)
        }
        context.panelRSSAtStep50 = rssAtStep50
        context.panelRSSAtStep500 = rssAtStep500
        downlink?.finish()
        context.downlink = downlink?.json
        context.panelPeakRSS = chain.panelCounters.map(\.peakRSSBytes)
        context.messagesDroppedByController = chain.dropped
        context.controllerCurveHandshakes = chain.curveHandshakes
        context.clockOffsets = chain.clockTable.offsets
        context.clockExchanges = chain.clockExchanges
        let counters = chain.panelCounters
        context.panelCounterTotals = [
            "received": counters.reduce(0) { $0 + $1.received },
            "dropped": counters.reduce(0) { $0 + $1.dropped },
            "duplicates": counters.reduce(0) { $0 + $1.duplicates },
            "checksum_errors": counters.reduce(0) { $0 + $1.checksumErrors },
            "missing_measurements": counters.reduce(0) { $0 + $1.missingMeasurements },
        ]
        return outcome
    }
}

/// The controller's CURVE identity when security.curve is on (keys from security.keys_dir), else nil (plain text).
public func controllerSecurity(_ config: ExperimentConfig) throws(RuntimeError) -> NodeSecurity? {
    config.security.curve ? try ChainKeyRing(directory: config.security.keysDir).security(for: controllerKeyName) : nil
}

/// Path of another executable of this package installed next to the running one.
public func siblingExecutable(_ name: String) -> String {
    URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent().appendingPathComponent(name).path
}

/// Sends a step's snapshot to the downlink node (if there is one), centred on the chain's estimate; a failed send is
/// logged and the run goes on.
func forward(_ record: StepRecord, to downlink: DownlinkClient?, experiment: Experiment) {
    guard let downlink else { return }
    do {
        try downlink.send(run: record.run, step: record.step, seed: experiment.seed(run: record.run),
                          truth: record.truth, centre: SIMD2(record.estimate.x, record.estimate.y))
        ChainMetrics.shared.downlink(sent: downlink.sent, answers: downlink.received)
    } catch { ChainLog.controller.warning("\(error)", metadata: .step(run: record.run, step: record.step)) }
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
                                   + (security.map { ["--keys-dir", $0.directory] } ?? []) + ChainLog.settings.arguments,
                               logPath: logs + "/downlink.log")
    }
    return try DownlinkClient(settings: config.downlink, endpoint: endpoint, directory: directory, runID: runID, security: security)
}
