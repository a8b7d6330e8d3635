// RunReport: summary.json, manifest.json and the printed accuracy / latency / memory report of a run set.
import ChainProtocol
import Config
import Foundation
import Localization
import Wire

/// Facts about how a run set was executed, for the manifest and the report.
public struct RunContext: Sendable {
    public var mode: String            // "in-process" or "distributed"
    public var startTime: String
    public var endTime: String = ""
    public var commandLine: [String]
    public var panelHosts: [String] = []
    public var panelEndpoints: [String] = []
    public var controllerEndpoint: String = ""
    /// chain.cpu_placement and the plan it gave (distributed runs).
    public var cpuPlacementMode: CPUPlacementMode?
    public var cpuPlacement = CPUPlacement(controller: nil, panels: [])
    /// Peak RSS of each panel process (bytes), from its last heartbeat.
    public var panelPeakRSS: [UInt64] = []
    /// Resident set size of each panel at step 50 and step 500 of run 0 (bytes), when reached.
    public var panelRSSAtStep50: [UInt64] = []
    public var panelRSSAtStep500: [UInt64] = []
    public var controllerPeakRSS: UInt64 = 0
    public var messagesDroppedByController: UInt64 = 0
    public var panelCounterTotals: [String: UInt64] = [:]
    /// CURVE handshakes the controller admitted and refused (nil: CURVE off).
    public var controllerCurveHandshakes: (admitted: Int, refused: Int)?
    /// The downlink node's summary, when one ran.
    /// Each panel's clock relative to the controller's at the end of the run (distributed; nil: never estimated),
    /// and how many stamped exchanges it came from.
    public var clockOffsets: [ClockOffset?] = []
    public var clockExchanges: [Int] = []
    public var downlink: RunSummary.DownlinkSummary?
    /// The transport floor timed before the first step (nil: in-process or chain.floor_rounds = 0).
    public var transportFloor: TransportFloor?

    public init(mode: String, commandLine: [String]) {
        self.mode = mode
        self.commandLine = commandLine
        startTime = utcTimestamp()
    }
}

let mebibyte = 1024.0 * 1024.0

