// IslandTests: γ as B islands (docs/MODEL.md §B.7) — one island is today's update, the island weights, estimate and
// resampling against an independent Double computation, the numpy prototype's values, and the chain.
import Foundation
import Scenario
import TestFixtures
import Testing
@testable import Localization

/// A panel update's inputs: N agent particles in a cloud around `centre`, a fresh panel state, one LoS
/// measurement of an agent at `centre` and one false alarm.
private struct IslandCase {
    var model: PanelModel
    var gamma: AgentParticles
    var state: PanelState
    var measurements: PanelMeasurements
    var key: PanelStepKey

    init(particles n: Int, seed: UInt64 = 5, step: Int = 3, panel: UInt32 = 1) {
        var filter = FilterParameters()
        filter.particleCount = n
        let position = SIMD2<Double>(15, 0)
        model = PanelModel(position: position, radio: RadioParameters(), filter: filter)
        let centre = SIMD2<Double>(11, 9)
        var random = RandomStream(seed: 99, step: 0, panel: 0, purpose: .shuffle)
        var x = [Float](), y = [Float](), vx = [Float](), vy = [Float]()
        for _ in 0..<n {
            x.append(Float(centre.x + 0.4 * random.nextGaussian()))
            y.append(Float(centre.y + 0.4 * random.nextGaussian()))
            vx.append(Float(0.8 + 0.2 * random.nextGaussian()))
            vy.append(Float(0.3 + 0.2 * random.nextGaussian()))
        }
        gamma = AgentParticles(x: x, y: y, vx: vx, vy: vy)
        key = PanelStepKey(seed: seed, step: step, panel: panel)
        state = PanelState.initial(model: model, seed: seed, step: 0, panel: panel)
        state.existence = 0.7
        let delta = centre - position
        let d = (delta * delta).sum().squareRoot()
        let u = model.maxAmplitude / d
        measurements = PanelMeasurements(distance: [d + 0.05, 20], aoa: [atan2(delta.y, delta.x) - 0.004, 2.5],
                                         amplitude: [u + 0.2, 2.4])
    }

    /// The particles after island-wise regularization (island b: its own spread and stream island b) or, at the
    /// first panel, the constant-velocity prediction: what the update weights. Uses the module's kernels and
    /// streams, not the update itself.
    func predictedAgent(islands: Int, firstOfRoute: Bool) -> AgentParticles {
        var out = gamma
        let n = gamma.count / islands
        var random = [Float](repeating: 0, count: 4 * n)
        let filter = model.filter
        random.withUnsafeMutableBufferPointer { r in
            out.withPointers { px, py, pvx, pvy in
                for b in 0..<islands {
                    let o = b * n
                    if firstOfRoute {
                        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentPrediction,
                                         island: b).fillNormals(r.baseAddress!, count: 2 * n)
                        predictConstantVelocity(x: px + o, y: py + o, vx: pvx + o, vy: pvy + o, count: n,
                                                normals: r.baseAddress!, interval: Float(filter.samplingInterval),
                                                accelerationStd: Float(filter.accelerationStd))
                    } else {
                        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .regularization,
                                         island: b).fillNormals(r.baseAddress!, count: 4 * n)
                        regularizeAgent(x: px + o, y: py + o, vx: pvx + o, vy: pvy + o, count: n,
                                        normals: r.baseAddress!, factor: Float(filter.regularizationFactor),
                                        floor: SIMD4<Float>(filter.regularizationFloor))
                    }
                }
            }
        }
        return out
    }

    /// The predicted amplitudes and p_e⁻ (the panel's own prediction, as with one island).
    func predictedAmplitudes() -> (amplitude: [Float], predictedExistence: Double) {
        let n = gamma.count, filter = model.filter
        let pe = state.existence
        let predicted = filter.survivalProbability * pe + filter.birthProbability * (1 - pe)
        var u = state.amplitude
        var random = [Float](repeating: 0, count: 2 * n)
        random.withUnsafeMutableBufferPointer { r in
            BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudePrediction)
                .fillUniformsOpenClosed(r.baseAddress!, count: 2 * n)
            boxMullerInPlace(r.baseAddress!, count: n)
            u.withUnsafeMutableBufferPointer { ub in
                predictAmplitude(ub.baseAddress!, count: n, normals: r.baseAddress!, uniforms: r.baseAddress! + n,
                                 birthProbability: Float(filter.birthProbability * (1 - pe) / predicted),
                                 randomWalkRelative: Float(filter.randomWalkRelative),
                                 randomWalkAbsolute: Float(filter.randomWalkAbsolute),
                                 detectionThreshold: Float(model.radio.detectionThreshold),
                                 maxAmplitude: Float(model.maxAmplitude))
            }
        }
        return (u, predicted)
    }
}

