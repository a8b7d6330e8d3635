// ExperimentConfig: the experiment's settings as typed sections, with the paper's operating point as defaults.
import Foundation
import Localization
import Scenario

/// The full configuration of an experiment. `ExperimentConfig()` is the paper's operating point
/// (docs/MODEL.md §B.6, §E): J = 24, N_a = 25, 400 MHz, Loca-LoS with N_p = 4096, 526 steps, 1 run, seed 2025;
/// `configs/default.yaml` documents it key by key.
///
/// Every setting is reachable as text through the key table ``ExperimentConfig/keys``
/// (dotted names such as `filter.particles`): ``load(yaml:overrides:)``, ``set(_:)`` and ``yaml()`` use only
/// that table. To add a setting, add a stored property with its default to a section and one line to the
/// table; to add a section, add a struct, a property here, a line to ``sections`` and its keys.
public struct ExperimentConfig: Sendable, Equatable {
    public var scenario = ScenarioSection()
    public var radio = RadioSection()
    public var filter = FilterSection()
    public var run = RunSection()
    public var chain = ChainSection()
    public var fronthaul = FronthaulSection()
    public var downlink = DownlinkSection()
    public var security = SecuritySection()
    /// A trace instead of the synthetic world (docs/TRACES.md).
    public var trace = TraceSection()
    /// Scripted faults (top-level `faults:` list).
    public var faults: [FaultSpec] = []

    public init() {}
}

/// Geometry and trajectory (docs/MODEL.md §A.1–§A.3).
public struct ScenarioSection: Sendable, Equatable {
    /// Number J of panels: 2 or a multiple of 4.
    public var panels = 24
    /// Number N_a = M_a² of elements of each panel's square array.
    public var arraySize = 25
    /// Number N of trajectory samples (time steps of the whole track).
    public var trajectorySamples = 526
    /// Sampling interval Δt, seconds (also the filter's CV-model interval).
    public var timeStep = 0.2
    /// Radius of the circular fillets at the trajectory's corners, metres.
    public var filletRadius = 2.0

    public init() {}

    /// Array side M_a = √N_a (exact for a valid configuration).
    public var arraySide: Int { integerSquareRoot(arraySize) }
}

/// Radio, detection and clutter model of the measurement synthesis (docs/MODEL.md §A.5–§A.7).
public struct RadioSection: Sendable, Equatable {
    /// Signal bandwidth B_w, hertz.
    public var bandwidthHz = 400e6
    /// Carrier frequency f_c, hertz.
    public var carrierHz = 28e9
    /// Per-element SNR at 1 m, dB.
    public var snr1mDb = 30.0
    /// Extra loss of a single-bounce path, dB.
    public var reflectionLossDb = 3.0
    /// Channel-estimator detection threshold u_de on the normalized amplitude.
    public var detectionThreshold = 2.0
    /// Mean number μ_fa of false alarms per panel and step.
    public var falseAlarmMean = 1.0
    /// Largest false-alarm distance d_max, metres.
    public var maxDistance = 30 * 2.0.squareRoot()

    public init() {}
}

