// PanelUpdateTests: determinism, prediction, existence and estimate behaviour of one panel update.
import Scenario
import Testing
@testable import Localization

private func smallFilter(_ n: Int = 1024) -> FilterParameters {
    var f = FilterParameters()
    f.particleCount = n
    return f
}

/// A particle cloud: positions uniform in a disc of `radius` around `centre`, velocity `velocity` ± 0.2.
private func cloud(_ n: Int, centre: SIMD2<Double>, radius: Double = 0.5,
                   velocity: SIMD2<Double> = SIMD2(0.5, -0.2), seed: UInt64 = 7) -> AgentParticles {
    AgentParticles.prior(seed: seed, centre: centre, velocity: velocity, count: n, radius: radius, velocitySpread: 0.2)
}

private func std(_ v: [Float]) -> Double {
    let m = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
    return (v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(v.count)).squareRoot()
}

@Suite struct PanelUpdateTests {
    let model = PanelModel(position: SIMD2(15, 0), radio: RadioParameters(), filter: smallFilter())
    let truth = SIMD2<Double>(12, 9)

    /// An exact LoS measurement of `truth` from the model's panel, with u = u_bmax/d.
    var losMeasurement: PanelMeasurements {
        let delta = truth - model.position
        let d = (delta * delta).sum().squareRoot()
        return PanelMeasurements(distance: [d, 27.1], aoa: [atan2(delta.y, delta.x), -2.0],
                                 amplitude: [model.maxAmplitude / d, 2.4])
    }

    @Test func identicalInputsGiveIdenticalOutputs() {
        let key = PanelStepKey(seed: 2025, step: 17, panel: 3)
        let gamma0 = cloud(1024, centre: truth + SIMD2(0.1, -0.2))
        let state0 = PanelState.initial(model: model, seed: 2025, step: 0, panel: 3)
        var results: [(AgentParticles, PanelState, PanelReport)] = []
        var usedWorkspace = PanelWorkspace(particleCount: 1024)
        for trial in 0..<3 {
            var gamma = gamma0, state = state0
            // trial 2 reuses a workspace that has just processed other data with another M
            var workspace = trial == 2 ? usedWorkspace : PanelWorkspace()
            let report = updatePanel(&gamma, state: &state, measurements: losMeasurement, model: model, key: key,
                                     isFirstOfRoute: trial == 1 ? false : false, workspace: &workspace)
            results.append((gamma, state, report))
            if trial == 0 {
                var g = cloud(1024, centre: SIMD2(3, 3)), s = state0
                _ = updatePanel(&g, state: &s, measurements: PanelMeasurements(), model: model,
                                key: PanelStepKey(seed: 1, step: 1, panel: 1), isFirstOfRoute: true,
                                workspace: &usedWorkspace)
            }
        }
        for r in results.dropFirst() {
            #expect(r.0 == results[0].0)
            #expect(r.1 == results[0].1)
            #expect(r.2 == results[0].2)
        }
    }