/// What the island algorithm gives, computed here in Double from the predicted particles (docs/MODEL.md §B.7):
/// per island log ξ = logaddexp(log p_e⁻ + log β, log(1 − p_e⁻)), ℓ_b += LSE_i∈b log ξ − log n, island means
/// with weights ∝ ξ, â_b ∝ exp(ℓ_b), estimate Σ â_b x̄_b, p_e from all N_p values of β.
private struct IslandExpectation {
    var logWeights: [Double], shares: [Double], estimate: SIMD4<Double>, existence: Double
    /// û = Σ β u / Σ β over all N_p particles.
    var amplitudeEstimate: Double

    init(agent: AgentParticles, amplitude: [Float], predictedExistence pe: Double, measurements: PanelMeasurements,
         model: PanelModel, logWeightsIn: [Double]) {
        let total = agent.count, islands = logWeightsIn.count, n = total / islands
        let logBeta = (0..<total).map {
            LocaLoSReference.logPseudoLikelihood(x: Double(agent.x[$0]), y: Double(agent.y[$0]),
                                                 amplitude: Double(amplitude[$0]), measurements: measurements,
                                                 model: model)
        }
        let logXi = logBeta.map { LocaLoSReference.logAddExp(log(pe) + $0, log(1 - pe)) }
        var means: [SIMD4<Double>] = []
        logWeights = logWeightsIn
        for b in 0..<islands {
            let range = (b * n)..<((b + 1) * n)
            let lse = LocaLoSReference.logSumExp(Array(logXi[range]))
            logWeights[b] += lse - log(Double(n))
            var mean = SIMD4<Double>.zero
            for i in range {
                mean += exp(logXi[i] - lse) * SIMD4(Double(agent.x[i]), Double(agent.y[i]), Double(agent.vx[i]),
                                                      Double(agent.vy[i]))
            }
            means.append(mean)
        }
        let top = logWeights.max()!
        let raw = logWeights.map { exp($0 - top) }
        shares = raw.map { $0 / raw.reduce(0, +) }
        estimate = zip(shares, means).reduce(SIMD4<Double>.zero) { $0 + $1.0 * $1.1 }
        let logA = log(pe) + LocaLoSReference.logSumExp(logBeta) - log(Double(total))
        let logD = log(1 - pe)
        existence = exp(logA - LocaLoSReference.logAddExp(logA, logD))
        let betaTop = logBeta.max()!
        let beta = logBeta.map { exp($0 - betaTop) }
        amplitudeEstimate = zip(beta, amplitude).reduce(0) { $0 + $1.0 * Double($1.1) } / beta.reduce(0, +)
    }
}

private func close(_ a: SIMD4<Double>, _ b: SIMD4<Double>, _ tolerance: Double) -> Bool {
    ((a - b) * (a - b)).sum().squareRoot() <= tolerance
}