/// Writes summary.json and manifest.json, and returns the text report.
public func finishRunSet(_ experiment: Experiment, config: ExperimentConfig, outcome: RunSetOutcome,
                         files: ResultFiles, context: RunContext) throws(RuntimeError) -> String {
    let acc = outcome.accumulator
    var summary = runSummary(experiment, config: config, outcome: outcome, context: context)
    addFloor(to: &summary, context.transportFloor, outcome.accumulator, fronthaul: config.fronthaul,
             islands: experiment.filter.islandCount)
    if let floor = context.transportFloor { try files.writeFile("links.csv", linksCSV(floor, outcome.accumulator)) }
    let faultSummaries = summarizeFaults(outcome, stepsPerRun: experiment.steps)
    if !faultSummaries.isEmpty || !config.faults.isEmpty { try files.writeFile("faults.csv", faultsCSV(faultSummaries)) }
    try files.writeJSON("summary.json", summary)
    try files.writeJSON("manifest.json", runManifest(experiment, context: context))
    if acc.latency.count > 0 { try files.writeHistogram("latency.hgrm", acc.latency) }
    let stats = acc.statistics()
    let meanM = summary.measurementsPerPanelMean, fpgaM6 = summary.fpgaModelUs
    let fpgaMeasuredM = summary.fpgaModel.usAtMeasuredMeanM
    let compute = summary.computeUs, links = summary.linkUs, rtts = summary.ackRttUs

    var lines: [String] = []
    let what = "\(experiment.method.rawValue), J=\(experiment.panelCount), N_a=\(experiment.source.radio.arrayElements), "
        + "B_w=\(fixed(experiment.source.radio.bandwidthHz / 1e6, 0)) MHz, N_p=\(experiment.filter.particleCount), "
        + "\(experiment.runs) run(s) x \(experiment.steps) steps, seed \(experiment.baseSeed), \(context.mode)"
    lines.append("run set: \(what)" + (!outcome.interrupted ? "" : outcome.reason == "interrupted" || outcome.reason == nil
                                          ? "  [INTERRUPTED]" : "  [STOPPED: \(outcome.reason!)]"))
    if let s = stats {
        lines.append("accuracy: rmse \(fixed(s.rmseTimeAverage * 100, 2)) cm (per-step RMSE over runs, averaged over steps), "
                     + "median \(fixed(s.errorMedian * 100, 2)) cm, p90 \(fixed(s.errorP90 * 100, 2)) cm, "
                     + "max \(fixed(s.errorMax * 100, 2)) cm, frac > 1 m \(fixed(s.fractionErrorAboveThreshold, 4)), "
                     + "runs diverged \(s.runsDiverged)")
        lines.append("LoS: detection rate \(s.losDetectionRate.map { fixed($0, 4) } ?? "-"), "
                     + "false LoS rate \(s.falseLosRate.map { fixed($0, 4) } ?? "-")")
    }
    lines.append("steps: injected \(acc.injected), delivered \(acc.delivered), degraded \(acc.degraded), abandoned \(acc.abandoned)"
                 + (outcome.reissues > 0 ? ", re-issued \(outcome.reissues)" : ""))
    for f in faultSummaries {
        func cm(_ x: Double?) -> String { x.map { fixed($0 * 100, 2) + " cm" } ?? "-" }
        lines.append("fault \(f.spec.action.rawValue) panel \(f.spec.panel) at step \(f.spec.atStep): detected after "
                     + "\(f.detectionMs.map { fixed($0, 1) + " ms" } ?? "-"), recovered after \(f.recoveryMs.map { fixed($0, 1) + " ms" } ?? "- (not back)"); "
                     + "during: \(f.stepsDelivered) delivered, \(f.stepsDegraded) degraded, \(f.stepsAbandoned) abandoned; "
                     + "RMSE before \(cm(f.rmseBefore)), during \(cm(f.rmseDuring)), after \(cm(f.rmseAfter))")
    }
    var rows: [[String]] = []
    func row(_ name: String, _ s: LatencySummary) {
        rows.append([name, "\(s.count)", fixed(s.p50), fixed(s.p90), fixed(s.p99), fixed(s.p999), fixed(s.max)])
    }
    row(context.mode == "in-process" ? "step compute (in-process)" : "end-to-end", summary.latencyUs)
    if context.mode != "in-process" {
        row("per-panel compute", compute)
        row("per-hop link (one-way)", links)
        row("  its clock bound (±)", summary.linkBoundUs ?? LatencySummary(nanoseconds: []))
        row("last panel->controller", summary.resultLinkUs ?? LatencySummary(nanoseconds: []))
        row("per-hop ack round trip", rtts)
        row("panel->panel link, measured", summary.fronthaul.measuredLinkUs)
        row("panel->panel link, raw", summary.fronthaul.rawLinkUs)
        row("panel->panel link, modelled", summary.fronthaul.modelledUs)
    }
    lines.append(formatTable(header: ["latency (µs)", "n", "p50", "p90", "p99", "p99.9", "max"], rows: rows))
    if context.mode != "in-process" {
        let slow = acc.slowerThanModelByPanel.reduce(0, +)
        let fh = config.fronthaul
        var text = "fronthaul: \(fh.mode.rawValue), model \(fixed(fh.rateGbps, 1)) Gbit/s + \(fixed(fh.perTransferUs, 2)) µs per transfer; "
            + "\(slow) of \(acc.interPanelRawLink.count) panel->panel hops were already slower than the model"
        if slow > 0 {
            let worst = acc.slowerThanModelByPanel.enumerated().filter { $0.element > 0 }.sorted { $0.element > $1.element }.prefix(5)
            text += " (into panel " + worst.map { "\($0.offset): \($0.element)" }.joined(separator: ", ") + ")"
        }
        lines.append(text)
    }
    if let text = clocksLine(context) { lines.append(text) }
    lines += floorLines(summary, context.transportFloor, acc)
    lines.append("FPGA model, eq. (10) with adder tree, M=6: \(fixed(fpgaM6, 1)) µs; at the measured mean M=\(fixed(meanM, 2)): \(fixed(fpgaMeasuredM, 1)) µs"
                 + (summary.fpgaModelStreamedUs.map { "; streamed with \(summary.islands) islands (MODEL.md §B.7), M=6: \(fixed($0, 1)) µs" } ?? "")
                 + (summary.projectedDeploymentUs.map { "; projected deployment (one host per panel, modelled link): \(fixed($0, 1)) µs"
                    + " beside the measured e2e p50 \(fixed(summary.latencyUs.p50, 1)) µs" } ?? ""))
    if !context.panelPeakRSS.isEmpty {
        let peak = context.panelPeakRSS.max() ?? 0
        lines.append("memory: panel peak RSS max \(fixed(Double(peak) / mebibyte, 1)) MiB, all panels \(fixed(Double(context.panelPeakRSS.reduce(0, +)) / mebibyte, 1)) MiB, controller \(fixed(Double(context.controllerPeakRSS) / mebibyte, 1)) MiB")
    } else {
        lines.append("memory: controller peak RSS \(fixed(Double(context.controllerPeakRSS) / mebibyte, 1)) MiB")
    }
    if let d = context.downlink {
        lines.append("downlink (\(d.protocol), \(d.powerDbm) dBm): \(d.estimatesReceived) of \(d.snapshotsSent) snapshots answered, "
                     + "RMSE \(d.rmseM.isFinite ? fixed(d.rmseM * 100, 3) + " cm" : "-"); downlink.csv")
    }
    lines.append("results: \(files.directory.path) (config.yaml, per_step.csv, summary.json, manifest.json"
                 + (context.mode == "in-process" ? "" : ", hops.csv, latency.hgrm") + (context.transportFloor == nil ? "" : ", links.csv") + ")")
    return lines.joined(separator: "\n")
}

