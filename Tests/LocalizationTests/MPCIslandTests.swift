// MPCIslandTests: Loca-MPC with γ as B islands (docs/MODEL.md §B.7) — one island is the one-γ update, phases in any order, islands self-contained, the panel's mixture association, the chain.
import Scenario
import Testing
@testable import Localization

/// A Loca-MPC panel update's inputs on the paper's room (J = 4, 400 MHz): panel 1, a prior cloud around the agent of
/// step 30, a fresh state and the synthetic measurements of that step.
private struct MPCIslandCase {
    var model: MPCPanelModel
    var gamma: AgentParticles
    var state: MPCPanelState
    var measurements: PanelMeasurements
    var key: PanelStepKey

    init(particles n: Int, accelerationStd: Double? = nil) {
        var parameters = ScenarioParameters()
        parameters.panelCount = 4
        let w = try! World(parameters)
        var filter = FilterParameters()
        filter.particleCount = n
        if let accelerationStd { filter.accelerationStd = accelerationStd }
        model = MPCPanelModel(panel: PanelModel(position: w.panels[1].position, radio: w.radio, filter: filter),
                              room: w.room)
        gamma = AgentParticles.prior(seed: 3, centre: w.agentPosition(step: 30), velocity: w.agentVelocity(step: 30),
                                     count: n, radius: 0.4, velocitySpread: 0.2)
        state = MPCPanelState.initial(model: model, seed: 2025, step: 0, panel: 1)
        state.existence = state.existence.enumerated().map { 0.3 + 0.1 * Double($0.offset) }
        measurements = w.measurements(seed: 2025, step: 30, panel: 1)
        key = PanelStepKey(seed: 2025, step: 30, panel: 1)
    }

    /// The four phases with islands in `order`, through the ``PanelFilter`` protocol of ``LocaMPCFilter``.
    func streamed(order: [Int], logWeights: [Double], gamma start: AgentParticles? = nil, firstOfRoute: Bool = false,
                  lastOfRoute: Bool) -> (AgentParticles, [Double], MPCPanelState, PanelReport) {
        var filter = AnyPanelFilter(LocaMPCFilter(model: model, panel: key.panel, seed: key.seed))
        var restored = filter.filter(as: LocaMPCFilter.self)!
        restored.restore(state)
        filter = AnyPanelFilter(restored)
        var gamma = start ?? self.gamma, weights = logWeights
        filter.beginIslands(count: logWeights.count, measurements: measurements, seed: key.seed, step: key.step)
        for b in order {
            filter.updateIsland(b, of: &gamma, logWeight: &weights[b], isFirstOfRoute: firstOfRoute,
                                isLastOfRoute: lastOfRoute)
        }
        let report = filter.islandsReport(islandLogWeights: weights)
        filter.finishIslands(&gamma, islandLogWeights: &weights, isLastOfRoute: lastOfRoute)
        return (gamma, weights, filter.filter(as: LocaMPCFilter.self)!.state, report)
    }
}

@Suite struct MPCIslandTests {
    /// One island is the one-γ Loca-MPC update, bit for bit, at the first and at a later panel.
    @Test(arguments: [true, false]) func oneIslandIsTheUpdateItself(_ firstOfRoute: Bool) {
        let c = MPCIslandCase(particles: 256)
        var gammaA = c.gamma, stateA = c.state, workspaceA = MPCPanelWorkspace()
        let reportA = updateMPCPanel(&gammaA, state: &stateA, measurements: c.measurements, model: c.model,
                                     key: c.key, isFirstOfRoute: firstOfRoute, workspace: &workspaceA)
        var gammaB = c.gamma, stateB = c.state, workspaceB = MPCPanelWorkspace(), weights = [0.0]
        let reportB = updateMPCPanelIslands(&gammaB, islandLogWeights: &weights, state: &stateB,
                                            measurements: c.measurements, model: c.model, key: c.key,
                                            isFirstOfRoute: firstOfRoute, isLastOfRoute: true, workspace: &workspaceB)
        #expect(gammaA == gammaB)
        #expect(stateA == stateB)
        #expect(reportA == reportB)
        #expect(weights == [0])
    }

