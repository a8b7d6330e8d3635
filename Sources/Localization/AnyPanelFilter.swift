// AnyPanelFilter: one panel's filter of either method (Loca-LoS or Loca-MPC) behind one update/reset interface.
import Scenario

/// Which daisy-chain filter a panel runs. Raw values are the configuration's `filter.method` values.
public enum PanelFilterMethod: String, Sendable, CaseIterable, Codable {
    /// Loca-LoS (docs/MODEL.md §B): one LoS existence/amplitude state per panel; reflections are clutter.
    case locaLoS = "loca-los"
    /// Loca-MPC (docs/MODEL.md §C): the LoS and one feature per known virtual anchor, BP data association.
    case locaMPC = "loca-mpc"
}

/// A panel's filter of either method. Both keep the daisy-chain contract of docs/MODEL.md §B.5: only γ (the agent
/// particles) crosses between panels; everything else is panel state. `update` is a pure function of
/// (γ, state, measurements, streams keyed by (seed, step, panel, purpose)), so the in-process chain and a panel
/// process give bit-identical results.
public struct AnyPanelFilter: Sendable {
    public let method: PanelFilterMethod
    // exactly one is non-nil; kept as two optionals (not an enum with payloads) so that updates mutate in place
    private var los: PanelFilter?
    private var mpc: MPCPanelFilter?

    /// A panel with fresh state keyed by (seed, step, panel, prior).
    /// - Parameters:
    ///   - model: the panel's position and constants (for Loca-MPC, μ_mpc is ignored: its clutter is false alarms
    ///     only, and the BP constants are `model.filter.associationMaxIterations` / `associationTolerance`).
    ///   - room: the room whose walls give the Loca-MPC virtual anchors (known map); unused by Loca-LoS.
    ///   - panel: chain position of the panel (its random-stream key).
    public init(method: PanelFilterMethod, model: PanelModel, room: Room = .paper, panel: UInt32, seed: UInt64,
                step: Int = 0) {
        self.method = method
        switch method {
        case .locaLoS: los = PanelFilter(model: model, panel: panel, seed: seed, step: step)
        case .locaMPC: mpc = MPCPanelFilter(model: MPCPanelModel(panel: model, room: room), panel: panel, seed: seed,
                                            step: step)
        }
    }

    /// Wraps an existing Loca-LoS filter.
    public init(_ filter: PanelFilter) {
        method = .locaLoS
        los = filter
    }

    /// Wraps an existing Loca-MPC filter.
    public init(_ filter: MPCPanelFilter) {
        method = .locaMPC
        mpc = filter
    }

    /// The panel's position and constants.
    public var model: PanelModel { los?.model ?? mpc!.model.panel }

    /// Panel index used in the random-stream keys.
    public var panel: UInt32 { los?.panel ?? mpc!.panel }

    /// The Loca-LoS filter, if this is one.
    public var locaLoS: PanelFilter? { los }

    /// The Loca-MPC filter, if this is one.
    public var locaMPC: MPCPanelFilter? { mpc }

    /// Fresh state, as when the panel (re)joins the chain at `step`.
    public mutating func reset(seed: UInt64, step: Int) {
        if los != nil { los!.reset(seed: seed, step: step) } else { mpc!.reset(seed: seed, step: step) }
    }

    /// Processes γ in place (γ^(j−1) → γ^(j)) with this panel's measurements of step `step`.
    /// - Parameter isFirstOfRoute: true at the first live panel of the step's route (CV prediction), false at
    ///   later panels (regularization).
    /// - Returns: the report; for Loca-MPC its `association` holds the BP iterations and per-feature existence.
    public mutating func update(_ gamma: inout AgentParticles, measurements: PanelMeasurements, seed: UInt64,
                                step: Int, isFirstOfRoute: Bool) -> PanelReport {
        if los != nil {
            return los!.update(&gamma, measurements: measurements, seed: seed, step: step,
                               isFirstOfRoute: isFirstOfRoute)
        }
        return mpc!.update(&gamma, measurements: measurements, seed: seed, step: step, isFirstOfRoute: isFirstOfRoute)
    }
}
