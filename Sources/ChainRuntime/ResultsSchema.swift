// ResultsSchema: the typed summary.json and manifest.json of a run set (docs/RESULTS-FORMAT.md, field by field).

/// The version of the result files' layout (summary.json, manifest.json, per_step.csv). Raised when a field is
/// renamed, removed or changes meaning; adding a field keeps it.
public let resultsSchemaVersion = 2

/// summary.json. Times in µs, distances in m, memory in MiB (2^20 bytes), rates as fractions 0…1; a number that is
/// undefined (no samples) is NaN in Swift and `null` in the file.
public struct RunSummary: Codable, Sendable {
    public var schemaVersion = resultsSchemaVersion
    public var mode: String
    public var method: String
    public var panels: Int
    public var particles: Int
    public var arraySize: Int
    public var bandwidthHz: Double
    public var runs: Int
    public var stepsPerRun: Int
    public var seed: UInt64
    public var interrupted: Bool
    public var stepsInjected: Int
    public var stepsDelivered: Int
    public var stepsDegraded: Int
    public var stepsAbandoned: Int
    public var stepsReissued: Int
    public var latencyUs: LatencySummary
    public var latencyDefinition: String
    public var computeUs: LatencySummary
    public var computeUsPerPanel: [LatencySummary]
    public var linkUs: LatencySummary
    public var linkDefinition: String
    public var ackRttUs: LatencySummary
    public var measurementsPerPanelMean: Double
    public var fpgaModelUs: Double
    public var fpgaModel: FPGAModel
    public var rmseM: Double
    public var rmseOverallM: Double
    public var errorP50M: Double
    public var errorP90M: Double
    public var errorMaxM: Double
    public var fracErrorGt1m: Double
    public var runsDiverged: Int
    public var losDetectionRate: Double
    public var falseLosRate: Double
    public var memory: Memory
    public var nodeCounters: [String: UInt64]
    public var fronthaul: Fronthaul
    public var controllerDroppedMessages: UInt64
    public var security: Security
    public var faults: [FaultEntry]
    public var duplicates: Duplicates
    /// Present when a downlink node ran beside the chain.
    public var downlink: DownlinkSummary?
    /// Distributed runs: the one-way links' uncertainty (both ends' clock bounds), the result's hop last panel →
    /// controller (controller's time base) and its uncertainty, µs.
    public var linkBoundUs: LatencySummary?
    public var resultLinkUs: LatencySummary?
    public var resultLinkBoundUs: LatencySummary?
    /// Distributed runs: every panel's clock offset to the controller, the time base of every one-way figure.
    public var clocks: Clocks?
    /// Distributed runs with chain.floor_rounds > 0: the one-way transport floor over the panel-to-panel links (round
    /// trip / 2 of γ-sized ping-pongs, µs), the panel-to-panel raw link p50 over its p50, the ping-pongs per link, and
    /// the projected e2e of a deployment with one host per panel (docs/LATENCY.md §7a), µs.
    public var linkFloorUs: LatencySummary? = nil
    public var linkOverFloor: Double? = nil
    public var linkFloorRounds: Int? = nil
    public var projectedDeploymentUs: Double? = nil
    /// Islands B the step's particles travel as (filter.islands; 1 = one γ per hop, docs/MODEL.md §B.7).
    public var islands: Int = 1
    /// B > 1: the streamed eq. (10) (``LatencyModel/streamedMicroseconds``, adder tree, M = 6) beside fpga_model_us, µs.
    public var fpgaModelStreamedUs: Double? = nil

    public struct Clocks: Codable, Sendable {
        public var timeBase = "controller"
        /// Panel k's clock − the controller's (null: never estimated), µs, and the bound of each, µs.
        public var offsetUs: [Double?]
        public var boundUs: [Double?]
        /// Stamped PING/PONG exchanges with each panel.
        public var exchanges: [Int]
        public var definition: String
    }

    public struct FPGAModel: Codable, Sendable {
        public var equation: String
        public var usAtMeasuredMeanM: Double
        public var measuredMeanM: Double
    }

    public struct Memory: Codable, Sendable {
        public var controllerPeakRssMib: Double
        public var panelPeakRssMib: [Double]
        public var panelsTotalPeakRssMib: Double
        public var panelRssStep50Mib: [Double]
        public var panelRssStep500Mib: [Double]
    }

    public struct Fronthaul: Codable, Sendable {
        public var mode: String
        public var rateGbps: Double
        public var perTransferUs: Double
        public var panelToPanelHops: Int
        public var modelledUs: LatencySummary
        public var measuredLinkUs: LatencySummary
        public var rawLinkUs: LatencySummary
        public var hopsRawSlowerThanModel: Int
        public var hopsRawSlowerThanModelPerPanel: [Int]
        public var note: String
    }