/// Filter model constants (docs/MODEL.md §B.6, §C.3). Names follow the spec's symbols.
public struct FilterSection: Sendable, Equatable {
    /// Which daisy-chain filter the panels run (its raw values are this key's allowed values).
    public var method = PanelFilterMethod.locaLoS
    /// Number N_p of particles.
    public var particles = 4096
    /// Number B of islands γ travels as (1 = the paper's chain; docs/MODEL.md §B.7).
    public var islands = 1
    /// σ_a: acceleration noise std of the CV model, m/s².
    public var accelerationStd = 0.5
    /// h_reg: inter-panel regularization std as a fraction of the particle std.
    public var regularizationFactor = 0.1
    /// s_floor: minimum regularization std per dimension (m, m, m/s, m/s).
    public var regularizationFloor = [1e-3, 1e-3, 1e-3, 1e-3]
    /// p_s: LoS survival probability.
    public var survivalProbability = 0.95
    /// p_b: LoS birth probability.
    public var birthProbability = 0.05
    /// Relative part of the amplitude random-walk std σ_rw(u) = max(rw_abs, rw_rel·u).
    public var amplitudeWalkRelative = 0.05
    /// Absolute floor of the amplitude random-walk std.
    public var amplitudeWalkFloor = 0.1
    /// Initial existence probability p_e,0.
    public var initialExistence = 0.5
    /// p_de: LoS declared detected iff p_e > p_de.
    public var existenceThreshold = 0.5
    /// μ_mpc: filter-side mean number of reflection measurements per panel (Loca-LoS clutter model).
    public var reflectionClutterMean = 1.5
    /// Radius of the uniform prior disc around p_prior, metres.
    public var priorRadius = 0.5
    /// Half-width of the uniform prior velocity box around v_prior, m/s per component.
    public var priorVelocityHalfWidth = 0.2
    /// Loca-MPC: cap T_max on BP data-association iterations.
    public var associationMaxIterations = 1000
    /// Loca-MPC: BP convergence threshold on max |log(ν_new/ν_old)|.
    public var associationTolerance = 1e-6

    public init() {}
}

/// What to run.
public struct RunSection: Sendable, Equatable {
    /// Number of time steps per run (the first `steps` samples of the track).
    public var steps = 526
    /// Number of Monte Carlo runs.
    public var runs = 1
    /// Seed of the run set; run r uses seed + r.
    public var seed: UInt64 = 2025

    public init() {}
}

/// Where the nodes of a distributed run are and how the controller drives them.
public struct ChainSection: Sendable, Equatable {
    /// Endpoint the controller's control socket binds to.
    public var controllerBind = "tcp://127.0.0.1:*"
    /// Endpoint panels connect to for control ("" = the bound one; set it when binding a wildcard address).
    public var controllerEndpoint = ""
    /// Panel data endpoints: "" = any free loopback port per spawned panel; a pattern with {k}; or a
    /// comma-separated list of J endpoints.
    public var panelEndpoints = ""
    /// Longest wait for every panel's Hello at start-up, milliseconds.
    public var startupTimeoutMs = 15_000
    /// How many steps ahead of γ the measurement batches are sent.
    public var lookaheadSteps = 2
    /// A sender that has no acknowledgement for a hop after this long resends it, then skips the receiver, ms.
    public var ackTimeoutMs = 250
    /// Resends to the same receiver before it is skipped.
    public var hopRetries = 1
    /// The controller re-issues a step from its checkpoint when no result arrived after this long, ms.
    public var stepDeadlineMs = 2000
    /// Attempts of one step before it is abandoned.
    public var maxAttempts = 3
    /// A panel skipped in a step is left out of the routes until its heartbeats show it alive again for this long, ms.
    public var readmitAfterMs = 500
    /// How the controller and the panels it spawns are placed on this host's CPUs.
    public var cpuPlacement = CPUPlacementMode.os
    /// Transport floor: γ-sized ping-pongs timed on every link of the route before the first step (0 = off), rounds.
    public var floorRounds = 100

    public init() {}

