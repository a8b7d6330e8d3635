// LocaLoSFilter: the Loca-LoS panel filter — one panel's model, state and scratch space bundled, with update and reset.
import Scenario

extension PanelFilterMethod {
    /// Loca-LoS (docs/MODEL.md §B): one LoS existence/amplitude state per panel; reflections are clutter.
    public static var locaLoS: PanelFilterMethod { LocaLoSFilter.method }
}

/// A panel's Loca-LoS filter: its model (position, constants), its state between steps and its scratch space.
/// `update` is ``updatePanel(_:state:measurements:model:key:isFirstOfRoute:workspace:)`` for this panel, so the
/// in-process chain and a panel process run exactly the same computation.
public struct LocaLoSFilter: PanelFilter {
    public static let methodName = "loca-los"
    public static let displayName = "Loca-LoS"
    public static let summary = "LoS only, docs/MODEL.md §B"
    public static let relativeCost = 1.0

    public let model: PanelModel
    /// Panel index used in the random-stream keys (its position in the configured chain, 0-based).
    public let panel: UInt32
    public private(set) var state: PanelState
    private var workspace: PanelWorkspace

    /// A panel with fresh state keyed by (seed, step, panel, prior) (see ``PanelState/initial(model:seed:step:panel:)``).
    public init(model: PanelModel, panel: UInt32, seed: UInt64, step: Int = 0) {
        self.model = model
        self.panel = panel
        state = PanelState.initial(model: model, seed: seed, step: step, panel: panel)
        workspace = PanelWorkspace(particleCount: model.filter.particleCount)
    }

    /// The ``PanelFilter`` initializer: Loca-LoS needs no map, so `room` is unused.
    public init(model: PanelModel, room: Room, panel: UInt32, seed: UInt64, step: Int) {
        self.init(model: model, panel: panel, seed: seed, step: step)
    }

    public var panelModel: PanelModel { model }

    /// Fresh state, as when the panel (re)joins the chain at `step`.
    public mutating func reset(seed: UInt64, step: Int) {
        state = PanelState.initial(model: model, seed: seed, step: step, panel: panel)
    }

    /// Replaces the state (for example one restored from elsewhere). Its particle count must match the model's.
    public mutating func restore(_ state: PanelState) {
        precondition(state.amplitude.count == model.filter.particleCount)
        self.state = state
    }

    /// Processes γ in place (γ^(j−1) → γ^(j)) with this panel's measurements of step `step`.
    /// - Parameter isFirstOfRoute: true at the first live panel of the step's route (CV prediction), false at
    ///   later panels (regularization).
    public mutating func update(_ gamma: inout AgentParticles, measurements: PanelMeasurements, seed: UInt64,
                                step: Int, isFirstOfRoute: Bool) -> PanelReport {
        updatePanel(&gamma, state: &state, measurements: measurements, model: model,
                    key: PanelStepKey(seed: seed, step: step, panel: panel), isFirstOfRoute: isFirstOfRoute,
                    workspace: &workspace)
    }

    public static let supportsIslands = true

    /// Processes γ as `islandLogWeights.count` islands:
    /// ``updatePanelIslands(_:islandLogWeights:state:measurements:model:key:isFirstOfRoute:isLastOfRoute:workspace:)``.
    public mutating func updateIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       measurements: PanelMeasurements, seed: UInt64, step: Int,
                                       isFirstOfRoute: Bool, isLastOfRoute: Bool) -> PanelReport {
        updatePanelIslands(&gamma, islandLogWeights: &islandLogWeights, state: &state, measurements: measurements,
                           model: model, key: PanelStepKey(seed: seed, step: step, panel: panel),
                           isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute, workspace: &workspace)
    }

    public static let streamsIslands = true

    /// ``beginPanelIslands(islandCount:state:measurements:model:key:workspace:)`` for this panel.
    public mutating func beginIslands(count: Int, measurements: PanelMeasurements, seed: UInt64, step: Int) {
        beginPanelIslands(islandCount: count, state: &state, measurements: measurements, model: model,
                          key: PanelStepKey(seed: seed, step: step, panel: panel), workspace: &workspace)
    }

    /// ``updatePanelIsland(_:of:logWeight:state:model:isFirstOfRoute:isLastOfRoute:workspace:)`` for this panel.
    public mutating func updateIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                                      isFirstOfRoute: Bool, isLastOfRoute: Bool) {
        updatePanelIsland(island, of: &gamma, logWeight: &logWeight, state: state, model: model,
                          isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute, workspace: &workspace)
    }

    /// ``reportPanelIslands(islandLogWeights:state:model:workspace:)`` for this panel.
    public mutating func islandsReport(islandLogWeights: [Double]) -> PanelReport {
        reportPanelIslands(islandLogWeights: islandLogWeights, state: &state, model: model, workspace: &workspace)
    }

    /// ``finishPanelIslands(_:islandLogWeights:state:isLastOfRoute:workspace:)`` for this panel.
    public mutating func finishIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       isLastOfRoute: Bool) {
        finishPanelIslands(&gamma, islandLogWeights: &islandLogWeights, state: &state, isLastOfRoute: isLastOfRoute,
                           workspace: &workspace)
    }
}