    public struct Security: Codable, Sendable {
        public var curve: Bool
        public var keysDir: String
        public var controllerHandshakesAdmitted: Int
        public var controllerHandshakesRefused: Int
        public var note: String
    }

    public struct FaultEntry: Codable, Sendable {
        public var run: Int
        public var atStep: Int
        public var action: String
        public var panel: Int
        public var durationMs: Int
        public var delayUs: Int
        public var detectionMs: Double
        public var recoveryMs: Double
        public var stepsDeliveredDuring: Int
        public var stepsDegradedDuring: Int
        public var stepsAbandonedDuring: Int
        public var rmseBeforeM: Double
        public var rmseDuringM: Double
        public var rmseAfterM: Double
    }

    public struct Duplicates: Codable, Sendable {
        public var delivered: Int
        public var suppressedByPanels: UInt64
        public var lateResultsDroppedByController: Int
    }

    public struct DownlinkSummary: Codable, Sendable {
        public var frame: String
        public var `protocol`: String
        public var powerDbm: Double
        public var illuminationPoints: Int
        public var followChain: Bool
        public var processing: String
        public var snapshotsSent: Int
        public var estimatesReceived: Int
        public var snapshotsSkippedNodeBusy: Int
        public var refused: Int
        public var lost: Int
        public var rmseM: Double
        public var rmseMByProcessing: [String: Double]
    }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", mode, method, panels, particles, arraySize = "array_size"
        case bandwidthHz = "bandwidth_hz", runs, stepsPerRun = "steps_per_run", seed, interrupted
        case stepsInjected = "steps_injected", stepsDelivered = "steps_delivered", stepsDegraded = "steps_degraded"
        case stepsAbandoned = "steps_abandoned", stepsReissued = "steps_reissued"
        case latencyUs = "latency_us", latencyDefinition = "latency_definition", computeUs = "compute_us"
        case computeUsPerPanel = "compute_us_per_panel", linkUs = "link_us", linkDefinition = "link_definition"
        case ackRttUs = "ack_rtt_us", measurementsPerPanelMean = "measurements_per_panel_mean"
        case fpgaModelUs = "fpga_model_us", fpgaModel = "fpga_model"
        case rmseM = "rmse_m", rmseOverallM = "rmse_overall_m", errorP50M = "error_p50_m", errorP90M = "error_p90_m"
        case errorMaxM = "error_max_m", fracErrorGt1m = "frac_error_gt_1m", runsDiverged = "runs_diverged"
        case losDetectionRate = "los_detection_rate", falseLosRate = "false_los_rate"
        case memory, nodeCounters = "node_counters", fronthaul, controllerDroppedMessages = "controller_dropped_messages"
        case security, faults, duplicates, downlink
        case linkBoundUs = "link_bound_us", resultLinkUs = "result_link_us", resultLinkBoundUs = "result_link_bound_us"
        case clocks
        case linkFloorUs = "link_floor_us", linkOverFloor = "link_over_floor", linkFloorRounds = "link_floor_rounds"
        case projectedDeploymentUs = "projected_deployment_us"
        case islands, fpgaModelStreamedUs = "fpga_model_streamed_us"
    }
}

extension RunSummary.Clocks {
    enum CodingKeys: String, CodingKey { case timeBase = "time_base", offsetUs = "offset_us", boundUs = "bound_us", exchanges, definition }
}

extension RunSummary.FPGAModel {
    enum CodingKeys: String, CodingKey { case equation, usAtMeasuredMeanM = "us_at_measured_mean_m", measuredMeanM = "measured_mean_m" }
}

extension RunSummary.Memory {
    enum CodingKeys: String, CodingKey {
        case controllerPeakRssMib = "controller_peak_rss_mib", panelPeakRssMib = "panel_peak_rss_mib"
        case panelsTotalPeakRssMib = "panels_total_peak_rss_mib", panelRssStep50Mib = "panel_rss_step50_mib"
        case panelRssStep500Mib = "panel_rss_step500_mib"
    }
}

extension RunSummary.Fronthaul {
    enum CodingKeys: String, CodingKey {
        case mode, rateGbps = "rate_gbps", perTransferUs = "per_transfer_us", panelToPanelHops = "panel_to_panel_hops"
        case modelledUs = "modelled_us", measuredLinkUs = "measured_link_us", rawLinkUs = "raw_link_us"
        case hopsRawSlowerThanModel = "hops_raw_slower_than_model"
        case hopsRawSlowerThanModelPerPanel = "hops_raw_slower_than_model_per_panel", note
    }
}

