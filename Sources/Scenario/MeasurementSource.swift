// MeasurementSource: where the chain's measurements, panel geometry and truth come from — the synthetic world or a trace.

/// The controller's one source of measurements, panel geometry and truth.
public enum MeasurementSource: Sendable {
    /// The built-in synthetic world (docs/MODEL.md §A).
    case world(World)
    /// A trace (docs/TRACES.md) resolved against the radio constants.
    case trace(TraceMeasurements)

    public var panelCount: Int {
        switch self { case .world(let w): w.panelCount; case .trace(let t): t.panelCount }
    }
    /// Number of steps available.
    public var stepCount: Int {
        switch self { case .world(let w): w.stepCount; case .trace(let t): t.stepCount }
    }
    /// Panel positions in chain order, metres.
    public var panelPositions: [SIMD2<Double>] {
        switch self { case .world(let w): w.panels.map(\.position); case .trace(let t): t.trace.panels.map(\.position) }
    }
    /// The walls the filter knows (Loca-MPC's virtual anchors).
    public var room: Room {
        switch self { case .world(let w): w.room; case .trace(let t): t.room }
    }
    public var radio: RadioParameters {
        switch self { case .world(let w): w.radio; case .trace(let t): t.radio }
    }
    /// Centre of the filter's prior, metres.
    public var priorCentre: SIMD2<Double> {
        switch self { case .world(let w): w.trajectory.priorCentre; case .trace(let t): t.prior.centre }
    }
    /// Velocity of the filter's prior, m/s.
    public var priorVelocity: SIMD2<Double> {
        switch self { case .world(let w): w.trajectory.priorVelocity; case .trace(let t): t.prior.velocity }
    }
    /// Panel k's measurements at step n of the run with `seed`.
    public func measurements(seed: UInt64, step: Int, panel: Int) -> PanelMeasurements {
        switch self {
        case .world(let w): w.measurements(seed: seed, step: step, panel: panel)
        case .trace(let t): t.measurements(seed: seed, step: step, panel: panel)
        }
    }
    /// True agent position at step n, metres (NaN where a trace does not give it).
    public func truth(step: Int) -> SIMD2<Double> {
        switch self { case .world(let w): w.agentPosition(step: step); case .trace(let t): t.truth(step: step) }
    }
    /// Whether panel k's LoS is visible at step n.
    public func losVisible(step: Int, panel: Int) -> Bool {
        switch self {
        case .world(let w): w.losVisible(step: step, panel: panel)
        case .trace(let t): t.losVisible(step: step, panel: panel)
        }
    }
}
