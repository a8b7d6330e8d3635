// PanelFilter: the extension point of filter methods — what one panel's daisy-chain filter must provide.
import Scenario

/// One panel's daisy-chain filter of one method (Loca-LoS, Loca-MPC, …): model, state between steps and scratch
/// space. Every method keeps the contract of docs/MODEL.md §B.5: only γ (the agent particles) crosses between
/// panels; everything else is panel state. `update` must be a pure function of (γ, state, measurements, streams
/// keyed by (seed, step, panel, purpose)), so that the in-process chain and a panel process give bit-identical
/// results, and should not allocate after the first update (the panels run it at N_p = 4096 in about 100 µs).
///
/// Adding a method: a new file with a type conforming to this protocol (and, optionally, a
/// `PanelFilterMethod.myMethod` shorthand), plus its line in ``PanelFilters/all``. The configuration's allowed
/// `filter.method` values, the wire's mode names and `AnyPanelFilter` all derive from that list.
public protocol PanelFilter: Sendable {
    /// The method's `filter.method` value (configuration, wire and command lines), e.g. "loca-los". Unique.
    static var methodName: String { get }
    /// The method's name in tables and reports, e.g. "Loca-LoS".
    static var displayName: String { get }
    /// What the method models, one phrase for the documentation of `filter.method`, e.g. "LoS only, docs/MODEL.md §B".
    static var summary: String { get }
    /// Compute time of one update relative to Loca-LoS at the same N_p (dimensionless; the sweeps' ETA).
    static var relativeCost: Double { get }

    /// A panel with fresh state keyed by (seed, step, panel, prior).
    /// - Parameters:
    ///   - model: the panel's position, radio and filter constants.
    ///   - room: the room (known map: walls and their virtual anchors); methods that need no map ignore it.
    ///   - panel: chain position of the panel (its random-stream key), 0-based.
    init(model: PanelModel, room: Room, panel: UInt32, seed: UInt64, step: Int)

    /// The panel's position and constants, as configured.
    var panelModel: PanelModel { get }
    /// Panel index used in the random-stream keys.
    var panel: UInt32 { get }

    /// Fresh state, as when the panel (re)joins the chain at `step`.
    mutating func reset(seed: UInt64, step: Int)

    /// Processes γ in place (γ^(j−1) → γ^(j)) with this panel's measurements of step `step`.
    /// - Parameter isFirstOfRoute: true at the first live panel of the step's route (CV prediction), false at
    ///   later panels (regularization).
    mutating func update(_ gamma: inout AgentParticles, measurements: PanelMeasurements, seed: UInt64, step: Int,
                         isFirstOfRoute: Bool) -> PanelReport

    /// Whether ``updateIslands(_:islandLogWeights:measurements:seed:step:isFirstOfRoute:isLastOfRoute:)`` takes
    /// more than one island (filter.islands > 1, docs/MODEL.md §B.7).
    static var supportsIslands: Bool { get }

    /// Processes γ split into `islandLogWeights.count` islands of N_p/B particles (docs/MODEL.md §B.7): each island
    /// on its own, its log weight carried in `islandLogWeights`; at `isLastOfRoute` the islands are combined and
    /// resampled globally (the log weights are then 0). With one island: exactly ``update(_:measurements:seed:step:isFirstOfRoute:)``.
    mutating func updateIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                measurements: PanelMeasurements, seed: UInt64, step: Int, isFirstOfRoute: Bool,
                                isLastOfRoute: Bool) -> PanelReport

    /// Whether the method runs islands in phases as they arrive one by one (a panel process with filter.islands > 1:
    /// ``beginIslands(count:measurements:seed:step:)``, ``updateIsland(_:of:logWeight:isFirstOfRoute:isLastOfRoute:)``,
    /// ``islandsReport(islandLogWeights:)``, ``finishIslands(_:islandLogWeights:isLastOfRoute:)``).
    static var streamsIslands: Bool { get }

    /// Phase 1 of a streamed island step: the panel's own prediction and measurement terms (needs no γ).
    mutating func beginIslands(count: Int, measurements: PanelMeasurements, seed: UInt64, step: Int)
    /// Phase 2, island `island` (any order, each once): reads and writes only its slice island·n ..< (island + 1)·n of
    /// `gamma` (all N_p particles, n = N_p/B) and adds its log-likelihood increment to `logWeight` (natural log); unless
    /// `isLastOfRoute`, the slice is left resampled within the island.
    mutating func updateIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                               isFirstOfRoute: Bool, isLastOfRoute: Bool)
    /// Phase 3, after every island: the panel's report (estimate Σ â_b x̄_b, existence, ESS) from the islands' sums, O(B).
    mutating func islandsReport(islandLogWeights: [Double]) -> PanelReport
    /// Phase 4: the panel's own state from all islands and, if `isLastOfRoute`, the global resampling of `gamma` (all
    /// N_p particles), after which every log weight is 0.
    mutating func finishIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double], isLastOfRoute: Bool)
}

extension PanelFilter {
    /// A method streams islands only if it says so.
    public static var streamsIslands: Bool { false }

    public mutating func beginIslands(count: Int, measurements: PanelMeasurements, seed: UInt64, step: Int) {
        preconditionFailure("\(Self.displayName) does not run streamed islands")
    }
    public mutating func updateIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                                      isFirstOfRoute: Bool, isLastOfRoute: Bool) {
        preconditionFailure("\(Self.displayName) does not run streamed islands")
    }
    public mutating func islandsReport(islandLogWeights: [Double]) -> PanelReport {
        preconditionFailure("\(Self.displayName) does not run streamed islands")
    }
    public mutating func finishIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       isLastOfRoute: Bool) {
        preconditionFailure("\(Self.displayName) does not run streamed islands")
    }
}

extension PanelFilter {
    /// A method runs one island unless it says otherwise.
    public static var supportsIslands: Bool { false }

    /// One island: ``update(_:measurements:seed:step:isFirstOfRoute:)``. More islands trap for a method without
    /// them (the configuration refuses filter.islands > 1 for such a method before anything runs).
    public mutating func updateIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                       measurements: PanelMeasurements, seed: UInt64, step: Int,
                                       isFirstOfRoute: Bool, isLastOfRoute: Bool) -> PanelReport {
        precondition(islandLogWeights.count == 1, "\(Self.displayName) does not run islands (filter.islands > 1)")
        return update(&gamma, measurements: measurements, seed: seed, step: step, isFirstOfRoute: isFirstOfRoute)
    }
}

extension PanelFilter {
    /// This type's method.
    public static var method: PanelFilterMethod { PanelFilterMethod(registered: methodName) }
}
