// LocaMPCTests: Loca-MPC features, log ratios vs the numpy reference, LoS-only reduction, determinism, known-agent runs.
import Scenario
import Testing
@testable import Localization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func world(panels: Int, bandwidth: Double) -> World {
    var parameters = ScenarioParameters()
    parameters.panelCount = panels
    parameters.radio.bandwidthHz = bandwidth
    return try! World(parameters)
}

private func filterParameters(_ n: Int) -> FilterParameters {
    var f = FilterParameters()
    f.particleCount = n
    return f
}

/// Index of the feature of a visible path of `panel`: 0 for the LoS, 1 + position of its wall among the VAs.
private func featureIndex(_ path: VisiblePath, panel: Panel) -> Int {
    path.kind == .lineOfSight ? 0 : 1 + panel.virtualAnchors.firstIndex { $0.wall == path.wall }!
}

/// N copies of one agent state.
private func pointCloud(_ n: Int, at p: SIMD2<Double>, velocity v: SIMD2<Double>) -> AgentParticles {
    AgentParticles(x: Array(repeating: Float(p.x), count: n), y: Array(repeating: Float(p.y), count: n),
                   vx: Array(repeating: Float(v.x), count: n), vy: Array(repeating: Float(v.y), count: n))
}

private func wrapped(_ a: Double) -> Double { LocaLoSReference.wrapAngle(a) }

@Suite struct LocaMPCTests {
    /// d_k and φ_k of the features equal the distance and AoA of every visible path of the scenario
    /// (J = 24, every 5th step), also for the interior walls.
    @Test func featureGeometryMatchesVisiblePaths() {
        let w = world(panels: 24, bandwidth: 400e6)
        var worst = 0.0, count = 0
        for panel in w.panels {
            let model = MPCPanelModel(panel: PanelModel(position: panel.position, radio: w.radio,
                                                        filter: FilterParameters()), room: w.room)
            #expect(model.featureCount == 1 + panel.virtualAnchors.count)
            for step in stride(from: 0, to: w.stepCount, by: 5) {
                for path in w.visiblePaths(step: step, panel: panel.index) {
                    let (d, phi) = model.features[featureIndex(path, panel: panel)]
                        .geometry(agent: w.agentPosition(step: step))
                    worst = max(worst, abs(d - path.distance), abs(wrapped(phi - path.aoa)))
                    count += 1
                }
            }
        }
        print("feature geometry vs \(count) visible paths: max difference \(worst)")
        #expect(count > 5000)
        #expect(worst < 1e-12)
    }

