// InProcessChain: the whole daisy chain (Loca-LoS or Loca-MPC) run step by step in one process, with the panel update.
import Scenario

/// The world and settings of a chain run, as the filter sees them.
public struct ChainSetup: Sendable, Equatable {
    /// Panel positions in chain order, metres. Chain position j is panel index j in the random-stream keys.
    public var panelPositions: [SIMD2<Double>]
    public var radio: RadioParameters
    public var filter: FilterParameters
    /// Centre of the prior position disc (docs/MODEL.md §A.3: p[0] − v[0]·Δt), metres.
    public var priorCentre: SIMD2<Double>
    /// Centre of the prior velocity box (v[0]), m/s.
    public var priorVelocity: SIMD2<Double>
    /// The filter every panel runs.
    public var method: PanelFilterMethod
    /// The room whose walls give the Loca-MPC virtual anchors (the known map); unused by Loca-LoS.
    public var room: Room

    public init(panelPositions: [SIMD2<Double>], radio: RadioParameters, filter: FilterParameters,
                priorCentre: SIMD2<Double>, priorVelocity: SIMD2<Double>, method: PanelFilterMethod = .locaLoS,
                room: Room = .paper) {
        self.panelPositions = panelPositions
        self.radio = radio
        self.filter = filter
        self.priorCentre = priorCentre
        self.priorVelocity = priorVelocity
        self.method = method
        self.room = room
    }

    /// The per-panel models, in chain order.
    public var panelModels: [PanelModel] {
        panelPositions.map { PanelModel(position: $0, radio: radio, filter: filter) }
    }
}

/// Result of one step of the chain.
public struct ChainStepOutcome: Sendable, Equatable {
    public var step: Int
    /// The MMSE estimate of the step (from the last panel's pre-resampling weights).
    public var estimate: SIMD4<Double>
    /// One report per panel, in chain order.
    public var reports: [PanelReport]
}

/// The chain in one process: every step, panel 0 applies the CV model to the previous posterior, panels
/// 1…J−1 regularize, each with ``AnyPanelFilter/update(_:measurements:seed:step:isFirstOfRoute:)`` of the
/// setup's method (Loca-LoS or Loca-MPC). With filter.islands = B > 1 each panel runs
/// ``AnyPanelFilter/updateIslands(_:islandLogWeights:measurements:seed:step:isFirstOfRoute:isLastOfRoute:)``
/// instead (docs/MODEL.md §B.7): the islands' log weights travel with γ, panel J−1 combines them.
public struct InProcessChain: Sendable {
    public let setup: ChainSetup
    public let seed: UInt64
    public private(set) var panels: [AnyPanelFilter]
    /// The posterior particles of the last completed step (the prior before step 0).
    public private(set) var particles: AgentParticles
    /// The next step to run.
    public private(set) var nextStep: Int = 0
    /// Log weights of the B = `setup.filter.islandCount` islands γ travels as (docs/MODEL.md §B.7; natural log,
    /// dimensionless): all 0 between steps (the last panel resamples globally).
    public private(set) var islandLogWeights: [Double]

    public init(setup: ChainSetup, seed: UInt64) {
        precondition(!setup.panelPositions.isEmpty, "a chain needs at least one panel")
        self.setup = setup
        self.seed = seed
        panels = setup.panelModels.enumerated().map {
            AnyPanelFilter(method: setup.method, model: $0.element, room: setup.room, panel: UInt32($0.offset),
                           seed: seed, step: 0)
        }
        particles = AgentParticles.prior(seed: seed, centre: setup.priorCentre, velocity: setup.priorVelocity,
                                         count: setup.filter.particleCount, radius: setup.filter.priorRadius,
                                         velocitySpread: setup.filter.priorVelocitySpread)
        let islands = setup.filter.islandCount
        precondition(islands >= 1 && setup.filter.particleCount % islands == 0
                     && (setup.filter.particleCount / islands) % 16 == 0,
                     "\(islands) islands do not split N_p = \(setup.filter.particleCount) into multiples of 16")
        precondition(islands == 1 || setup.method.supportsIslands,
                     "\(setup.method.displayName) does not run islands (filter.islands = \(islands))")
        islandLogWeights = [Double](repeating: 0, count: islands)
    }

