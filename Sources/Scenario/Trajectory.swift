// Trajectory: the agent's polyline path with circular fillets, sampled at constant speed (docs/MODEL.md §A.3).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The agent path: a polyline through `waypoints` with every corner rounded by a circular fillet,
/// sampled at `samples` points at constant speed, one sample every `timeStep` seconds.
public struct TrajectoryParameters: Sendable, Equatable {
    /// Polyline corners, metres. Default: the spec's (4,10)→(4,26)→(15,26)→(15,4)→(26,4)→(26,26)→(15,26)→(15,9.5).
    public var waypoints: [SIMD2<Double>] = [
        SIMD2(4, 10), SIMD2(4, 26), SIMD2(15, 26), SIMD2(15, 4),
        SIMD2(26, 4), SIMD2(26, 26), SIMD2(15, 26), SIMD2(15, 9.5),
    ]
    /// Fillet radius, metres (2 m).
    public var filletRadius: Double = 2
    /// Number N of samples (time steps) along the path (526). The speed is length / ((N − 1)·Δt).
    public var samples: Int = 526
    /// Sampling interval Δt, seconds (0.2 s).
    public var timeStep: Double = 0.2

    public init() {}
}

/// The sampled true agent trajectory: position and velocity at steps n = 0..<count.
public struct Trajectory: Sendable, Equatable {
    /// True positions p_n, metres.
    public let positions: [SIMD2<Double>]
    /// True velocities v_n (analytic path tangent × speed), metres per second.
    public let velocities: [SIMD2<Double>]
    /// Constant speed, metres per second.
    public let speed: Double
    /// Total path length, metres.
    public let length: Double
    /// Sampling interval Δt, seconds.
    public let timeStep: Double

    /// Number of samples N.
    public var count: Int { positions.count }

    /// Centre of the filter prior, one interval before sample 0: p_prior = p_0 − v_0·Δt, metres (docs/MODEL.md §A.3).
    public var priorCentre: SIMD2<Double> { positions[0] - velocities[0] * timeStep }
    /// Velocity of the filter prior: v_prior = v_0, metres per second (docs/MODEL.md §A.3).
    public var priorVelocity: SIMD2<Double> { velocities[0] }

    private enum Piece {
        case line(from: SIMD2<Double>, to: SIMD2<Double>)
        /// Arc on a circle around `centre`, starting at angle `startAngle`, turning by `turn` radians
        /// (positive counter-clockwise).
        case arc(centre: SIMD2<Double>, radius: Double, startAngle: Double, turn: Double)

        var length: Double {
            switch self {
            case .line(let a, let b): Scenario.length(b - a)
            case .arc(_, let radius, _, let turn): abs(turn) * radius
            }
        }
    }

    public init(_ parameters: TrajectoryParameters) throws(ScenarioError) {
        let waypoints = parameters.waypoints
        let radius = parameters.filletRadius
        guard waypoints.count >= 2 else { throw .invalidTrajectory("fewer than 2 waypoints") }
        guard parameters.samples >= 2 else { throw .invalidTrajectory("fewer than 2 samples") }
        guard parameters.timeStep > 0 else { throw .invalidTrajectory("time step \(parameters.timeStep) s is not positive") }
        guard radius > 0 else { throw .invalidTrajectory("fillet radius \(radius) m is not positive") }
        for k in 1..<waypoints.count where !(Scenario.length(waypoints[k] - waypoints[k - 1]) > 0) {
            throw .invalidTrajectory("waypoints \(k - 1) and \(k) coincide")
        }

        // Lines and fillet arcs, as in the reference trajectory().
        var pieces: [Piece] = []
        var current = waypoints[0]
        for k in 1..<(waypoints.count - 1) {
            let a = waypoints[k - 1], b = waypoints[k], c = waypoints[k + 1]
            let u1 = (b - a) / Scenario.length(b - a)
            let u2 = (c - b) / Scenario.length(c - b)
            let turnAngle = acos(min(max(dot(u1, u2), -1), 1))
            if turnAngle < 1e-9 { continue }
            let tangentLength = radius * tan(turnAngle / 2)
            let t1 = b - u1 * tangentLength
            // the fillet must start no earlier than where the previous one ended
            guard dot(t1 - current, u1) >= 0 else {
                throw .invalidTrajectory("fillet radius \(radius) m does not fit before waypoint \(k)")
            }
            let t2 = b + u2 * tangentLength
            pieces.append(.line(from: current, to: t1))
            let c12 = cross(u1, u2)
            let turnSign: Double = c12 > 0 ? 1 : (c12 < 0 ? -1 : 0)
            let centre = t1 + SIMD2(-u1.y, u1.x) * turnSign * radius
            let startAngle = atan2(t1.y - centre.y, t1.x - centre.x)
            pieces.append(.arc(centre: centre, radius: radius, startAngle: startAngle, turn: turnSign * turnAngle))
            current = t2
        }
        let last = waypoints[waypoints.count - 1], lastDirection = last - waypoints[waypoints.count - 2]
        guard dot(last - current, lastDirection) >= 0 else {
            throw .invalidTrajectory("fillet radius \(radius) m does not fit before the last waypoint")
        }
        pieces.append(.line(from: current, to: last))

        let lengths = pieces.map(\.length)
        var cumulative = [0.0]
        for l in lengths { cumulative.append(cumulative[cumulative.count - 1] + l) }
        let total = cumulative[cumulative.count - 1]
        guard total.isFinite, total > 0 else { throw .invalidTrajectory("path length \(total) m") }

        let n = parameters.samples
        let speed = total / (Double(n - 1) * parameters.timeStep)
        let spacing = total / Double(n - 1)
        var positions = [SIMD2<Double>](repeating: .zero, count: n)
        var velocities = [SIMD2<Double>](repeating: .zero, count: n)
        for i in 0..<n {
            let s = i == n - 1 ? total : Double(i) * spacing     // numpy.linspace(0, total, n)
            // piece k: the last one with cumulative[k] <= s (searchsorted side="right" − 1), clamped
            var k = 0
            while k + 1 < pieces.count && cumulative[k + 1] <= s { k += 1 }
            let along = s - cumulative[k]
            switch pieces[k] {
            case .line(let a, let b):
                let direction = lengths[k] > 0 ? (b - a) / lengths[k] : .zero   // zero only if degenerate
                positions[i] = a + direction * along
                velocities[i] = direction * speed
            case .arc(let centre, let r, let startAngle, let turn):
                let sign: Double = turn > 0 ? 1 : -1
                let angle = startAngle + sign * along / r
                positions[i] = centre + r * SIMD2(cos(angle), sin(angle))
                velocities[i] = sign * speed * SIMD2(-sin(angle), cos(angle))
            }
        }
        self.positions = positions
        self.velocities = velocities
        self.speed = speed
        self.length = total
        self.timeStep = parameters.timeStep
    }
}
