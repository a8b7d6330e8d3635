// Trace: measurements from outside (ray tracer, channel sounder, exported world) as a value (docs/TRACES.md).

/// What a trace's paths are.
public enum TraceLevel: String, Sendable, Equatable, CaseIterable {
    /// Noise-free propagation paths: the controller applies the configured impairments (Fisher noise,
    /// detection threshold, false alarms) as for the synthetic world (docs/MODEL.md §A.6–§A.7).
    case truePaths = "true-paths"
    /// The channel estimator's output: used as given.
    case measurements
}

/// One panel of a trace, in chain order.
public struct TracePanel: Sendable, Equatable {
    /// Array centroid, metres (global frame).
    public var position: SIMD2<Double>
    /// Orientation of the panel's frame: the angle of its local x axis in the global frame, radians
    /// (a path's global AoA = its AoA in the panel's frame + orientation).
    public var orientation: Double
    /// Number N_a of antenna elements (nil: not given, the configuration's `scenario.array_size`).
    public var arraySize: Int?

    public init(position: SIMD2<Double>, orientation: Double = 0, arraySize: Int? = nil) {
        self.position = position
        self.orientation = orientation
        self.arraySize = arraySize
    }
}

/// Where a path came from, when the trace says.
public enum TracePathKind: Sendable, Equatable, Hashable {
    case lineOfSight
    /// A specular path with `order` ≥ 1 reflections.
    case reflection(order: Int)
    case falseAlarm

    /// The text of the `kind` column: `los`, `r1`, `r2`, …, `fa`.
    public var text: String {
        switch self {
        case .lineOfSight: "los"
        case .reflection(let order): "r\(order)"
        case .falseAlarm: "fa"
        }
    }

    /// Parses the `kind` column (nil for anything else).
    public init?(text: Substring) {
        switch text {
        case "los": self = .lineOfSight
        case "fa": self = .falseAlarm
        default:
            guard text.first == "r", let order = Int(text.dropFirst()), order >= 1 else { return nil }
            self = .reflection(order: order)
        }
    }
}

/// A path's amplitude as the trace gives it.
public enum TraceAmplitude: Sendable, Equatable {
    /// Normalized amplitude u (z_u for measurements), dimensionless (docs/MODEL.md §A.5).
    case normalized(Double)
    /// Complex path gain a (field amplitude ratio, as a ray tracer reports it); converted with the radio
    /// constants: u = |a| · (4π·1 m/λ) · √(SNR_1m · N_a), so a free-space LoS gets the model's amplitude.
    case complexGain(re: Double, im: Double)
    /// Not given (true paths only): the model's amplitude g^order · √(SNR_1m · N_a)/d.
    case model
}

/// One path (true-paths level) or measurement (measurements level) of one panel at one step.
public struct TracePath: Sendable, Equatable {
    /// Path length, metres (a `delay_s` column is converted with c).
    public var distance: Double
    /// Angle of arrival in the panel's frame, radians.
    public var aoa: Double
    public var amplitude: TraceAmplitude
    /// Origin, when known.
    public var kind: TracePathKind?
    /// Index of the reflecting wall of a single bounce, when known (a trace's `[walls]` index).
    public var wall: Int?

    public init(distance: Double, aoa: Double, amplitude: TraceAmplitude, kind: TracePathKind? = nil, wall: Int? = nil) {
        self.distance = distance
        self.aoa = aoa
        self.amplitude = amplitude
        self.kind = kind
        self.wall = wall
    }
}

/// Prior of the filter: agent position (m) and velocity (m/s) before step 0.
public struct TracePrior: Sendable, Equatable {
    public var centre: SIMD2<Double>
    public var velocity: SIMD2<Double>

    public init(centre: SIMD2<Double>, velocity: SIMD2<Double>) {
        self.centre = centre
        self.velocity = velocity
    }
}

/// A whole trace: geometry, optional truth, and per (step, panel) the list of paths.
public struct Trace: Sendable, Equatable {
    public var level: TraceLevel
    /// Panels in chain order.
    public var panels: [TracePanel]
    /// Walls of the room (may be empty: Loca-MPC needs them).
    public var walls: [Wall]
    /// The filter's prior (nil: not given).
    public var prior: TracePrior?
    /// Interval between steps, seconds (nil: not given).
    public var timeStep: Double?
    /// Free text naming where the trace came from.
    public var source: String
    /// Number of steps N; steps are 0..<N.
    public var stepCount: Int
    /// True agent position per step, metres (nil where unknown); `stepCount` entries.
    public var agent: [SIMD2<Double>?]
    /// Paths of (step n, panel j) are paths[offsets[n·J + j] ..< offsets[n·J + j + 1]].
    public private(set) var offsets: [Int]
    public private(set) var paths: [TracePath]

    public var panelCount: Int { panels.count }

    /// The paths of panel j at step n, in the trace's order.
    public func paths(step: Int, panel: Int) -> ArraySlice<TracePath> {
        let k = step * panels.count + panel
        return paths[offsets[k]..<offsets[k + 1]]
    }

    /// A trace from its parts: `counts[n·J + j]` paths for (step n, panel j), stored in `paths` in (step, panel)
    /// order; `agent` has `stepCount` entries (nil where the truth is unknown).
    public init(level: TraceLevel, panels: [TracePanel], walls: [Wall] = [], prior: TracePrior? = nil,
                timeStep: Double? = nil, source: String = "", stepCount: Int, agent: [SIMD2<Double>?],
                counts: [Int], paths: [TracePath]) {
        precondition(counts.count == stepCount * panels.count && agent.count == stepCount
                     && counts.reduce(0, +) == paths.count, "trace parts of inconsistent sizes")
        self.level = level
        self.panels = panels
        self.walls = walls
        self.prior = prior
        self.timeStep = timeStep
        self.source = source
        self.stepCount = stepCount
        self.agent = agent
        var offsets = [0]
        offsets.reserveCapacity(counts.count + 1)
        for c in counts { offsets.append(offsets[offsets.count - 1] + c) }
        self.offsets = offsets
        self.paths = paths
    }
}