@Suite struct IslandTests {
    /// One island is today's update, bit for bit, at the first and at a later panel.
    @Test(arguments: [true, false]) func oneIslandIsTheUpdateItself(_ firstOfRoute: Bool) {
        let c = IslandCase(particles: 512)
        var gammaA = c.gamma, stateA = c.state, workspaceA = PanelWorkspace()
        let reportA = updatePanel(&gammaA, state: &stateA, measurements: c.measurements, model: c.model, key: c.key,
                                  isFirstOfRoute: firstOfRoute, workspace: &workspaceA)
        var gammaB = c.gamma, stateB = c.state, workspaceB = PanelWorkspace(), weights = [0.0]
        let reportB = updatePanelIslands(&gammaB, islandLogWeights: &weights, state: &stateB,
                                         measurements: c.measurements, model: c.model, key: c.key,
                                         isFirstOfRoute: firstOfRoute, isLastOfRoute: true, workspace: &workspaceB)
        #expect(gammaA == gammaB)
        #expect(stateA == stateB)
        #expect(reportA == reportB)
    }

    /// Island 0's streams are the purposes' own; island b ≥ 1 draws other numbers.
    @Test func islandStreamsAreTheirOwn() {
        var a = [Float](repeating: 0, count: 64), b = a, c = a
        a.withUnsafeMutableBufferPointer {
            BulkRandomStream(seed: 1, step: 2, panel: 3, purpose: .regularization).fillUniformsOpenClosed($0.baseAddress!, count: 64)
        }
        b.withUnsafeMutableBufferPointer {
            BulkRandomStream(seed: 1, step: 2, panel: 3, purpose: .regularization, island: 0)
                .fillUniformsOpenClosed($0.baseAddress!, count: 64)
        }
        c.withUnsafeMutableBufferPointer {
            BulkRandomStream(seed: 1, step: 2, panel: 3, purpose: .regularization, island: 1)
                .fillUniformsOpenClosed($0.baseAddress!, count: 64)
        }
        #expect(a == b)
        #expect(a != c)
        #expect(RandomPurpose.allCases.allSatisfy { $0.rawValue < BulkRandomStream.islandPurposeStride })
    }