/// The typed summary.json of a run set.
public func runSummary(_ experiment: Experiment, config: ExperimentConfig, outcome: RunSetOutcome,
                       context: RunContext) -> RunSummary {
    let acc = outcome.accumulator
    let stats = acc.statistics()
    let meanM = acc.panelUpdates == 0 ? 6.0 : Double(acc.measurementSum) / Double(acc.panelUpdates)
    let model = LatencyModel()
    let fpgaM6 = model.microseconds(panels: experiment.panelCount, particles: experiment.filter.particleCount,
                                    measurements: 6, adderTree: true)
    let fpgaMeasuredM = model.microseconds(panels: experiment.panelCount, particles: experiment.filter.particleCount,
                                           measurements: max(1, Int(meanM.rounded())), adderTree: true)
    func merged(_ hs: [LatencyHistogram]) -> LatencySummary {
        var all = LatencyHistogram()
        for h in hs { all.add(h) }
        return all.summary
    }
    func mib(_ bytes: UInt64) -> Double { Double(bytes) / mebibyte }
    let faults = summarizeFaults(outcome, stepsPerRun: experiment.steps)
    var summary = RunSummary(
        mode: context.mode, method: experiment.method.rawValue, panels: experiment.panelCount,
        particles: experiment.filter.particleCount, arraySize: experiment.source.radio.arrayElements,
        bandwidthHz: experiment.source.radio.bandwidthHz, runs: experiment.runs, stepsPerRun: experiment.steps,
        seed: experiment.baseSeed, interrupted: outcome.interrupted,
        stepsInjected: acc.injected, stepsDelivered: acc.delivered, stepsDegraded: acc.degraded,
        stepsAbandoned: acc.abandoned, stepsReissued: outcome.reissues,
        latencyUs: acc.latency.summary,
        latencyDefinition: context.mode == "in-process"
            ? "compute time of the whole chain for one step, in one process"
            : "result receipt - step start on the controller's monotonic clock",
        computeUs: merged(acc.computeByPanel), computeUsPerPanel: acc.computeByPanel.map(\.summary),
        linkUs: merged(acc.linkByPanel),
        linkDefinition: "receiver's receive stamp - sender's send stamp, both in the controller's time base "
            + "(each node's clock offset from timestamped exchanges, summary clocks); within ± link_bound_us",
        ackRttUs: merged(acc.ackRttByPanel),
        measurementsPerPanelMean: meanM, fpgaModelUs: fpgaM6,
        fpgaModel: .init(equation: "eq. (10) with the adder-tree term, 200 MHz, M = 6",
                         usAtMeasuredMeanM: fpgaMeasuredM, measuredMeanM: meanM),
        rmseM: stats?.rmseTimeAverage ?? .nan, rmseOverallM: stats?.rmseOverall ?? .nan,
        errorP50M: stats?.errorMedian ?? .nan, errorP90M: stats?.errorP90 ?? .nan, errorMaxM: stats?.errorMax ?? .nan,
        fracErrorGt1m: stats?.fractionErrorAboveThreshold ?? .nan, runsDiverged: stats?.runsDiverged ?? 0,
        losDetectionRate: stats?.losDetectionRate ?? .nan, falseLosRate: stats?.falseLosRate ?? .nan,
        memory: .init(controllerPeakRssMib: mib(context.controllerPeakRSS),
                      panelPeakRssMib: context.panelPeakRSS.map(mib),
                      panelsTotalPeakRssMib: mib(context.panelPeakRSS.reduce(0, +)),
                      panelRssStep50Mib: context.panelRSSAtStep50.map(mib),
                      panelRssStep500Mib: context.panelRSSAtStep500.map(mib)),
        nodeCounters: context.panelCounterTotals,
        fronthaul: .init(mode: config.fronthaul.mode.rawValue, rateGbps: config.fronthaul.rateGbps,
                         perTransferUs: config.fronthaul.perTransferUs, panelToPanelHops: acc.interPanelLink.count,
                         modelledUs: acc.interPanelModelled.summary, measuredLinkUs: acc.interPanelLink.summary,
                         rawLinkUs: acc.interPanelRawLink.summary,
                         hopsRawSlowerThanModel: acc.slowerThanModelByPanel.reduce(0, +),
                         hopsRawSlowerThanModelPerPanel: acc.slowerThanModelByPanel,
                         note: "panel-to-panel hops only (eq. 10 counts J-1 transfers); one-way times in the controller's time base, within ± link_bound_us"),
        controllerDroppedMessages: context.messagesDroppedByController,
        security: .init(curve: config.security.curve, keysDir: config.security.curve ? config.security.keysDir : "",
                        controllerHandshakesAdmitted: context.controllerCurveHandshakes?.admitted ?? 0,
                        controllerHandshakesRefused: context.controllerCurveHandshakes?.refused ?? 0,
                        note: "each panel logs its own admitted/refused handshake counts at exit"),
        faults: faults.map(\.entry),
        duplicates: .init(delivered: 0,  // the controller keeps exactly one result per step
                          suppressedByPanels: context.panelCounterTotals["duplicates"] ?? 0,
                          lateResultsDroppedByController: outcome.duplicateResults),
        downlink: context.downlink,
        linkBoundUs: context.mode == "in-process" ? nil : acc.linkBounds.summary,
        resultLinkUs: context.mode == "in-process" ? nil : acc.resultLinks.summary,
        resultLinkBoundUs: context.mode == "in-process" ? nil : acc.resultLinkBounds.summary,
        clocks: context.clockOffsets.isEmpty ? nil : .init(
            offsetUs: context.clockOffsets.map { $0.map { Double($0.offsetNs) / 1000 } },
            boundUs: context.clockOffsets.map { $0.map { Double($0.boundNs) / 1000 } },
            exchanges: context.clockExchanges,
            definition: "panel clock - controller clock from stamped PING/PONG exchanges (the minimum round trip of "
                + "the last 16, refreshed every \(LinkSettings.panelHeartbeatIntervalMs) ms); the true offset lies within "
                + "± bound_us (half that round trip); an offset within its bound of 0 is reported as 0"))
    summary.islands = experiment.filter.islandCount
    if summary.islands > 1 {
        summary.fpgaModelStreamedUs = model.streamedMicroseconds(panels: experiment.panelCount,
                                                                 particles: experiment.filter.particleCount,
                                                                 islands: summary.islands, measurements: 6, adderTree: true)
    }
    return summary
}