    /// Islands streamed in reversed or shuffled order give the same bits as in order (the driver), at a middle and at
    /// the last panel: each island reads and writes only its own slice and sums.
    @Test(arguments: [false, true]) func islandsInAnyOrderGiveTheSameBits(_ lastOfRoute: Bool) {
        let c = MPCIslandCase(particles: 1024)
        let logWeightsIn = (0..<8).map { 0.3 * Double($0 % 3) - 0.2 }
        var gamma = c.gamma, weights = logWeightsIn, state = c.state, workspace = MPCPanelWorkspace()
        let expected = updateMPCPanelIslands(&gamma, islandLogWeights: &weights, state: &state,
                                             measurements: c.measurements, model: c.model, key: c.key,
                                             isFirstOfRoute: false, isLastOfRoute: lastOfRoute, workspace: &workspace)
        for order in [Array((0..<8).reversed()), [3, 6, 0, 7, 2, 5, 1, 4]] {
            let (g, w, s, report) = c.streamed(order: order, logWeights: logWeightsIn, lastOfRoute: lastOfRoute)
            #expect(report == expected)
            #expect(g == gamma)
            #expect(w == weights)
            #expect(s == state)
        }
        #expect(gamma != c.gamma && state != c.state)
        #expect(lastOfRoute ? weights == [Double](repeating: 0, count: 8) : weights != logWeightsIn)
    }