    /// At a later panel (not the last): the log weights, the estimate Σ â_b x̄_b and p_e equal the Double
    /// computation from the island-wise predicted particles, and every island is resampled within itself.
    @Test(arguments: [(512, 4, false), (512, 8, true), (1024, 16, false)])
    func laterPanelCarriesIslandWeights(_ total: Int, _ islands: Int, _ firstOfRoute: Bool) {
        let c = IslandCase(particles: total)
        let logWeightsIn = (0..<islands).map { 0.25 * Double($0 % 3) - 0.3 }
        let agent = c.predictedAgent(islands: islands, firstOfRoute: firstOfRoute)
        let (amplitude, pe) = c.predictedAmplitudes()
        let expected = IslandExpectation(agent: agent, amplitude: amplitude, predictedExistence: pe,
                                         measurements: c.measurements, model: c.model, logWeightsIn: logWeightsIn)
        var gamma = c.gamma, state = c.state, workspace = PanelWorkspace(), weights = logWeightsIn
        let report = updatePanelIslands(&gamma, islandLogWeights: &weights, state: &state,
                                        measurements: c.measurements, model: c.model, key: c.key,
                                        isFirstOfRoute: firstOfRoute, isLastOfRoute: false, workspace: &workspace)
        for b in 0..<islands {
            #expect(abs(weights[b] - expected.logWeights[b]) <= 2e-4 * max(1, abs(expected.logWeights[b])),
                    "island \(b): \(weights[b]) vs \(expected.logWeights[b])")
        }
        #expect(close(report.estimate, expected.estimate, 1e-4), "\(report.estimate) vs \(expected.estimate)")
        #expect(abs(report.existence - expected.existence) <= 1e-5, "\(report.existence) vs \(expected.existence)")
        #expect(state.existence == report.existence)
        #expect(abs(report.amplitudeEstimate - expected.amplitudeEstimate) <= 1e-4 * expected.amplitudeEstimate,
                "\(report.amplitudeEstimate) vs \(expected.amplitudeEstimate)")
        // in-island resampling: island b's output particles are copies of island b's predicted particles
        let n = total / islands
        for b in 0..<islands {
            let range = (b * n)..<((b + 1) * n)
            let source = Set(range.map { SIMD2(agent.x[$0], agent.y[$0]) })
            #expect(range.allSatisfy { source.contains(SIMD2(gamma.x[$0], gamma.y[$0])) }, "island \(b)")
        }
        // N_p/B-island regularization uses each island's own spread: not the whole-γ update
        var gammaOne = c.gamma, stateOne = c.state, workspaceOne = PanelWorkspace()
        _ = updatePanel(&gammaOne, state: &stateOne, measurements: c.measurements, model: c.model, key: c.key,
                        isFirstOfRoute: firstOfRoute, workspace: &workspaceOne)
        #expect(gammaOne != gamma)
    }

    /// At the last panel: the estimate is the island-weighted combination, the global resampling takes about
    /// N_p â_b particles from island b (systematic resampling: within ±1 of N_p times the island's total weight),
    /// and the log weights are 0 afterwards.
    @Test func lastPanelCombinesAndResamplesGlobally() {
        let total = 1024, islands = 8, n = total / islands
        let c = IslandCase(particles: total)
        let logWeightsIn = [0.0, -0.7, 0.4, -2.0, 1.1, 0.0, -0.2, 0.3]
        let agent = c.predictedAgent(islands: islands, firstOfRoute: false)
        let (amplitude, pe) = c.predictedAmplitudes()
        let expected = IslandExpectation(agent: agent, amplitude: amplitude, predictedExistence: pe,
                                         measurements: c.measurements, model: c.model, logWeightsIn: logWeightsIn)
        var gamma = c.gamma, state = c.state, workspace = PanelWorkspace(), weights = logWeightsIn
        let report = updatePanelIslands(&gamma, islandLogWeights: &weights, state: &state,
                                        measurements: c.measurements, model: c.model, key: c.key,
                                        isFirstOfRoute: false, isLastOfRoute: true, workspace: &workspace)
        #expect(close(report.estimate, expected.estimate, 1e-4), "\(report.estimate) vs \(expected.estimate)")
        #expect(weights == [Double](repeating: 0, count: islands))
        let normalized = normalizedIslandWeights(expected.logWeights)
        #expect(zip(normalized, expected.shares).allSatisfy { abs($0 - $1) < 1e-12 })
        // which island each output particle came from
        var origin: [SIMD2<Float>: Int] = [:]
        for i in 0..<total { origin[SIMD2(agent.x[i], agent.y[i])] = i / n }
        var counts = [Int](repeating: 0, count: islands)
        for i in 0..<total {
            guard let b = origin[SIMD2(gamma.x[i], gamma.y[i])] else {
                Issue.record("output particle \(i) is no predicted particle"); return
            }
            counts[b] += 1
        }
        for b in 0..<islands {
            let share = Double(total) * expected.shares[b]
            #expect(Double(counts[b]) >= share.rounded(.down) - 1 && Double(counts[b]) <= share.rounded(.up) + 1,
                    "island \(b): \(counts[b]) particles for N·â = \(share)")
        }
        #expect(report.effectiveSampleSize > 1 && report.effectiveSampleSize <= Double(total))
    }

    /// The numpy prototype of streamed γ (ref/bp/islands.py) on the same inputs, deterministic up to resampling
    /// (Tests/Fixtures/islands_reference.json): log weights, estimate and existence agree to Float32 accuracy.
    @Test func matchesThePrototype() throws {
        let f = try Fixtures.jsonObject("islands_reference.json")
        var radio = RadioParameters()
        radio.bandwidthHz = double(f["B_w"])
        radio.arraySide = Int(double(f["N_a"]).squareRoot().rounded())
        let total = Int(double(f["particles"])), islands = Int(double(f["islands"]))
        var filter = FilterParameters()
        filter.particleCount = total
        filter.reflectionClutterMean = double(f["mu_mpc"])
        filter.regularizationFactor = 0
        filter.regularizationFloor = .zero
        filter.randomWalkRelative = 0
        filter.randomWalkAbsolute = 0
        filter.birthProbability = 0
        filter.survivalProbability = 1
        let pa = doubles(f["pa"])
        let model = PanelModel(position: SIMD2(pa[0], pa[1]), radio: radio, filter: filter)
        #expect(abs(model.maxAmplitude - double(f["u_bmax"])) <= 1e-9 * model.maxAmplitude)
        let rows = doubleRows(f["agent"])
        var gamma = AgentParticles(x: rows.map { Float($0[0]) }, y: rows.map { Float($0[1]) },
                                   vx: rows.map { Float($0[2]) }, vy: rows.map { Float($0[3]) })
        var state = PanelState(amplitude: doubles(f["u"]).map(Float.init), existence: double(f["existence_in"]))
        let z = doubleRows(f["measurements"])
        let measurements = PanelMeasurements(distance: z.map { $0[0] }, aoa: z.map { $0[1] }, amplitude: z.map { $0[2] })
        var weights = doubles(f["log_weights_in"])
        #expect(weights.count == islands)
        var workspace = PanelWorkspace()
        let report = updatePanelIslands(&gamma, islandLogWeights: &weights, state: &state, measurements: measurements,
                                        model: model, key: PanelStepKey(seed: 1, step: 0, panel: 3),
                                        isFirstOfRoute: false, isLastOfRoute: false, workspace: &workspace)
        let expectedWeights = doubles(f["log_weights_out"])
        for b in 0..<islands {
            #expect(abs(weights[b] - expectedWeights[b]) <= 2e-4 * max(1, abs(expectedWeights[b])),
                    "island \(b): \(weights[b]) vs \(expectedWeights[b])")
        }
        let shares = normalizedIslandWeights(weights), expectedShares = doubles(f["island_weights"])
        #expect(zip(shares, expectedShares).allSatisfy { abs($0 - $1) <= 1e-3 }, "\(shares) vs \(expectedShares)")
        let e = doubles(f["estimate"])
        #expect(close(report.estimate, SIMD4(e[0], e[1], e[2], e[3]), 1e-4), "\(report.estimate) vs \(e)")
        #expect(abs(report.existence - double(f["existence_out"])) <= 1e-5)
    }

    /// The chain with islands: deterministic, different from one island, and as accurate on the toy world.
    @Test func chainWithIslandsTracks() {
        let world = ToyWorld()
        var one = FilterParameters(), eight = FilterParameters()
        one.particleCount = 1024
        eight.particleCount = 1024
        eight.islandCount = 8
        let a = world.run(filter: eight, seed: 9, steps: 40), b = world.run(filter: eight, seed: 9, steps: 40)
        #expect(a == b)
        let single = world.run(filter: one, seed: 9, steps: 40)
        #expect(a.estimates != single.estimates)
        let rmse = RunStatistics(errors: [Array(world.errors(a).dropFirst(5))]).rmseOverall
        let rmseOne = RunStatistics(errors: [Array(world.errors(single).dropFirst(5))]).rmseOverall
        #expect(rmse < 0.05 && rmse < 1.5 * rmseOne, "RMSE \(rmse) m with 8 islands, \(rmseOne) m with one")
        // between steps every island weight is 0 (the last panel resampled globally)
        var chain = InProcessChain(setup: world.setup(filter: eight), seed: 9)
        _ = chain.step { world.measurements(seed: 9, step: 0, panel: $0) }
        #expect(chain.islandLogWeights == [Double](repeating: 0, count: 8))
    }

    /// The chain with one island is the chain as it was: hand-routed panels with the plain update.
    @Test func chainWithOneIslandIsThePlainChain() {
        let world = ToyWorld()
        var filter = FilterParameters()
        filter.particleCount = 256
        let run = world.run(filter: filter, seed: 4, steps: 10)
        let setup = world.setup(filter: filter)
        var panels = setup.panelModels.enumerated().map { LocaLoSFilter(model: $1, panel: UInt32($0), seed: 4) }
        var gamma = AgentParticles.prior(seed: 4, centre: setup.priorCentre, velocity: setup.priorVelocity,
                                         count: 256, radius: 0.5, velocitySpread: 0.2)
        for n in 0..<10 {
            var last: PanelReport? = nil
            for j in panels.indices {
                last = panels[j].update(&gamma, measurements: world.measurements(seed: 4, step: n, panel: j),
                                        seed: 4, step: n, isFirstOfRoute: j == 0)
            }
            #expect(run.estimates[n] == last!.estimate)
        }
    }

    /// The phases a panel process runs as islands arrive: islands updated in reversed order give the same bits as in
    /// order (each island reads and writes only its own slice and sums), at a middle and at the last panel.
    @Test(arguments: [false, true]) func islandsInAnyOrderGiveTheSameBits(_ lastOfRoute: Bool) {
        let c = IslandCase(particles: 1024)
        var inOrder = c.gamma, inOrderWeights = [Double](repeating: 0.25, count: 8), inOrderState = c.state
        var workspace = PanelWorkspace()
        let expected = updatePanelIslands(&inOrder, islandLogWeights: &inOrderWeights, state: &inOrderState,
                                          measurements: c.measurements, model: c.model, key: c.key,
                                          isFirstOfRoute: false, isLastOfRoute: lastOfRoute, workspace: &workspace)
        var reversed = c.gamma, weights = [Double](repeating: 0.25, count: 8), state = c.state
        var streamed = PanelWorkspace()
        beginPanelIslands(islandCount: 8, state: &state, measurements: c.measurements, model: c.model, key: c.key,
                          workspace: &streamed)
        for b in (0..<8).reversed() {
            updatePanelIsland(b, of: &reversed, logWeight: &weights[b], state: state, model: c.model,
                              isFirstOfRoute: false, isLastOfRoute: lastOfRoute, workspace: &streamed)
        }
        let report = reportPanelIslands(islandLogWeights: weights, state: &state, model: c.model, workspace: &streamed)
        finishPanelIslands(&reversed, islandLogWeights: &weights, state: &state, isLastOfRoute: lastOfRoute,
                           workspace: &streamed)
        #expect(report == expected)
        #expect(reversed == inOrder)
        #expect(weights == inOrderWeights)
        #expect(state.amplitude == inOrderState.amplitude && state.existence == inOrderState.existence)
        #expect(reversed != c.gamma)
    }

    /// Islands combined without a last weighting: resampled by exp(ℓ_b) alone; an island of log weight −∞ is never
    /// drawn, and two islands of log weights 0 and log 3 give about 1/4 and 3/4 of the particles.
    @Test func resampleIslandsFollowsTheLogWeights() {
        let n = 256
        var gamma = AgentParticles(count: 3 * n)
        for i in 0..<(3 * n) { gamma.x[i] = Float(i / n) }
        var logWeights = [0, deterministicLog(3), -Double.infinity]
        resampleIslands(&gamma, islandLogWeights: &logWeights, key: PanelStepKey(seed: 1, step: 2, panel: 3))
        #expect(logWeights == [0, 0, 0])
        let counts = (0..<3).map { b in gamma.x.filter { $0 == Float(b) }.count }
        #expect(counts[2] == 0)
        #expect(abs(counts[0] - 3 * n / 4) <= 1 && abs(counts[1] - 9 * n / 4) <= 1, "\(counts)")
    }
}
