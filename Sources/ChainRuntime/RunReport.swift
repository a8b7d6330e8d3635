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
    /// Each panel's clock relative to the controller's at the end of the run (distributed; nil: never estimated),
    /// and how many stamped exchanges it came from.
    public var clockOffsets: [ClockOffset?] = []
    public var clockExchanges: [Int] = []
    /// The downlink node's summary, when one ran.
    public nonisolated(unsafe) var downlink: [String: Any]?

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
    let stats = acc.statistics()
    let measured = acc.measurementCounts
    let meanM = measured.isEmpty ? 6.0 : Double(measured.reduce(0, +)) / Double(measured.count)
    let model = LatencyModel()
    let fpgaM6 = model.microseconds(panels: experiment.panelCount, particles: experiment.filter.particleCount,
                                    measurements: 6, adderTree: true)
    let fpgaMeasuredM = model.microseconds(panels: experiment.panelCount, particles: experiment.filter.particleCount,
                                           measurements: max(1, Int(meanM.rounded())), adderTree: true)
    let compute = acc.computeByPanel.flatMap { $0 }
    let links = acc.linkByPanel.flatMap { $0 }
    let rtts = acc.ackRttByPanel.flatMap { $0 }
    var summary: [String: Any] = [
        "mode": context.mode, "method": experiment.method.rawValue,
        "panels": experiment.panelCount, "particles": experiment.filter.particleCount,
        "array_size": experiment.world.radio.arrayElements, "bandwidth_hz": experiment.world.radio.bandwidthHz,
        "runs": experiment.runs, "steps_per_run": experiment.steps, "seed": experiment.baseSeed,
        "interrupted": outcome.interrupted,
        "steps_injected": acc.injected, "steps_delivered": acc.delivered, "steps_degraded": acc.degraded,
        "steps_abandoned": acc.abandoned,
        "latency_us": latencyJSON(acc.latencies),
        "latency_definition": context.mode == "in-process"
            ? "compute time of the whole chain for one step, in one process"
            : "result receipt - step start on the controller's monotonic clock",
        "compute_us": latencyJSON(compute),
        "compute_us_per_panel": acc.computeByPanel.map(latencyJSON),
        "link_us": latencyJSON(links),
        "link_definition": "receiver's receive stamp - sender's send stamp, both in the controller's time base "
            + "(each node's clock offset from timestamped exchanges); within ± link_bound_us",
        "link_bound_us": latencyJSON(acc.linkBounds),
        "result_link_us": latencyJSON(acc.resultLinks),
        "result_link_bound_us": latencyJSON(acc.resultLinkBounds),
        "result_link_definition": "last panel -> controller one-way (controller's time base), within ± result_link_bound_us",
        "ack_rtt_us": latencyJSON(rtts),
        "measurements_per_panel_mean": meanM,
        "fpga_model_us": fpgaM6,
        "fpga_model": ["equation": "eq. (10) with the adder-tree term, 200 MHz, M = 6",
                       "us_at_measured_mean_m": fpgaMeasuredM, "measured_mean_m": meanM],
        "memory": [
            "controller_peak_rss_mib": Double(context.controllerPeakRSS) / mebibyte,
            "panel_peak_rss_mib": context.panelPeakRSS.map { Double($0) / mebibyte },
            "panels_total_peak_rss_mib": Double(context.panelPeakRSS.reduce(0, +)) / mebibyte,
            "panel_rss_step50_mib": context.panelRSSAtStep50.map { Double($0) / mebibyte },
            "panel_rss_step500_mib": context.panelRSSAtStep500.map { Double($0) / mebibyte },
        ] as [String: Any],
        "node_counters": context.panelCounterTotals,
        "fronthaul": [
            "mode": config.fronthaul.mode.rawValue, "rate_gbps": config.fronthaul.rateGbps,
            "per_transfer_us": config.fronthaul.perTransferUs,
            "panel_to_panel_hops": acc.interPanelLink.count,
            "modelled_us": latencyJSON(acc.interPanelModelled),
            "measured_link_us": latencyJSON(acc.interPanelLink),
            "raw_link_us": latencyJSON(acc.interPanelRawLink),
            "hops_raw_slower_than_model": acc.slowerThanModelByPanel.reduce(0, +),
            "hops_raw_slower_than_model_per_panel": acc.slowerThanModelByPanel,
"note": "panel-to-panel hops only (eq. 10 counts J-1 transfers); one-way times in the controller's time base (link_bound_us)",
        ] as [String: Any],
        "controller_dropped_messages": context.messagesDroppedByController,
        "security": [
            "curve": config.security.curve,
            "keys_dir": config.security.curve ? config.security.keysDir : "",
            "controller_handshakes_admitted": context.controllerCurveHandshakes?.admitted ?? 0,
            "controller_handshakes_refused": context.controllerCurveHandshakes?.refused ?? 0,
            "note": "each panel logs its own admitted/refused handshake counts at exit",
        ] as [String: Any],
    ]
    if let s = stats {
        summary["rmse_m"] = s.rmseTimeAverage
        summary["rmse_overall_m"] = s.rmseOverall
        summary["error_p50_m"] = s.errorMedian
        summary["error_p90_m"] = s.errorP90
        summary["error_max_m"] = s.errorMax
        summary["frac_error_gt_1m"] = s.fractionErrorAboveThreshold
        summary["runs_diverged"] = s.runsDiverged
        summary["los_detection_rate"] = s.losDetectionRate as Any
        summary["false_los_rate"] = s.falseLosRate as Any
    }
    let faultSummaries = summarizeFaults(outcome, stepsPerRun: experiment.steps)
    summary["faults"] = faultSummaries.map(\.json)
    summary["duplicates"] = [
        "delivered": 0,  // the controller keeps exactly one result per step
        "suppressed_by_panels": context.panelCounterTotals["duplicates"] ?? 0,
        "late_results_dropped_by_controller": outcome.duplicateResults,
    ] as [String: Any]
    summary["steps_reissued"] = outcome.reissues
    if !faultSummaries.isEmpty || !config.faults.isEmpty { try files.writeFile("faults.csv", faultsCSV(faultSummaries)) }
    if let downlink = context.downlink { summary["downlink"] = downlink }
    if !context.clockOffsets.isEmpty { summary["clocks"] = clocksJSON(context) }
    try files.writeJSON("summary.json", summary)
    var manifest: [String: Any] = [
        "version": dmimoVersion, "git_commit": gitCommit(), "seed": experiment.baseSeed,
        "host": hostName(), "start_time": context.startTime, "end_time": context.endTime,
        "command_line": context.commandLine, "mode": context.mode,
        "zeromq_wire_protocol_version": Int(wireProtocolVersionNumber),
    ]
    if !context.panelHosts.isEmpty {
        manifest["panel_hosts"] = context.panelHosts
        manifest["panel_endpoints"] = context.panelEndpoints
        manifest["controller_endpoint"] = context.controllerEndpoint
    }
    try files.writeJSON("manifest.json", manifest)
    if !acc.latencies.isEmpty { try files.writeHistogram("latency.hgrm", nanoseconds: acc.latencies) }

    var lines: [String] = []
    let what = "\(experiment.method.rawValue), J=\(experiment.panelCount), N_a=\(experiment.world.radio.arrayElements), "
        + "B_w=\(fixed(experiment.world.radio.bandwidthHz / 1e6, 0)) MHz, N_p=\(experiment.filter.particleCount), "
        + "\(experiment.runs) run(s) x \(experiment.steps) steps, seed \(experiment.baseSeed), \(context.mode)"
    lines.append("run set: \(what)" + (outcome.interrupted ? "  [INTERRUPTED]" : ""))
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
    func row(_ name: String, _ ns: [UInt64]) {
        let s = LatencySummary(nanoseconds: ns)
        rows.append([name, "\(s.count)", fixed(s.p50), fixed(s.p90), fixed(s.p99), fixed(s.p999), fixed(s.max)])
    }
    row(context.mode == "in-process" ? "step compute (in-process)" : "end-to-end", acc.latencies)
    if context.mode != "in-process" {
        row("per-panel compute", compute)
        row("per-hop link (one-way)", links)
        row("  its clock bound (±)", acc.linkBounds)
        row("last panel->controller", acc.resultLinks)
        row("per-hop ack round trip", rtts)
        row("panel->panel link, measured", acc.interPanelLink)
        row("panel->panel link, raw", acc.interPanelRawLink)
        row("panel->panel link, modelled", acc.interPanelModelled)
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
    lines.append("FPGA model, eq. (10) with adder tree, M=6: \(fixed(fpgaM6, 1)) µs; at the measured mean M=\(fixed(meanM, 2)): \(fixed(fpgaMeasuredM, 1)) µs")
    if !context.panelPeakRSS.isEmpty {
        let peak = context.panelPeakRSS.max() ?? 0
        lines.append("memory: panel peak RSS max \(fixed(Double(peak) / mebibyte, 1)) MiB, all panels \(fixed(Double(context.panelPeakRSS.reduce(0, +)) / mebibyte, 1)) MiB, controller \(fixed(Double(context.controllerPeakRSS) / mebibyte, 1)) MiB")
    } else {
        lines.append("memory: controller peak RSS \(fixed(Double(context.controllerPeakRSS) / mebibyte, 1)) MiB")
    }
    if let d = context.downlink {
        lines.append("downlink (\(d["protocol"] ?? ""), \(d["power_dbm"] ?? "") dBm): \(d["estimates_received"] ?? 0) of \(d["snapshots_sent"] ?? 0) snapshots answered, "
                     + "RMSE \((d["rmse_m"] as? Double).map { fixed($0 * 100, 3) + " cm" } ?? "-"); downlink.csv")
    }
    lines.append("results: \(files.directory.path) (config.yaml, per_step.csv, summary.json, manifest.json"
                 + (context.mode == "in-process" ? "" : ", hops.csv, latency.hgrm") + ")")
    return lines.joined(separator: "\n")
}

/// summary.json's `clocks`: every panel's clock offset to the controller (the time base of every one-way figure).
func clocksJSON(_ context: RunContext) -> [String: Any] {
    [
        "time_base": "controller",
        "offset_us": context.clockOffsets.map { $0.map { Double($0.offsetNs) / 1000 } as Any },
        "bound_us": context.clockOffsets.map { $0.map { Double($0.boundNs) / 1000 } as Any },
        "exchanges": context.clockExchanges,
        "definition": "panel clock - controller clock from stamped PING/PONG exchanges (minimum round trip of the last "
            + "16, refreshed every \(LinkSettings.panelHeartbeatIntervalMs) ms); true offset within ± bound_us (half that "
            + "round trip); an offset within its bound of 0 is reported as 0",
    ]
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
