// PanelComputation: what a panel does with γ between receiving and forwarding it (probe or filter update).
import Wire

/// The result of one panel's work on one step.
public struct PanelOutput: Sendable {
    /// The panel's local LoS outcome (nil in probe mode).
    public var report: PanelReport?
    /// MMSE estimate from this panel's pre-resampling weights: x, y (m), vx, vy (m/s).
    public var estimate: SIMD4<Double>?
    /// Number of measurements used.
    public var measurements: UInt32 = 0

    public init(report: PanelReport? = nil, estimate: SIMD4<Double>? = nil, measurements: UInt32 = 0) {
        self.report = report; self.estimate = estimate; self.measurements = measurements
    }
}

/// The per-panel computation. Implementations are pure apart from their own state; the node does all I/O, and the
/// particles' checksum was verified when the message was decoded.
public protocol PanelComputation {
    /// Whether γ with `count` particles can be processed (a γ that cannot is dropped as malformed).
    func accepts(particleCount count: Int) -> Bool
    /// Stores a measurement batch for a future (run, step).
    mutating func store(_ batch: MeasurementBatch, run: UInt32, step: UInt32)
    /// Whether everything needed to process (run, step) has arrived (its measurement batch).
    func isReady(run: UInt32, step: UInt32) -> Bool
    /// Processes the incoming particles in place and returns what the panel reports.
    /// - Parameters:
    ///   - isFirstOfRoute: this panel is the first live panel of the step (it applies the motion model).
    ///   - reset: the first step of a run: start from fresh panel state.
    mutating func process(particles: inout ParticleArrays, run: UInt32, step: UInt32,
                          isFirstOfRoute: Bool, reset: Bool) -> PanelOutput
}

/// The probe: forwards the particles unchanged (their integrity was checked at decode).
public struct ProbeComputation: PanelComputation {
    public init() {}
    public func accepts(particleCount count: Int) -> Bool { true }
    public mutating func store(_ batch: MeasurementBatch, run: UInt32, step: UInt32) {}
    public func isReady(run: UInt32, step: UInt32) -> Bool { true }
    public mutating func process(particles: inout ParticleArrays, run: UInt32, step: UInt32,
                                 isFirstOfRoute: Bool, reset: Bool) -> PanelOutput {
        PanelOutput()
    }
}