    /// Every island weighting: reversed order gives the same bits, and the increments are finite and differ between
    /// islands (all 0 with equal weights).
    @Test(arguments: [MPCIslandWeighting.bethe, .messageProduct, .equal])
    func everyWeightingGivesTheSameBitsInAnyOrder(_ weighting: MPCIslandWeighting) {
        let c = MPCIslandCase(particles: 1024)
        var gamma = c.gamma, weights = [Double](repeating: 0, count: 8), state = c.state
        var workspace = MPCPanelWorkspace()
        let expected = updateMPCPanelIslands(&gamma, islandLogWeights: &weights, state: &state,
                                             measurements: c.measurements, model: c.model, key: c.key,
                                             isFirstOfRoute: false, isLastOfRoute: false, weighting: weighting,
                                             workspace: &workspace)
        var reversed = c.gamma, reversedWeights = [Double](repeating: 0, count: 8), reversedState = c.state
        var streamed = MPCPanelWorkspace()
        beginMPCPanelIslands(islandCount: 8, state: &reversedState, measurements: c.measurements, model: c.model,
                             key: c.key, workspace: &streamed)
        for b in (0..<8).reversed() {
            updateMPCPanelIsland(b, of: &reversed, logWeight: &reversedWeights[b], state: reversedState, model: c.model,
                                 isFirstOfRoute: false, isLastOfRoute: false, weighting: weighting,
                                 workspace: &streamed)
        }
        let report = reportMPCPanelIslands(islandLogWeights: reversedWeights, state: &reversedState, model: c.model,
                                           workspace: &streamed)
        finishMPCPanelIslands(&reversed, islandLogWeights: &reversedWeights, state: &reversedState, model: c.model,
                              isLastOfRoute: false, workspace: &streamed)
        #expect(report == expected && reversed == gamma && reversedWeights == weights && reversedState == state)
        #expect(weighting == .equal ? weights == [Double](repeating: 0, count: 8)
                                    : weights.allSatisfy(\.isFinite) && Set(weights).count == 8)
    }

    /// Per-island BP uses only the island's particles: moving another island's particles (or changing the incoming log
    /// weights) leaves island b's output particles and log-weight increment unchanged, while the panel's own state,
    /// from the island mixture, does change.
    @Test func islandUsesOnlyItsOwnParticles() {
        let c = MPCIslandCase(particles: 1024)
        let islands = 8, n = 1024 / islands, zeros = [Double](repeating: 0, count: islands)
        let (g0, w0, s0, _) = c.streamed(order: Array(0..<islands), logWeights: zeros, lastOfRoute: false)
        var moved = c.gamma
        for i in (5 * n)..<(6 * n) { moved.x[i] += 0.3; moved.y[i] -= 0.2 }     // island 5 only
        let (g1, w1, s1, _) = c.streamed(order: Array(0..<islands), logWeights: zeros, gamma: moved, lastOfRoute: false)
        let tilted = (0..<islands).map { 0.4 * Double($0) - 1 }
        let (g2, w2, s2, _) = c.streamed(order: Array(0..<islands), logWeights: tilted, lastOfRoute: false)
        for b in 0..<islands {
            let slice = (b * n)..<((b + 1) * n)
            let same1 = g1.x[slice] == g0.x[slice] && g1.y[slice] == g0.y[slice] && g1.vx[slice] == g0.vx[slice]
            #expect(b == 5 ? !same1 && w1[b] != w0[b] : same1 && w1[b] == w0[b], "island \(b)")
            #expect(g2.x[slice] == g0.x[slice] && g2.y[slice] == g0.y[slice], "island \(b)")
            #expect(w2[b] == tilted[b] + w0[b], "island \(b): the increment does not depend on the incoming weight")
        }
        #expect(s1.existence != s0.existence && s1.amplitude != s0.amplitude)
        #expect(s2.existence != s0.existence)
    }

    /// The Bethe correction: log Π_k (β̄_k(0) + Σ_m β̄_k(m) ν_{m→k}) + c equals log Z = log Σ_feasible Π_k β̄_k(a_k) exactly
    /// on trees (K = 1 or M = 1) and approximately on small loopy problems (enumeration).
    @Test func betheCorrectionGivesTheAssociationPartitionFunction() {
        var random = RandomStream(seed: 7, step: 0, panel: 0, purpose: .shuffle)
        var worstTree = 0.0, worstLoopy = 0.0
        for (k, m) in [(1, 1), (1, 4), (3, 1), (5, 1), (2, 2), (3, 3), (4, 3), (5, 4)] {
            for _ in 0..<20 {
                let inputs = (0..<(k * (m + 1))).map { _ in 3 * random.nextGaussian() }
                let problem = AssociationProblem(featureCount: k, measurementCount: m, logInputs: inputs)
                let solution = problem.solve(tolerance: 1e-12, maxIterations: 10_000)
                var values = [Double](repeating: 0, count: k + m)
                let c = inputs.withUnsafeBufferPointer { i in
                    solution.logMessages.withUnsafeBufferPointer { nu in
                        values.withUnsafeMutableBufferPointer { v in
                            AssociationSolver.logBetheCorrection(logInputs: i.baseAddress!, logMessages: nu.baseAddress!,
                                                                 features: k, measurements: m, values: v.baseAddress!)
                        }
                    }
                }
                var bethe = c
                for f in 0..<k {
                    var terms = [problem[feature: f, column: 0]]
                    for j in 0..<m { terms.append(problem[feature: f, column: j + 1] + solution.logMessages[f * m + j]) }
                    bethe += LocaLoSReference.logSumExp(terms)
                }
                // exact log Z by enumeration
                var joints: [Double] = []
                var used = [Bool](repeating: false, count: m + 1)
                func visit(_ f: Int, _ logWeight: Double) {
                    if f == k { joints.append(logWeight); return }
                    for column in 0...m where column == 0 || !used[column] {
                        used[column] = column != 0
                        visit(f + 1, logWeight + problem[feature: f, column: column])
                        used[column] = false
                    }
                }
                visit(0, 0)
                let error = abs(bethe - LocaLoSReference.logSumExp(joints))
                if k == 1 || m == 1 { worstTree = max(worstTree, error) } else { worstLoopy = max(worstLoopy, error) }
            }
        }
        print("Bethe log Z vs enumeration: trees max |Δ| = \(worstTree), loopy (K, M ≤ 5, 4) max |Δ| = \(worstLoopy)")
        #expect(worstTree < 1e-9)
        #expect(worstLoopy < 0.5)
    }

    /// With a deterministic prediction (first panel, σ_a = 0: islands and one γ predict the same particles) and equal
    /// incoming island weights, the panel's mixture association is the one-γ association: its inputs
    /// Σ_b (1/B)(1/n) S_{b,k}(m) = (1/N) Σ_i b_k^(i)(m), hence the same existence and amplitude estimates (to Float32
    /// rounding), and the island increments of ℓ combine to the one-γ normaliser only approximately (each island has
    /// its own BP).
    @Test func equalIslandWeightsGiveTheOneGammaAssociation() {
        let c = MPCIslandCase(particles: 1024, accelerationStd: 0)
        var one = MPCPanelWorkspace(), gammaOne = c.gamma, stateOne = c.state
        let reportOne = updateMPCPanel(&gammaOne, state: &stateOne, measurements: c.measurements, model: c.model,
                                       key: c.key, isFirstOfRoute: true, workspace: &one)
        var islands = MPCPanelWorkspace(), gamma = c.gamma, state = c.state
        var weights = [Double](repeating: 0.7, count: 8)
        let report = updateMPCPanelIslands(&gamma, islandLogWeights: &weights, state: &state,
                                           measurements: c.measurements, model: c.model, key: c.key,
                                           isFirstOfRoute: true, isLastOfRoute: false, workspace: &islands)
        #expect(c.measurements.count > 0)
        let inputsOne = one.logInputs, inputs = islands.logInputs
        let width = c.model.featureCount * (c.measurements.count + 1)
        for i in 0..<width {
            #expect(abs(inputs[i] - inputsOne[i]) <= 1e-4 * max(1, abs(inputsOne[i])), "input \(i)")
        }
        let a = report.association!, b = reportOne.association!
        for k in 0..<c.model.featureCount {
            #expect(abs(a.featureExistence[k] - b.featureExistence[k]) <= 1e-5, "feature \(k)")
            #expect(abs(a.featureAmplitude[k] - b.featureAmplitude[k]) <= 1e-4 * b.featureAmplitude[k], "feature \(k)")
        }
        // the estimate: with evidence weights (Bethe, the default, or the plain message product) Σ_b â_b x̄_b is the
        // one-γ weighted mean up to the islands' own BP; with equal weights it is the plain average of the island
        // means (here a 0.4 m cloud, 128 particles per island and a sharp 400 MHz likelihood: it differs by more)
        func estimate(_ weighting: MPCIslandWeighting) -> SIMD4<Double> {
            var workspace = MPCPanelWorkspace(), gamma = c.gamma, state = c.state
            var weights = [Double](repeating: 0.7, count: 8)
            return updateMPCPanelIslands(&gamma, islandLogWeights: &weights, state: &state,
                                         measurements: c.measurements, model: c.model, key: c.key,
                                         isFirstOfRoute: true, isLastOfRoute: false, weighting: weighting,
                                         workspace: &workspace).estimate - reportOne.estimate
        }
        let dB = report.estimate - reportOne.estimate, dP = estimate(.messageProduct), dE = estimate(.equal)
        print("estimate vs one γ: Bethe (\(dB.x), \(dB.y)) m, message product (\(dP.x), \(dP.y)) m, equal weights "
              + "(\(dE.x), \(dE.y)) m")
        #expect(abs(dB.x) < 0.05 && abs(dB.y) < 0.05)
        #expect(abs(dP.x) < 0.05 && abs(dP.y) < 0.05)
    }

    /// The Loca-MPC chain with 8 islands (J = 4, 400 MHz, N_p = 512): deterministic, different from one island,
    /// tracking the agent, every island weight 0 between steps.
    @Test func chainWithIslandsTracks() {
        var parameters = ScenarioParameters()
        parameters.panelCount = 4
        let w = try! World(parameters)
        var filter = FilterParameters()
        filter.particleCount = 512
        var setup = ChainSetup(panelPositions: w.panels.map(\.position), radio: w.radio, filter: filter,
                               priorCentre: w.trajectory.priorCentre, priorVelocity: w.trajectory.priorVelocity,
                               method: .locaMPC, room: w.room)
        let steps = 25, seed: UInt64 = 2025
        let single = runInProcessChain(setup, seed: seed, steps: steps) { w.measurements(seed: seed, step: $0, panel: $1) }
        setup.filter.islandCount = 8
        let run = runInProcessChain(setup, seed: seed, steps: steps) { w.measurements(seed: seed, step: $0, panel: $1) }
        let again = runInProcessChain(setup, seed: seed, steps: steps) { w.measurements(seed: seed, step: $0, panel: $1) }
        #expect(run == again)
        #expect(run.estimates != single.estimates)
        #expect(run.associationIterations.contains { $0 > 0 })
        let errors = RunStatistics.positionErrors(estimates: run.estimates,
                                                  truth: (0..<steps).map { w.agentPosition(step: $0) })
        print("Loca-MPC chain J=4 400 MHz N=512, 8 islands: errors (m) \(errors.map { ($0 * 1000).rounded() / 1000 })")
        #expect(errors.dropFirst(5).allSatisfy { $0 < 0.3 })
        var chain = InProcessChain(setup: setup, seed: seed)
        _ = chain.step { w.measurements(seed: seed, step: 0, panel: $0) }
        #expect(chain.islandLogWeights == [Double](repeating: 0, count: 8))
    }
}