extension RunSummary.Security {
    enum CodingKeys: String, CodingKey {
        case curve, keysDir = "keys_dir", controllerHandshakesAdmitted = "controller_handshakes_admitted"
        case controllerHandshakesRefused = "controller_handshakes_refused", note
    }
}

extension RunSummary.FaultEntry {
    enum CodingKeys: String, CodingKey {
        case run, atStep = "at_step", action, panel, durationMs = "duration_ms", delayUs = "delay_us"
        case detectionMs = "detection_ms", recoveryMs = "recovery_ms", stepsDeliveredDuring = "steps_delivered_during"
        case stepsDegradedDuring = "steps_degraded_during", stepsAbandonedDuring = "steps_abandoned_during"
        case rmseBeforeM = "rmse_before_m", rmseDuringM = "rmse_during_m", rmseAfterM = "rmse_after_m"
    }
}

extension RunSummary.Duplicates {
    enum CodingKeys: String, CodingKey {
        case delivered, suppressedByPanels = "suppressed_by_panels"
        case lateResultsDroppedByController = "late_results_dropped_by_controller"
    }
}

extension RunSummary.DownlinkSummary {
    enum CodingKeys: String, CodingKey {
        case frame, `protocol`, powerDbm = "power_dbm", illuminationPoints = "illumination_points"
        case followChain = "follow_chain", processing, snapshotsSent = "snapshots_sent"
        case estimatesReceived = "estimates_received", snapshotsSkippedNodeBusy = "snapshots_skipped_node_busy"
        case refused, lost, rmseM = "rmse_m", rmseMByProcessing = "rmse_m_by_processing"
    }
}

/// manifest.json: how and where a run set was executed.
public struct RunManifest: Codable, Sendable {
    public var schemaVersion = resultsSchemaVersion
    /// dmimo-chain's version.
    public var version: String
    /// The source commit the binary was built from (`git describe`, recorded by scripts/build.sh), "unknown" when
    /// built outside a git checkout.
    public var gitCommit: String
    public var seed: UInt64
    public var host: String
    /// UTC, ISO 8601.
    public var startTime: String
    public var endTime: String
    public var commandLine: [String]
    public var mode: String
    public var zeromqWireProtocolVersion: Int
    /// Distributed runs only.
    public var panelHosts: [String]?
    public var panelEndpoints: [String]?
    public var controllerEndpoint: String?
    /// Distributed runs: chain.cpu_placement, and the CPUs of the controller and of each spawned panel ("any" =
    /// not pinned).
    public var cpuPlacement: String?
    public var controllerCPUs: String?
    public var panelCPUs: [String]?

    enum CodingKeys: String, CodingKey {
        case cpuPlacement = "cpu_placement", controllerCPUs = "controller_cpus", panelCPUs = "panel_cpus"
        case schemaVersion = "schema_version", version, gitCommit = "git_commit", seed, host
        case startTime = "start_time", endTime = "end_time", commandLine = "command_line", mode
        case zeromqWireProtocolVersion = "zeromq_wire_protocol_version", panelHosts = "panel_hosts"
        case panelEndpoints = "panel_endpoints", controllerEndpoint = "controller_endpoint"
    }
}

/// `chain-controller probe --json`: the probe's latencies (µs) and payload checks.
public struct ProbeSummary: Codable, Sendable {
    public var schemaVersion = resultsSchemaVersion
    public var panels: Int
    public var particles: Int
    public var messageBytes: Int
    public var intact: Int
    public var corrupted: Int
    public var outOfOrder: Int
    public var panelChecksumErrors: UInt64
    public var endToEnd: LatencySummary
    /// Hop h: into panel h (h = 0 from the controller), the last back to the controller.
    public var hops: [LatencySummary]
    public var inPanel: [LatencySummary]
    public var ackRtt: [LatencySummary]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", panels, particles, messageBytes = "message_bytes", intact, corrupted
        case outOfOrder = "out_of_order", panelChecksumErrors = "panel_checksum_errors", endToEnd = "end_to_end"
        case hops, inPanel = "in_panel", ackRtt = "ack_rtt"
    }
}

extension ProbeResult {
    /// The probe's typed summary (`probe --json`).
    public var summary: ProbeSummary {
        ProbeSummary(panels: panels, particles: particles, messageBytes: messageBytes, intact: intact,
                     corrupted: corrupted, outOfOrder: outOfOrder, panelChecksumErrors: panelChecksumErrors,
                     endToEnd: LatencySummary(nanoseconds: endToEnd), hops: hops.map { LatencySummary(nanoseconds: $0) },
                     inPanel: inPanel.map { LatencySummary(nanoseconds: $0) },
                     ackRtt: roundTrips.map { LatencySummary(nanoseconds: $0) })
    }
}