    /// Runs the next step over all panels. `measurements(j)` gives panel j's measurements of this step.
    public mutating func step(measurements: (_ panel: Int) -> PanelMeasurements) -> ChainStepOutcome {
        let n = nextStep
        var reports: [PanelReport] = []
        reports.reserveCapacity(panels.count)
        if islandLogWeights.count == 1 {
            for j in panels.indices {
                reports.append(panels[j].update(&particles, measurements: measurements(j), seed: seed, step: n,
                                                isFirstOfRoute: j == 0))
            }
        } else {
            // islands: every panel updates each island on its own; the last combines them and resamples globally
            for j in panels.indices {
                reports.append(panels[j].updateIslands(&particles, islandLogWeights: &islandLogWeights,
                                                       measurements: measurements(j), seed: seed, step: n,
                                                       isFirstOfRoute: j == 0, isLastOfRoute: j == panels.count - 1))
            }
        }
        nextStep += 1
        return ChainStepOutcome(step: n, estimate: reports[reports.count - 1].estimate, reports: reports)
    }
}

/// Per-step outputs of a whole chain run.
public struct ChainRun: Sendable, Equatable {
    public var panelCount: Int
    /// MMSE estimate (p_x, p_y, v_x, v_y) per step.
    public var estimates: [SIMD4<Double>]
    /// Existence probability p_e per step and panel, step-major: index step · J + panel.
    public var existence: [Double]
    /// LoS decision p_e > p_de, step-major.
    public var losDetected: [Bool]
    /// Number of measurements M per step and panel, step-major.
    public var measurementCounts: [Int]
    /// BP data-association iterations per step and panel, step-major (Loca-MPC; 0 for Loca-LoS).
    public var associationIterations: [Int] = []

    public var stepCount: Int { estimates.count }
}

/// Runs the chain for `steps` steps (0 ..< steps) and collects its outputs.
/// `measurements(n, j)` gives panel j's measurements of step n.
public func runInProcessChain(_ setup: ChainSetup, seed: UInt64, steps: Int,
                              measurements: (_ step: Int, _ panel: Int) -> PanelMeasurements) -> ChainRun {
    var chain = InProcessChain(setup: setup, seed: seed)
    let panelCount = setup.panelPositions.count
    var run = ChainRun(panelCount: panelCount, estimates: [], existence: [], losDetected: [], measurementCounts: [])
    run.estimates.reserveCapacity(steps)
    run.existence.reserveCapacity(steps * panelCount)
    run.losDetected.reserveCapacity(steps * panelCount)
    run.measurementCounts.reserveCapacity(steps * panelCount)
    run.associationIterations.reserveCapacity(steps * panelCount)
    for n in 0..<steps {
        let outcome = chain.step { j in measurements(n, j) }
        run.estimates.append(outcome.estimate)
        for report in outcome.reports {
            run.existence.append(report.existence)
            run.losDetected.append(report.losDetected)
            run.measurementCounts.append(report.measurementCount)
            run.associationIterations.append(report.association?.iterations ?? 0)
        }
    }
    return run
}

// MARK: synthetic world

extension ChainSetup {
    /// The chain on a synthetic world (docs/MODEL.md §A): its panels in chain order, its radio, and the prior centred
    /// one interval before sample 0 (p[0] − v[0]Δt, v[0]).
    public init(world: World, filter: FilterParameters) {
        self.init(panelPositions: world.panels.map(\.position), radio: world.radio, filter: filter,
                  priorCentre: world.trajectory.priorCentre, priorVelocity: world.trajectory.priorVelocity)
    }
}

/// Runs the chain on the world's synthetic measurements of run seed `seed`, for `steps` steps (default: the
/// whole trajectory).
public func runInProcessChain(world: World, filter: FilterParameters, seed: UInt64, steps: Int? = nil) -> ChainRun {
    let count = steps ?? world.stepCount
    precondition(count >= 1 && count <= world.stepCount, "steps outside 1…\(world.stepCount)")
    return runInProcessChain(ChainSetup(world: world, filter: filter), seed: seed, steps: count) { n, j in
        world.measurements(seed: seed, step: n, panel: j)
    }
}

extension RunStatistics {
    /// Statistics of chain runs on a synthetic world: errors against its trajectory, LoS decisions against its
    /// LoS visibility.
    public init(runs: [ChainRun], world: World) {
        let errors = runs.map { run in
            RunStatistics.positionErrors(estimates: run.estimates,
                                         truth: (0..<run.stepCount).map { world.agentPosition(step: $0) })
        }
        let visible = runs.map { run in
            (0..<run.stepCount).flatMap { n in (0..<run.panelCount).map { j in world.losVisible(step: n, panel: j) } }
        }
        self.init(errors: errors, losVisible: visible, losDetected: runs.map(\.losDetected))
    }
}