/// The typed manifest.json of a run set.
public func runManifest(_ experiment: Experiment, context: RunContext) -> RunManifest {
    let distributed = !context.panelHosts.isEmpty
    return RunManifest(version: dmimoVersion, gitCommit: buildCommit, seed: experiment.baseSeed, host: hostName(),
                       startTime: context.startTime, endTime: context.endTime, commandLine: context.commandLine,
                       mode: context.mode, zeromqWireProtocolVersion: Int(wireProtocolVersionNumber),
                       panelHosts: distributed ? context.panelHosts : nil,
                       panelEndpoints: distributed ? context.panelEndpoints : nil,
                       controllerEndpoint: distributed ? context.controllerEndpoint : nil,
                       cpuPlacement: distributed ? context.cpuPlacementMode?.rawValue : nil,
                       controllerCPUs: distributed ? context.cpuPlacement.controller.map(CPUPlacement.text) ?? "any" : nil,
                       panelCPUs: distributed ? context.cpuPlacement.panels.map { $0.map(CPUPlacement.text) ?? "any" } : nil)
}

/// The report's line on clocks: the offsets' range and the bounds' range (nil in-process).
func clocksLine(_ context: RunContext) -> String? {
    let known = context.clockOffsets.compactMap { $0 }
    guard !context.clockOffsets.isEmpty else { return nil }
    guard let low = known.map(\.offsetNs).min(), let high = known.map(\.offsetNs).max(),
          let tight = known.map(\.boundNs).min(), let loose = known.map(\.boundNs).max() else {
        return "clocks: no panel's offset to the controller known; one-way figures missing"
    }
    let missing = context.clockOffsets.count - known.count
    return "clocks: one-way figures in the controller's time base; panel offsets \(fixed(Double(low) / 1e9, 6)) s"
        + " to \(fixed(Double(high) / 1e9, 6)) s, bounds ± \(fixed(Double(tight) / 1000, 1))-\(fixed(Double(loose) / 1000, 1)) µs"
        + (missing > 0 ? "; \(missing) panel(s) never answered a clock exchange" : "")
}
