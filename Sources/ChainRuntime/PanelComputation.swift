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

    /// Whether an island of `count` particles, one of `islands`, can be processed (filter.islands > 1).
    func accepts(islandParticleCount count: Int, islands: Int) -> Bool
    /// Processes one island of a step in place (docs/MODEL.md §B.7), adding its log-likelihood increment to
    /// `logWeight` (natural log). `beginsStep`: the step's first island here (the step's measurements are taken and
    /// the panel's own prediction made first). Unless `isLastOfRoute`, the island leaves resampled within itself.
    /// - Returns: the number of measurements the step uses.
    mutating func processIsland(particles: inout ParticleArrays, logWeight: inout Double, island: Int, islands: Int,
                                run: UInt32, step: UInt32, beginsStep: Bool, isFirstOfRoute: Bool,
                                isLastOfRoute: Bool, reset: Bool) -> UInt32
    /// After the step's last island here: the panel's report from the islands' sums (O(B)); islands not `kept` have
    /// weight 0 (nil: all kept).
    mutating func reportIslands(kept: [Bool]?) -> PanelOutput
    /// Ends the step's islands here: the panel's own state and, if `isLastOfRoute`, the global resampling.
    /// - Returns: at `isLastOfRoute`, the step's posterior (all N_p particles, equally weighted); else nil.
    mutating func finishIslands(isLastOfRoute: Bool) -> ParticleArrays?
    /// Combines islands no panel weighted last (handed on, or ended at a sender): `islands` in index order, their
    /// log weights (−∞: left out), resampled into N_p equally weighted particles with this panel's stream of `step`.
    func combineIslands(_ islands: [ParticleArrays], logWeights: [Double], run: UInt32, step: UInt32) -> ParticleArrays
}

extension PanelComputation {
    /// A computation without islands takes none (the γ is dropped as malformed).
    public func accepts(islandParticleCount count: Int, islands: Int) -> Bool { false }
    public mutating func processIsland(particles: inout ParticleArrays, logWeight: inout Double, island: Int,
                                       islands: Int, run: UInt32, step: UInt32, beginsStep: Bool, isFirstOfRoute: Bool,
                                       isLastOfRoute: Bool, reset: Bool) -> UInt32 {
        preconditionFailure("\(Self.self) does not process islands")
    }
    public mutating func reportIslands(kept: [Bool]?) -> PanelOutput { PanelOutput() }
    public mutating func finishIslands(isLastOfRoute: Bool) -> ParticleArrays? { nil }
    public func combineIslands(_ islands: [ParticleArrays], logWeights: [Double], run: UInt32,
                               step: UInt32) -> ParticleArrays {
        preconditionFailure("\(Self.self) does not process islands")
    }
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