    /// The Float32 per-feature log ratios log b_k(0), log b_k(m) against the numpy reference (§C.2) for three
    /// panels, particles in and behind interior walls, amplitudes from 0.3 to 150. Tolerance: 1e−5·max(1, |b|)
    /// plus 1e−6 × the largest term that ℓ sums (z_u², the three squared residuals: ℓ ≈ 3 can be the difference
    /// of terms near 240, each rounded to Float32), plus the ratio's sensitivity to a 2e−5 m distance and a
    /// 2e−6 rad angle error (Float32 resolution of coordinates up to 60 m, the virtual anchors' range).
    @Test func logRatiosMatchNumpyReference() throws {
        var worstExcess = 0.0, worstGeometry = 0.0
        for c in try MPCReferenceFixture.load().ratioCases {
            var radio = RadioParameters()
            radio.bandwidthHz = c.bandwidth
            let position = SIMD2(c.panel[0], c.panel[1])
            let model = MPCPanelModel(panel: PanelModel(position: position, radio: radio,
                                                        filter: filterParameters(16)), room: .paper)
            let n = c.particles.count / 2, mCount = c.measurements.count / 3, featureCount = model.featureCount
            #expect(c.distances.count == featureCount * n)
            let x = (0..<n).map { Float(c.particles[2 * $0]) }, y = (0..<n).map { Float(c.particles[2 * $0 + 1]) }
            let z = PanelMeasurements(distance: (0..<mCount).map { c.measurements[3 * $0] },
                                      aoa: (0..<mCount).map { c.measurements[3 * $0 + 1] },
                                      amplitude: (0..<mCount).map { c.measurements[3 * $0 + 2] })
            var workspace = PanelWorkspace(particleCount: n)
            fillMeasurementTerms(z, model: model.clutterModel, into: &workspace)
            for k in 0..<featureCount {
                let feature = model.features[k]
                for i in 0..<n {
                    let (d, phi) = feature.geometry(agent: SIMD2(c.particles[2 * i], c.particles[2 * i + 1]))
                    worstGeometry = max(worstGeometry, abs(d - c.distances[k * n + i]),
                                        abs(wrapped(phi - c.angles[k * n + i])))
                }
                var constants = likelihoodConstants(model.clutterModel)
                constants.panelX = Float(feature.source.x)
                constants.panelY = Float(feature.source.y)
                let u = (0..<n).map { Float(c.amplitudes[k * n + $0]) }
                var logMiss = [Float](repeating: 0, count: n), ratios = [Float](repeating: 0, count: n * mCount)
                workspace.measurementTerms.withUnsafeBufferPointer { t in
                    let terms = t.baseAddress!
                    featureLogRatios(measurementCount: mCount, count: n, x: x, y: y, amplitude: u,
                                     constants: constants, angleMap: AngleMap(feature.angleMap), terms: terms,
                                     logMiss: &logMiss, ratios: &ratios)
                }
                for i in 0..<n {
                    let reference = c.logMiss[k * n + i]
                    let bound = 1e-5 * max(1, abs(reference))
                    #expect(abs(Double(logMiss[i]) - reference) <= bound, "miss k=\(k) i=\(i)")
                    worstExcess = max(worstExcess, abs(Double(logMiss[i]) - reference) / bound)
                    let (d, phi) = feature.geometry(agent: SIMD2(c.particles[2 * i], c.particles[2 * i + 1]))
                    let ui = c.amplitudes[k * n + i]
                    for m in 0..<mCount {
                        let reference = c.logRatios[(k * n + i) * mCount + m]
                        let sensitivity = ui * ui * abs(z.distance[m] - d) / model.panel.distanceVarianceTimesU2 * 2e-5
                            + ui * ui * abs(wrapped(z.aoa[m] - phi)) / model.panel.aoaVarianceTimesU2 * 2e-6
                        let zu = z.amplitude[m], largestTerm = max(
                            zu * zu, (zu - ui) * (zu - ui) / (2 * PanelModel.amplitudeVariance),
                            ui * ui * (z.distance[m] - d) * (z.distance[m] - d) / (2 * model.panel.distanceVarianceTimesU2),
                            ui * ui * wrapped(z.aoa[m] - phi) * wrapped(z.aoa[m] - phi) / (2 * model.panel.aoaVarianceTimesU2))
                        let bound = 1e-5 * max(1, abs(reference)) + 1e-6 * largestTerm + sensitivity
                        let error = abs(Double(ratios[m * n + i]) - reference)
                        #expect(error <= bound,
                                "J=\(c.panelCount) B=\(c.bandwidth) k=\(k) i=\(i) m=\(m): \(ratios[m * n + i]) vs \(reference)")
                        worstExcess = max(worstExcess, error / bound)
                    }
                }
            }
        }
        print("log ratios vs numpy: worst error / bound = \(worstExcess); geometry max difference \(worstGeometry)")
        #expect(worstGeometry < 1e-12)
    }

    /// The featureResampling offsets: word i of a stream as a [0, 1) uniform, in the bulk fill layout.
    @Test func streamWordsAsUniforms() {
        let stream = BulkRandomStream(seed: 99, step: 4, panel: 2, purpose: .featureResampling)
        var words = [UInt32](repeating: 0, count: 96)
        words.withUnsafeMutableBufferPointer { stream.fillWords($0.baseAddress!, count: 96) }
        for i in 0..<96 { #expect(stream.uniformClosedOpen(word: i) == Float(words[i] >> 8) * 0x1.0p-24) }
        #expect(stream.uniformClosedOpen(word: 0) == stream.firstUniformClosedOpen())
    }

    /// A panel whose only feature is the LoS is Loca-LoS with μ_mpc = 0 (docs/MODEL.md §C; ref check_mpc.py [3]): from the
    /// same γ and state, the same log ξ up to rounding, the same existence, and bit-identical amplitude particles
    /// (the log ratios and log w = log β are computed with the same operations).
    @Test func losOnlyPanelReducesToLocaLoS() {
        let w = world(panels: 4, bandwidth: 40e6)
        var filter = filterParameters(512)
        filter.reflectionClutterMean = 0
        let losModel = PanelModel(position: w.panels[0].position, radio: w.radio, filter: filter)
        let mpcModel = MPCPanelModel(panel: losModel, features: [.lineOfSight(panel: losModel.position)])
        var losState = PanelState.initial(model: losModel, seed: 5, step: 0, panel: 0)
        var mpcState = MPCPanelState.initial(model: mpcModel, seed: 5, step: 0, panel: 0)
        #expect(mpcState.amplitude == losState.amplitude && mpcState.existence == [losState.existence])
        var losWorkspace = PanelWorkspace(), mpcWorkspace = MPCPanelWorkspace()
        var worstExistence = 0.0, worstEstimate = 0.0, worstESS = 0.0, agentMismatch = 0
        for step in 0..<40 {
            let truth = w.agentPosition(step: step)
            let gamma0 = AgentParticles.prior(seed: UInt64(100 + step), centre: truth, velocity: w.agentVelocity(step: step),
                                              count: 512, radius: 0.6, velocitySpread: 0.1)
            let z = w.measurements(seed: 5, step: step, panel: 0)
            mpcState = MPCPanelState(amplitude: losState.amplitude, existence: [losState.existence])
            let key = PanelStepKey(seed: 5, step: step, panel: 0)
            var g1 = gamma0, g2 = gamma0
            let a = updatePanel(&g1, state: &losState, measurements: z, model: losModel, key: key,
                                isFirstOfRoute: step % 2 == 0, workspace: &losWorkspace)
            let b = updateMPCPanel(&g2, state: &mpcState, measurements: z, model: mpcModel, key: key,
                                   isFirstOfRoute: step % 2 == 0, workspace: &mpcWorkspace)
            #expect(a.predictedExistence == b.predictedExistence)
            #expect(mpcState.amplitude == losState.amplitude, "step \(step): amplitude particles differ")
            #expect(b.association?.iterations == (z.count > 0 ? 1 : 0))
            worstExistence = max(worstExistence, abs(a.existence - b.existence))
            let difference = a.estimate - b.estimate
            worstEstimate = max(worstEstimate, abs(difference.x), abs(difference.y), abs(difference.z), abs(difference.w))
            worstESS = max(worstESS, abs(a.effectiveSampleSize - b.effectiveSampleSize) / a.effectiveSampleSize)
            agentMismatch += zip(g1.x, g2.x).filter { $0 != $1 }.count
        }
        print("LoS-only MPC vs Loca-LoS (μ_mpc = 0), 40 steps: max |Δp_e| = \(worstExistence), "
              + "max |Δx̂| = \(worstEstimate), max rel ΔESS = \(worstESS), resampled agent particles differing: "
              + "\(agentMismatch)/\(40 * 512)")
        #expect(worstExistence < 1e-5)
        #expect(worstEstimate < 1e-4)
        #expect(worstESS < 1e-4)
        #expect(agentMismatch <= 40 * 512 / 100)
    }

    @Test func identicalInputsGiveIdenticalOutputs() {
        let w = world(panels: 4, bandwidth: 400e6)
        let model = MPCPanelModel(panel: PanelModel(position: w.panels[1].position, radio: w.radio,
                                                    filter: filterParameters(256)), room: w.room)
        let gamma0 = AgentParticles.prior(seed: 3, centre: w.agentPosition(step: 30), velocity: w.agentVelocity(step: 30),
                                          count: 256, radius: 0.4, velocitySpread: 0.2)
        let state0 = MPCPanelState.initial(model: model, seed: 2025, step: 0, panel: 1)
        let z = w.measurements(seed: 2025, step: 30, panel: 1)
        let key = PanelStepKey(seed: 2025, step: 30, panel: 1)
        var used = MPCPanelWorkspace()
        var g = gamma0, s = state0   // use the workspace first with other data and another M
        _ = updateMPCPanel(&g, state: &s, measurements: PanelMeasurements(distance: [3, 4, 5, 6, 7, 8, 9, 10, 11],
                                                                         aoa: Array(repeating: 0.5, count: 9),
                                                                         amplitude: Array(repeating: 7, count: 9)),
                           model: model, key: PanelStepKey(seed: 1, step: 1, panel: 1), isFirstOfRoute: true,
                           workspace: &used)
        var outputs: [(AgentParticles, MPCPanelState, PanelReport)] = []
        for trial in 0..<3 {
            var gamma = gamma0, state = state0
            var workspace = trial == 2 ? used : MPCPanelWorkspace()
            let report = updateMPCPanel(&gamma, state: &state, measurements: z, model: model, key: key,
                                        isFirstOfRoute: false, workspace: &workspace)
            outputs.append((gamma, state, report))
        }
        for o in outputs.dropFirst() {
            #expect(o.0 == outputs[0].0)
            #expect(o.1 == outputs[0].1)
            #expect(o.2 == outputs[0].2)
        }
        var gamma = gamma0, state = state0, workspace = MPCPanelWorkspace()
        let other = updateMPCPanel(&gamma, state: &state, measurements: z, model: model,
                                   key: PanelStepKey(seed: 2026, step: 30, panel: 1), isFirstOfRoute: false,
                                   workspace: &workspace)
        #expect(gamma != outputs[0].0 && state != outputs[0].1 && other.estimate != outputs[0].2.estimate)
    }

    /// Features never seen lose their existence, features seen keep it; reset gives the initial state back.
    @Test func resetAndRestore() {
        let w = world(panels: 2, bandwidth: 400e6)
        let model = PanelModel(position: w.panels[0].position, radio: w.radio, filter: filterParameters(64))
        var panel = AnyPanelFilter(method: .locaMPC, model: model, room: w.room, panel: 0, seed: 8)
        #expect(panel.method == .locaMPC && panel.filter(as: LocaMPCFilter.self)!.model.featureCount == 5)  // corner panel: 4 VAs
        let initial = panel.filter(as: LocaMPCFilter.self)!.state
        var gamma = pointCloud(64, at: SIMD2(5, 20), velocity: .zero)
        for step in 0..<20 {
            _ = panel.update(&gamma, measurements: PanelMeasurements(), seed: 8, step: step, isFirstOfRoute: false)
        }
        let existence = panel.filter(as: LocaMPCFilter.self)!.state.existence
        #expect(existence.allSatisfy { $0 < 0.2 }, "\(existence)")
        panel.reset(seed: 8, step: 0)
        #expect(panel.filter(as: LocaMPCFilter.self)!.state == initial)
    }

    /// Agent known (particles at the true state), one panel, measurements labelled with their origin (ref
    /// check_mpc.py [4]): existence decisions vs true path visibility, association of path measurements to
    /// their own feature and of false alarms to none, and BP against brute force on the filter's own inputs.
    @Test(arguments: [(4, 0, 400e6), (4, 0, 40e6), (2, 0, 40e6)])
    func knownAgent(panels: Int, panelIndex: Int, bandwidth: Double) {
        let w = world(panels: panels, bandwidth: bandwidth)
        let panel = w.panels[panelIndex]
        let n = 64       // the agent is known; 64 amplitude particles per feature suffice (debug-build speed)
        var filter = AnyPanelFilter(method: .locaMPC,
                                    model: PanelModel(position: panel.position, radio: w.radio,
                                                      filter: filterParameters(n)),
                                    room: w.room, panel: UInt32(panelIndex), seed: 3)
        let featureCount = 1 + panel.virtualAnchors.count
        var agree = [Int](repeating: 0, count: featureCount), evaluated = 0
        var detected = 0, associated = 0, falseAlarms = 0, unassociated = 0
        var worstBruteForce = 0.0, bruteForceCases = 0
        var iterations: [Int] = []
        let seed: UInt64 = 3
        for step in 0..<w.stepCount {
            let truth = w.synthesize(seed: seed, step: step, panel: panelIndex)
            var visible = [Bool](repeating: false, count: featureCount)
            for path in w.visiblePaths(step: step, panel: panelIndex) { visible[featureIndex(path, panel: panel)] = true }
            var gamma = pointCloud(n, at: w.agentPosition(step: step), velocity: w.agentVelocity(step: step))
            let report = filter.update(&gamma, measurements: truth.measurements, seed: seed, step: step,
                                       isFirstOfRoute: false)
            let summary = report.association!
            if step >= 10 {
                evaluated += 1
                for k in 0..<featureCount where (summary.featureExistence[k] > 0.5) == visible[k] { agree[k] += 1 }
            }
            let mCount = truth.measurements.count
            guard mCount > 0 else { continue }
            iterations.append(summary.iterations)
            let (problem, messages) = filter.filter(as: LocaMPCFilter.self)!.lastAssociation!
            let solution = AssociationSolution(featureCount: featureCount, measurementCount: mCount,
                                               logMessages: messages, iterations: summary.iterations,
                                               converged: summary.converged)
            let marginals = solution.marginals(of: problem)
            if mCount <= 4 {
                worstBruteForce = max(worstBruteForce, zip(marginals, problem.exactMarginals())
                    .reduce(0) { max($0, abs($1.0 - $1.1)) })
                bruteForceCases += 1
            }
            for (m, origin) in truth.origins.enumerated() {
                let column = (0..<featureCount).map { marginals[$0 * (mCount + 1) + m + 1] }
                switch origin {
                case .falseAlarm:
                    falseAlarms += 1
                    if column.allSatisfy({ $0 < 0.5 }) { unassociated += 1 }
                case .lineOfSight, .singleBounce:
                    detected += 1
                    let own = origin == .lineOfSight ? 0
                        : 1 + panel.virtualAnchors.firstIndex { .singleBounce(wall: $0.wall) == origin }!
                    if column[own] > 0.5 { associated += 1 }
                }
            }
        }
        let agreement = agree.map { Double($0) / Double(evaluated) }
        let sortedIterations = iterations.sorted()
        print("known agent J=\(panels) panel \(panelIndex) \(bandwidth / 1e6) MHz N=\(n): existence == visibility "
              + "\(agreement.map { (($0 * 1000).rounded() / 1000) }); path measurements to own feature "
              + "\(associated)/\(detected); false alarms to none \(unassociated)/\(falseAlarms); BP vs brute force "
              + "(\(bruteForceCases) cases, M ≤ 4) max |Δp| = \(worstBruteForce); BP iterations median "
              + "\(sortedIterations[sortedIterations.count / 2]), max \(sortedIterations.last!)")
        #expect(agreement.allSatisfy { $0 > 0.9 })
        #expect(Double(associated) / Double(detected) > 0.97)
        #expect(Double(unassociated) / Double(falseAlarms) > 0.97)
        #expect(bruteForceCases > 200)
        #expect(worstBruteForce < 1e-3)
    }

    /// The Loca-MPC chain in one process: deterministic, equal to hand-routed panels with γ copied between them
    /// (as over a wire), and it tracks the agent of the paper's scenario (J = 4, 400 MHz, N_p = 128).
    @Test func chainIsDeterministicAndTracks() {
        let w = world(panels: 4, bandwidth: 400e6)
        let setup = ChainSetup(panelPositions: w.panels.map(\.position), radio: w.radio, filter: filterParameters(128),
                               priorCentre: w.trajectory.priorCentre, priorVelocity: w.trajectory.priorVelocity,
                               method: .locaMPC, room: w.room)
        let steps = 25, seed: UInt64 = 2025
        let run = runInProcessChain(setup, seed: seed, steps: steps) { w.measurements(seed: seed, step: $0, panel: $1) }
        let again = runInProcessChain(setup, seed: seed, steps: steps) { w.measurements(seed: seed, step: $0, panel: $1) }
        #expect(run == again)
        #expect(run.associationIterations.count == steps * 4 && run.associationIterations.contains { $0 > 0 })

        var panels = setup.panelModels.enumerated().map {
            AnyPanelFilter(method: .locaMPC, model: $1, room: w.room, panel: UInt32($0), seed: seed)
        }
        var gamma = AgentParticles.prior(seed: seed, centre: setup.priorCentre, velocity: setup.priorVelocity,
                                         count: 128, radius: 0.5, velocitySpread: 0.2)
        for step in 0..<steps {
            var last: PanelReport? = nil
            for j in panels.indices {
                var received = AgentParticles(x: Array(gamma.x), y: Array(gamma.y), vx: Array(gamma.vx),
                                              vy: Array(gamma.vy))
                last = panels[j].update(&received, measurements: w.measurements(seed: seed, step: step, panel: j),
                                        seed: seed, step: step, isFirstOfRoute: j == 0)
                gamma = received
                #expect(run.existence[step * 4 + j] == last!.existence)
            }
            #expect(last!.estimate == run.estimates[step])
        }
        let errors = RunStatistics.positionErrors(estimates: run.estimates,
                                                  truth: (0..<steps).map { w.agentPosition(step: $0) })
        print("Loca-MPC chain J=4 400 MHz N=128: errors (m) \(errors.map { ($0 * 1000).rounded() / 1000 })")
        #expect(errors.dropFirst(5).allSatisfy { $0 < 0.3 })
    }

    /// Loca-LoS through ``AnyPanelFilter`` is the plain ``LocaLoSFilter``, bit for bit.
    @Test func anyPanelFilterRunsLocaLoSUnchanged() {
        let w = world(panels: 4, bandwidth: 40e6)
        let model = PanelModel(position: w.panels[2].position, radio: w.radio, filter: filterParameters(128))
        var plain = LocaLoSFilter(model: model, panel: 2, seed: 4)
        var wrapped = AnyPanelFilter(method: .locaLoS, model: model, panel: 2, seed: 4)
        var g1 = AgentParticles.prior(seed: 4, centre: w.agentPosition(step: 0), velocity: w.agentVelocity(step: 0),
                                      count: 128, radius: 0.5, velocitySpread: 0.2)
        var g2 = g1
        for step in 0..<10 {
            let z = w.measurements(seed: 4, step: step, panel: 2)
            let a = plain.update(&g1, measurements: z, seed: 4, step: step, isFirstOfRoute: true)
            let b = wrapped.update(&g2, measurements: z, seed: 4, step: step, isFirstOfRoute: true)
            #expect(a == b && g1 == g2 && b.association == nil)
        }
        #expect(wrapped.filter(as: LocaLoSFilter.self)!.state == plain.state)
    }
}
