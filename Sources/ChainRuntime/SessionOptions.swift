// SessionOptions: how the controller reaches its panels and what it tells them in Configure.
import Config
import Wire

/// How the controller reaches its panels.
public struct SessionOptions: Sendable {
    /// Number of panels J.
    public var panels: Int
    /// Start the panel processes on this host (false: they are started elsewhere and connect to us).
    public var spawn = true
    /// Path of the `panel-node` executable (spawn mode).
    public var panelExecutable = ""
    /// Where the controller's control socket binds, e.g. `tcp://127.0.0.1:*` or `tcp://*:5500`.
    public var controlBind = "tcp://127.0.0.1:*"
    /// What panels connect to for control (defaults to the bound endpoint).
    public var controlAdvertised: String?
    /// Bind endpoint of each panel's data socket in spawn mode (default: any free loopback port).
    public var panelBind: [String]?
    /// Data endpoint of each panel to connect to (overrides what the panels report in Hello).
    public var panelEndpoints: [String]?
    /// How long to wait for every panel's Hello, milliseconds.
    public var startupTimeoutMs = 15_000
    /// Placement of the controller and the spawned panels on this host's CPUs (spawn mode only).
    public var cpuPlacement = CPUPlacementMode.os
    /// Folder for the panels' stdout/stderr logs (nil: inherit the controller's).
    public var logDirectory: String?
    /// Run id of this session.
    public var runID: UInt64
    /// Where `chain-controller fault` reaches this controller (nil: no live faults).
    public var adminEndpoint: String?
    /// What the Configure message tells every panel (data endpoints are filled in by the session): the mode,
    /// particles per message, silent successors a panel may skip.
    public var mode = PanelMode.probe
    public var particles: UInt32 = 0
    public var maxSkip: UInt32 = 1
    /// The run set's base seed (filter mode).
    public var seed: UInt64 = 0
    /// A panel's hop acknowledgement deadline (ms) and resends before it skips its successor.
    public var ackTimeoutMs: UInt32 = 100
    public var hopRetries: UInt32 = 1
    /// A panel's longest wait for a step's measurement batch once its γ has arrived, ms.
    public var measurementWaitMs: UInt32 = 2000
    /// The fronthaul model the panels emulate (`emulate`) or not.
    public var fronthaul = FronthaulSetup()
    /// Filter mode: each panel's own model, panel k at index k (empty in probe mode).
    public var panelModels: [PanelSetup] = []
    /// The controller's CURVE keys (nil: plain-text links). Spawned panels get the same key directory.
    public var security: NodeSecurity?

    public init(panels: Int, runID: UInt64) {
        self.panels = panels
        self.runID = runID
    }

    /// Filter mode for `experiment`: its method, particles, seed and panel models; the panels' hop settings from
    /// `chain`, their fronthaul from `fronthaul`.
    public mutating func runFilter(_ experiment: Experiment, chain: ChainSection, fronthaul: FronthaulSection) {
        mode = .filter(experiment.method)
        particles = UInt32(experiment.filter.particleCount)
        seed = experiment.baseSeed
        ackTimeoutMs = UInt32(chain.ackTimeoutMs)
        hopRetries = UInt32(chain.hopRetries)
        self.fronthaul = FronthaulSetup(fronthaul)
        panelModels = (0..<experiment.panelCount).map { PanelSetup(experiment, panel: $0) }
    }

    /// The Configure message for panel `k`.
    func configure(panel k: Int, dataEndpoints: [String]) -> Configure {
        Configure(dataEndpoints: dataEndpoints, mode: mode.wireName, particles: particles, maxSkip: maxSkip, seed: seed,
                  ackTimeoutMs: ackTimeoutMs, hopRetries: hopRetries, measurementWaitMs: measurementWaitMs,
                  fronthaul: fronthaul, panel: k < panelModels.count ? panelModels[k] : nil)
    }
}
