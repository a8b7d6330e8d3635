// LocaMPCFilter: the Loca-MPC panel filter — one panel's features, state and scratch space, with update and reset.
import Scenario

extension PanelFilterMethod {
    /// Loca-MPC (docs/MODEL.md §C): the LoS and one feature per known virtual anchor, BP data association.
    public static var locaMPC: PanelFilterMethod { LocaMPCFilter.method }
}

/// A panel's Loca-MPC filter: model, state and scratch space. `update` is
/// ``updateMPCPanel(_:state:measurements:model:key:isFirstOfRoute:workspace:)``; its report's `association` holds
/// the BP iterations and per-feature existence.
public struct LocaMPCFilter: PanelFilter {
    public static let methodName = "loca-mpc"
    public static let displayName = "Loca-MPC"
    public static let summary = "LoS + known virtual anchors, docs/MODEL.md §C"
    /// Measured about 4.6× Loca-LoS at J = 24 (`mpc-sweep timing`).
    public static let relativeCost = 5.0

    public let model: MPCPanelModel
    /// Panel index used in the random-stream keys (its position in the configured chain, 0-based).
    public let panel: UInt32
    public private(set) var state: MPCPanelState
    private var workspace = MPCPanelWorkspace()

    /// A panel with fresh state keyed by (seed, step, panel, prior).
    public init(model: MPCPanelModel, panel: UInt32, seed: UInt64, step: Int = 0) {
        self.model = model
        self.panel = panel
        state = MPCPanelState.initial(model: model, seed: seed, step: step, panel: panel)
        workspace.prepare(particleCount: model.panel.filter.particleCount, featureCount: model.featureCount,
                          measurementCount: 8)
    }

    /// The ``PanelFilter`` initializer: the features are the LoS and the virtual anchors of `room`'s walls (μ_mpc of
    /// `model` is ignored: Loca-MPC's clutter is false alarms only; the BP constants are
    /// `model.filter.associationMaxIterations` / `associationTolerance`).
    public init(model: PanelModel, room: Room, panel: UInt32, seed: UInt64, step: Int) {
        self.init(model: MPCPanelModel(panel: model, room: room), panel: panel, seed: seed, step: step)
    }

    public var panelModel: PanelModel { model.panel }

    /// Fresh state, as when the panel (re)joins the chain at `step`.
    public mutating func reset(seed: UInt64, step: Int) {
        state = MPCPanelState.initial(model: model, seed: seed, step: step, panel: panel)
    }

    /// Replaces the state. Its shape must match the model's.
    public mutating func restore(_ state: MPCPanelState) {
        precondition(state.featureCount == model.featureCount
                     && state.amplitude.count == model.featureCount * model.panel.filter.particleCount)
        self.state = state
    }

    /// Processes γ in place (γ^(j−1) → γ^(j)) with this panel's measurements of step `step`.
    public mutating func update(_ gamma: inout AgentParticles, measurements: PanelMeasurements, seed: UInt64,
                                step: Int, isFirstOfRoute: Bool) -> PanelReport {
        updateMPCPanel(&gamma, state: &state, measurements: measurements, model: model,
                       key: PanelStepKey(seed: seed, step: step, panel: panel), isFirstOfRoute: isFirstOfRoute,
                       workspace: &workspace)
    }

    public static let supportsIslands = true

    /// Processes γ as `islandLogWeights.count` islands (docs/MODEL.md §B.7, Loca-MPC):
    /// ``updateMPCPanelIslands(_:islandLogWeights:state:measurements:model:key:isFirstOfRoute:isLastOfRoute:weighting:workspace:)``
    /// (islands weighted by their Bethe-corrected evidence).
    public mutating func updateIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       measurements: PanelMeasurements, seed: UInt64, step: Int,
                                       isFirstOfRoute: Bool, isLastOfRoute: Bool) -> PanelReport {
        updateMPCPanelIslands(&gamma, islandLogWeights: &islandLogWeights, state: &state, measurements: measurements,
                              model: model, key: PanelStepKey(seed: seed, step: step, panel: panel),
                              isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute, weighting: .bethe, workspace: &workspace)
    }

    public static let streamsIslands = true

    /// ``beginMPCPanelIslands(islandCount:state:measurements:model:key:workspace:)`` for this panel.
    public mutating func beginIslands(count: Int, measurements: PanelMeasurements, seed: UInt64, step: Int) {
        beginMPCPanelIslands(islandCount: count, state: &state, measurements: measurements, model: model,
                             key: PanelStepKey(seed: seed, step: step, panel: panel), workspace: &workspace)
    }

    /// ``updateMPCPanelIsland(_:of:logWeight:state:model:isFirstOfRoute:isLastOfRoute:weighting:workspace:)`` for this
    /// panel (weighting .bethe: `logWeight` += the island's Bethe-corrected log evidence).
    public mutating func updateIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                                      isFirstOfRoute: Bool, isLastOfRoute: Bool) {
        updateMPCPanelIsland(island, of: &gamma, logWeight: &logWeight, state: state, model: model,
                             isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute, weighting: .bethe, workspace: &workspace)
    }

    /// ``reportMPCPanelIslands(islandLogWeights:state:model:workspace:)`` for this panel.
    public mutating func islandsReport(islandLogWeights: [Double]) -> PanelReport {
        reportMPCPanelIslands(islandLogWeights: islandLogWeights, state: &state, model: model, workspace: &workspace)
    }

    /// ``finishMPCPanelIslands(_:islandLogWeights:state:model:isLastOfRoute:workspace:)`` for this panel.
    public mutating func finishIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       isLastOfRoute: Bool) {
        finishMPCPanelIslands(&gamma, islandLogWeights: &islandLogWeights, state: &state, model: model,
                              isLastOfRoute: isLastOfRoute, workspace: &workspace)
    }

    /// The data-association problem of the last update and its BP messages (diagnostics; allocates). Nil before
    /// the first update.
    public var lastAssociation: (problem: AssociationProblem, messages: [Double])? {
        let k = workspace.lastFeatureCount, m = workspace.lastMeasurementCount
        guard k > 0 else { return nil }
        return (AssociationProblem(featureCount: k, measurementCount: m,
                                   logInputs: Array(workspace.logInputs[0..<(k * (m + 1))])),
                Array(workspace.logMessages[0..<(k * m)]))
    }
}