    /// The data endpoint of each of `panels` panels, or nil for automatic loopback ports.
    public func endpoints(panels: Int) -> [String]? {
        let text = panelEndpoints.trimmingCharacters(in: .whitespaces)
        if text.isEmpty { return nil }
        if text.contains("{k}") { return (0..<panels).map { text.replacingOccurrences(of: "{k}", with: "\($0)") } }
        return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// The UE-side downlink node that runs beside the chain (downlink paper).
public struct DownlinkSection: Sendable, Equatable {
    /// Run a dmimo-downlink node and send it one snapshot per step.
    public var enabled = false
    /// Its endpoint ("" = start one on this host over ipc).
    public var endpoint = ""
    /// Centre the illumination region on the chain's latest estimate (else on the room centre).
    public var followChain = true
    /// P1 (sequential) or P2 (simultaneous beamfocusing).
    public var protocolName = "P1"
    /// Per-AP transmit power, dBm.
    public var powerDbm = 0.0
    /// Number K of illumination points (a perfect square).
    public var illuminationPoints = 36
    /// UE phase offset δφ, degrees.
    public var phaseOffsetDeg = 10.0
    /// Snapshots allowed in flight before steps stop sending new ones (the node is slower than the chain).
    public var maxInFlight = 4
    /// Estimators the node is asked for, comma-separated (coherent, noncoherent, hybrid, adaptive): each step's
    /// snapshot is sent once per listed estimator, and downlink.csv has one row per answer.
    public var processing = "adaptive"
    /// The estimator names `processing` may list.
    public static let processingNames = ["coherent", "noncoherent", "hybrid", "adaptive"]
    /// `processing` split into names.
    public var processingList: [String] { processing.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    public init() {}
}

/// CURVE security of the chain's links (ZeroMQ CURVE + a ZAP handler admitting only the configured keys).
public struct SecuritySection: Sendable, Equatable {
    /// Encrypt every link and admit only nodes holding a key of `keysDir`.
    public var curve = false
    /// The key directory made by `chain-controller keys` (relative paths: from the working directory).
    public var keysDir = "keys"

    public init() {}
}

/// How a hop of the chain is timed against the modelled fronthaul.
public enum FronthaulMode: String, Sendable, CaseIterable {
    /// The real link as it is.
    case raw
    /// Each hop is padded to what the modelled link takes (serialization of the real bytes + per-transfer latency).
    case emulate
}

/// The modelled fronthaul link (message-passing paper: 25 Gbit/s Ethernet, 174 cycles = 0.87 µs per transfer).
public struct FronthaulSection: Sendable, Equatable {
    public var mode = FronthaulMode.raw
    /// Line rate in Gbit/s.
    public var rateGbps = 25.0
    /// Fixed latency per transfer in µs.
    public var perTransferUs = 0.87

    public init() {}

    /// Modelled time of one transfer of `bytes` bytes, nanoseconds: 8·bytes/rate + per-transfer latency.
    public func modelledNs(bytes: Int) -> Double { Double(bytes) * 8 / rateGbps + perTransferUs * 1000 }
}

extension ExperimentConfig {
    /// The scenario to build the ``World`` from: `try World(config.scenarioParameters)`.
    public var scenarioParameters: ScenarioParameters {
        var parameters = ScenarioParameters()
        parameters.panelCount = scenario.panels
        parameters.radio = radioParameters
        parameters.trajectory = trajectoryParameters
        return parameters
    }

    /// Radio constants for the scenario and the filter (N_a from `scenario.array_size`).
    public var radioParameters: RadioParameters {
        var parameters = RadioParameters()
        parameters.bandwidthHz = radio.bandwidthHz
        parameters.arraySide = scenario.arraySide
        parameters.carrierHz = radio.carrierHz
        parameters.snr1mDb = radio.snr1mDb
        parameters.reflectionLossDb = radio.reflectionLossDb
        parameters.detectionThreshold = radio.detectionThreshold
        parameters.falseAlarmMean = radio.falseAlarmMean
        parameters.maxDistance = radio.maxDistance
        return parameters
    }

    /// The trajectory: the spec's waypoints with this config's fillet radius, samples and Δt.
    public var trajectoryParameters: TrajectoryParameters {
        var parameters = TrajectoryParameters()
        parameters.filletRadius = scenario.filletRadius
        parameters.samples = scenario.trajectorySamples
        parameters.timeStep = scenario.timeStep
        return parameters
    }

    /// Seed of run r (0-based): `run.seed + r`, wrapping modulo 2⁶⁴.
    public func runSeed(_ run: Int) -> UInt64 { self.run.seed &+ UInt64(truncatingIfNeeded: run) }
}

/// ⌊√n⌋ for n ≥ 0, exact.
func integerSquareRoot(_ n: Int) -> Int {
    guard n > 0 else { return 0 }
    var root = Int(Double(n).squareRoot())
    while root * root > n { root -= 1 }
    while (root + 1) * (root + 1) <= n { root += 1 }
    return root
}
