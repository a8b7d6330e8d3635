// AnyPanelFilter: one panel's filter of any registered method behind one update/reset interface.
import Scenario

/// A panel's filter of any method of ``PanelFilters/all``. The method is chosen once, at construction; each
/// `update` is one dynamic call into the concrete filter's (fully specialized) update, so the per-particle loops
/// see no dispatch, and updating in place allocates nothing (the filter's storage is uniquely owned).
public struct AnyPanelFilter: Sendable {
    private var filter: any PanelFilter

    /// A panel with fresh state keyed by (seed, step, panel, prior).
    /// - Parameters:
    ///   - model: the panel's position and constants.
    ///   - room: the room (known map) for methods that use one (Loca-MPC's virtual anchors).
    ///   - panel: chain position of the panel (its random-stream key).
    public init(method: PanelFilterMethod, model: PanelModel, room: Room = .paper, panel: UInt32, seed: UInt64,
                step: Int = 0) {
        filter = method.filterType.init(model: model, room: room, panel: panel, seed: seed, step: step)
    }

    /// Wraps an existing filter.
    public init<Filter: PanelFilter>(_ filter: Filter) {
        self.filter = filter
    }

    /// The method of the wrapped filter.
    public var method: PanelFilterMethod { type(of: filter).method }

    /// The panel's position and constants.
    public var model: PanelModel { filter.panelModel }

    /// Panel index used in the random-stream keys.
    public var panel: UInt32 { filter.panel }

    /// The wrapped filter, if it is a `Filter` (for inspecting its state).
    public func filter<Filter: PanelFilter>(as type: Filter.Type) -> Filter? { filter as? Filter }

    /// Fresh state, as when the panel (re)joins the chain at `step`.
    public mutating func reset(seed: UInt64, step: Int) {
        filter.reset(seed: seed, step: step)
    }

    /// Processes γ in place (γ^(j−1) → γ^(j)) with this panel's measurements of step `step`.
    /// - Parameter isFirstOfRoute: true at the first live panel of the step's route (CV prediction), false at
    ///   later panels (regularization).
    public mutating func update(_ gamma: inout AgentParticles, measurements: PanelMeasurements, seed: UInt64,
                                step: Int, isFirstOfRoute: Bool) -> PanelReport {
        filter.update(&gamma, measurements: measurements, seed: seed, step: step, isFirstOfRoute: isFirstOfRoute)
    }

    /// Processes γ as `islandLogWeights.count` islands (docs/MODEL.md §B.7); see ``PanelFilter/updateIslands``.
    public mutating func updateIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       measurements: PanelMeasurements, seed: UInt64, step: Int,
                                       isFirstOfRoute: Bool, isLastOfRoute: Bool) -> PanelReport {
        filter.updateIslands(&gamma, islandLogWeights: &islandLogWeights, measurements: measurements, seed: seed,
                             step: step, isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute)
    }

    /// Whether the wrapped method runs more than one island.
    public var supportsIslands: Bool { type(of: filter).supportsIslands }

    /// Whether the wrapped method runs islands in phases as they arrive (a panel process with filter.islands > 1).
    public var streamsIslands: Bool { type(of: filter).streamsIslands }

    /// Phase 1 of a streamed island step (``PanelFilter/beginIslands(count:measurements:seed:step:)``).
    public mutating func beginIslands(count: Int, measurements: PanelMeasurements, seed: UInt64, step: Int) {
        filter.beginIslands(count: count, measurements: measurements, seed: seed, step: step)
    }

    /// Phase 2: one island (``PanelFilter/updateIsland(_:of:logWeight:isFirstOfRoute:isLastOfRoute:)``).
    public mutating func updateIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                                      isFirstOfRoute: Bool, isLastOfRoute: Bool) {
        filter.updateIsland(island, of: &gamma, logWeight: &logWeight, isFirstOfRoute: isFirstOfRoute,
                            isLastOfRoute: isLastOfRoute)
    }

    /// Phase 3: the report (``PanelFilter/islandsReport(islandLogWeights:)``).
    public mutating func islandsReport(islandLogWeights: [Double]) -> PanelReport {
        filter.islandsReport(islandLogWeights: islandLogWeights)
    }

    /// Phase 4: own state and, at the last panel, the global resampling (``PanelFilter/finishIslands(_:islandLogWeights:isLastOfRoute:)``).
    public mutating func finishIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       isLastOfRoute: Bool) {
        filter.finishIslands(&gamma, islandLogWeights: &islandLogWeights, isLastOfRoute: isLastOfRoute)
    }
}