    @Test func otherKeysGiveOtherOutputs() {
        let gamma0 = cloud(1024, centre: truth)
        let state0 = PanelState.initial(model: model, seed: 1, step: 0, panel: 0)
        var outputs: [AgentParticles] = []
        for key in [PanelStepKey(seed: 1, step: 5, panel: 0), PanelStepKey(seed: 2, step: 5, panel: 0),
                    PanelStepKey(seed: 1, step: 6, panel: 0), PanelStepKey(seed: 1, step: 5, panel: 1)] {
            var gamma = gamma0, state = state0, workspace = PanelWorkspace()
            _ = updatePanel(&gamma, state: &state, measurements: losMeasurement, model: model, key: key,
                            isFirstOfRoute: false, workspace: &workspace)
            outputs.append(gamma)
        }
        for i in 1..<outputs.count { #expect(outputs[i] != outputs[0]) }
    }

    /// The first panel of a route applies the CV model: with no measurement the mean moves by v·Δt.
    @Test func firstOfRouteAppliesConstantVelocity() {
        let n = 4096
        let filter = smallFilter(n)
        let model = PanelModel(position: SIMD2(15, 0), radio: RadioParameters(), filter: filter)
        var gamma = cloud(n, centre: truth, radius: 0.05, velocity: SIMD2(1.0, -0.5))
        let before = gamma.mean
        var state = PanelState.initial(model: model, seed: 3, step: 0, panel: 0)
        var workspace = PanelWorkspace()
        let report = updatePanel(&gamma, state: &state, measurements: PanelMeasurements(), model: model,
                                 key: PanelStepKey(seed: 3, step: 0, panel: 0), isFirstOfRoute: true,
                                 workspace: &workspace)
        let shift = report.estimate - before
        // position noise per particle: ½Δt²σ_a = 0.01 m, plus the prior's 0.2 m/s velocity spread × Δt
        let tolerance = 5 * (0.01 * 0.01 + 0.04 * 0.04 / 3).squareRoot() / Double(n).squareRoot()
        #expect(abs(shift.x - 0.2) < tolerance && abs(shift.y + 0.1) < tolerance, "shift \(shift)")
        #expect(abs(shift.z) < 5 * 0.1 / Double(n).squareRoot())
    }

    /// Later panels regularize: the spread grows by about √(1 + h²) (floor-free), the mean is kept.
    @Test func laterPanelsRegularize() {
        let n = 4096
        let model = PanelModel(position: SIMD2(15, 0), radio: RadioParameters(), filter: smallFilter(n))
        var gamma = cloud(n, centre: truth, radius: 0.5)
        let spreadBefore = std(gamma.x)
        var state = PanelState.initial(model: model, seed: 3, step: 0, panel: 1)
        var workspace = PanelWorkspace()
        // No measurement: β = 1 − p_d(u) varies with u only, so the agent weights stay nearly uniform.
        let report = updatePanel(&gamma, state: &state, measurements: PanelMeasurements(), model: model,
                                 key: PanelStepKey(seed: 3, step: 0, panel: 1), isFirstOfRoute: false,
                                 workspace: &workspace)
        #expect(report.effectiveSampleSize > 0.999 * Double(n))
        let ratio = std(gamma.x) / spreadBefore
        // resampling with equal weights keeps the spread up to sampling noise of about 1/√N
        #expect(abs(ratio - (1.01).squareRoot()) < 4 / Double(n).squareRoot(), "ratio \(ratio)")
    }

    /// Without measurements the existence falls (β = 1 − p_d(u) < 1 for u above u_de).
    @Test func existenceFallsWithoutMeasurements() {
        var gamma = cloud(1024, centre: truth)
        var state = PanelState.initial(model: model, seed: 4, step: 0, panel: 0)
        var workspace = PanelWorkspace()
        var last = state.existence
        for step in 1...5 {
            let report = updatePanel(&gamma, state: &state, measurements: PanelMeasurements(), model: model,
                                     key: PanelStepKey(seed: 4, step: step, panel: 0), isFirstOfRoute: false,
                                     workspace: &workspace)
            #expect(report.existence < last)
            #expect(!report.losDetected)
            last = report.existence
        }
    }

    /// A LoS measurement of the truth: existence rises above p_de, the estimate moves to the truth, and the
    /// amplitude estimate approaches the measured amplitude.
    @Test func losMeasurementIsDetectedAndLocalizes() {
        let n = 4096
        let model = PanelModel(position: SIMD2(15, 0), radio: RadioParameters(), filter: smallFilter(n))
        var gamma = cloud(n, centre: truth + SIMD2(0.2, 0.15), radius: 0.5)
        var state = PanelState.initial(model: model, seed: 5, step: 0, panel: 0)
        var workspace = PanelWorkspace()
        let z = losMeasurement
        var report = updatePanel(&gamma, state: &state, measurements: z, model: model,
                                 key: PanelStepKey(seed: 5, step: 0, panel: 0), isFirstOfRoute: false,
                                 workspace: &workspace)
        #expect(report.losDetected && report.existence > 0.99)
        // range from the panel is resolved to σ_d ≈ 2 cm and the cross-range to d·σ_φ ≈ 25 cm at u ≈ 14
        let delta = truth - model.position
        let radial = delta / (delta * delta).sum().squareRoot()
        let error = SIMD2(report.estimate.x, report.estimate.y) - truth
        let rangeError = (error * radial).sum()
        let crossError = (error * SIMD2(-radial.y, radial.x)).sum()
        #expect(abs(rangeError) < 0.03, "range error \(rangeError)")
        #expect(abs(crossError) < 0.25, "cross-range error \(crossError)")
        // after a few repetitions of the measurement, the amplitude belief concentrates near z_u
        for step in 1...4 {
            report = updatePanel(&gamma, state: &state, measurements: z, model: model,
                                 key: PanelStepKey(seed: 5, step: step, panel: 0), isFirstOfRoute: false,
                                 workspace: &workspace)
        }
        #expect(abs(report.amplitudeEstimate - z.amplitude[0]) < 1.0, "û = \(report.amplitudeEstimate)")
    }

    @Test func initialStateAndReset() {
        let state = PanelState.initial(model: model, seed: 9, step: 40, panel: 2)
        #expect(state.existence == 0.5)
        #expect(state.amplitude.count == 1024)
        #expect(state.amplitude.allSatisfy { $0 >= 2 && $0 <= Float(model.maxAmplitude) })
        #expect(state == PanelState.initial(model: model, seed: 9, step: 40, panel: 2))
        #expect(state != PanelState.initial(model: model, seed: 9, step: 41, panel: 2))
        var filter = LocaLoSFilter(model: model, panel: 2, seed: 9, step: 0)
        var gamma = cloud(1024, centre: truth)
        _ = filter.update(&gamma, measurements: losMeasurement, seed: 9, step: 0, isFirstOfRoute: true)
        #expect(filter.state != PanelState.initial(model: model, seed: 9, step: 0, panel: 2))
        filter.reset(seed: 9, step: 40)
        #expect(filter.state == state)
    }

    @Test func priorIsADiscWithAVelocityBox() {
        let n = 4096
        let p = AgentParticles.prior(seed: 1, centre: SIMD2(4, 9.8), velocity: SIMD2(0, 1), count: n, radius: 0.5,
                                     velocitySpread: 0.2)
        #expect(p.count == n)
        for i in 0..<n {
            let dx = Double(p.x[i]) - 4, dy = Double(p.y[i]) - 9.8
            #expect(dx * dx + dy * dy <= 0.25 * (1 + 1e-5))
            #expect(abs(Double(p.vx[i])) <= 0.2 + 1e-6 && abs(Double(p.vy[i]) - 1) <= 0.2 + 1e-6)
        }
        // uniform in the disc: E[r²] = R²/2
        let meanR2 = (0..<n).reduce(0.0) { s, i in
            let dx = Double(p.x[i]) - 4, dy = Double(p.y[i]) - 9.8
            return s + dx * dx + dy * dy
        } / Double(n)
        #expect(abs(meanR2 - 0.125) < 5 * (0.25 * 0.25 / 12) .squareRoot() / Double(n).squareRoot())
        #expect(p == AgentParticles.prior(seed: 1, centre: SIMD2(4, 9.8), velocity: SIMD2(0, 1), count: n,
                                          radius: 0.5, velocitySpread: 0.2))
    }

    /// Resampling keeps only particles of positive weight and is unbiased: counts follow the weights.
    @Test func resamplingFollowsWeights() {
        let n = 4096
        var weights = [Float](repeating: 0, count: n)
        for i in 0..<n { weights[i] = i % 4 == 0 ? 0 : Float(i % 7 + 1) }
        let indices = float32ResamplingIndices(weights: weights, offset: 0.37)
        #expect(indices.allSatisfy { weights[$0] > 0 })
        #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 <= $1 })
        let total = weights.reduce(0, +)
        var counts = [Int](repeating: 0, count: n)
        for k in indices { counts[k] += 1 }
        for k in 0..<n {
            // systematic resampling: each count is ⌊N w_k⌋ or ⌈N w_k⌉ (up to Float32 rounding at the edges)
            let expected = Double(n) * Double(weights[k] / total)
            #expect(Double(counts[k]) >= expected.rounded(.down) - 1 && Double(counts[k]) <= expected.rounded(.up) + 1)
        }
        let reference = LocaLoSReference.systematicResamplingIndices(weights: weights.map(Double.init), offset: 0.37)
        let differing = zip(reference, indices).filter { $0 != $1 }.count
        #expect(differing <= n / 100, "\(differing) indices differ from the Double reference")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
