// AgentParticles: the agent particle set γ (structure of arrays, Float32) and the step-0 prior.
import Scenario

/// Equally weighted agent particles, structure of arrays: what panel j forwards to panel j+1 as γ^(j)
/// (docs/MODEL.md §B.5) and what crosses the wire as four packed float arrays.
///
/// All four arrays have `count` elements.
public struct AgentParticles: Sendable, Equatable {
    /// Positions p_x, metres.
    public var x: [Float]
    /// Positions p_y, metres.
    public var y: [Float]
    /// Velocities v_x, metres per second.
    public var vx: [Float]
    /// Velocities v_y, metres per second.
    public var vy: [Float]

    public init(x: [Float], y: [Float], vx: [Float], vy: [Float]) {
        precondition(x.count == y.count && y.count == vx.count && vx.count == vy.count,
                     "agent particle arrays must have equal lengths")
        self.x = x
        self.y = y
        self.vx = vx
        self.vy = vy
    }

    /// `count` particles at the origin with zero velocity.
    public init(count: Int) {
        let zeros = [Float](repeating: 0, count: count)
        self.init(x: zeros, y: zeros, vx: zeros, vy: zeros)
    }

    /// Number of particles N_p.
    public var count: Int { x.count }

    /// Equal-weight mean (x, y, v_x, v_y) in metres and metres per second.
    public var mean: SIMD4<Double> {
        guard count > 0 else { return .zero }
        var sum = SIMD4<Double>.zero
        for i in 0..<count { sum += SIMD4(Double(x[i]), Double(y[i]), Double(vx[i]), Double(vy[i])) }
        return sum / Double(count)
    }

    /// The prior particle set of step 0 (docs/MODEL.md §B.3 Initialization): positions uniform in a disc of
    /// `radius` metres around `centre`, velocities uniform in `velocity` ± `velocitySpread` per component.
    /// Keyed by (seed, step 0, ``noPanel``, ``RandomPurpose/prior``).
    ///
    /// Uniforms U_0…U_3 of particle i are words i, N + i, 2N + i, 3N + i of that stream (in the layout of the
    /// bulk generator): r = radius·√U_0, θ = 2π U_1, v = velocity + spread·(2U − 1).
    public static func prior(seed: UInt64, centre: SIMD2<Double>, velocity: SIMD2<Double>, count: Int,
                             radius: Double, velocitySpread: Double) -> AgentParticles {
        precondition(count > 0 && count % 16 == 0, "particle count must be a positive multiple of 16")
        var particles = AgentParticles(count: count)
        let stream = BulkRandomStream(seed: seed, step: 0, panel: noPanel, purpose: .prior)
        var uniforms = [Float](repeating: 0, count: 4 * count)
        uniforms.withUnsafeMutableBufferPointer { stream.fillUniformsOpenClosed($0.baseAddress!, count: 4 * count) }
        let cx = Float(centre.x), cy = Float(centre.y), cvx = Float(velocity.x), cvy = Float(velocity.y)
        let r0 = Float(radius), s0 = Float(velocitySpread)
        uniforms.withUnsafeBufferPointer { u in
            let u0 = u.baseAddress!
            particles.x.withUnsafeMutableBufferPointer { px in
            particles.y.withUnsafeMutableBufferPointer { py in
            particles.vx.withUnsafeMutableBufferPointer { pvx in
            particles.vy.withUnsafeMutableBufferPointer { pvy in
                var i = 0
                while i < count {
                    let r = vsqrt(F8.load(u0 + i)) * r0
                    let (s, c) = vsinCosTwoPi(F8.load(u0 + count + i))
                    (r * c + cx).store(px.baseAddress! + i)
                    (r * s + cy).store(py.baseAddress! + i)
                    ((F8.load(u0 + 2 * count + i) * 2 - 1) * s0 + cvx).store(pvx.baseAddress! + i)
                    ((F8.load(u0 + 3 * count + i) * 2 - 1) * s0 + cvy).store(pvy.baseAddress! + i)
                    i += 8
                }
            }}}}
        }
        return particles
    }
}
