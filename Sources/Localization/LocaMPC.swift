// LocaMPC: the Loca-MPC panel update (docs/MODEL.md §C): LoS + known virtual anchors, BP data association.
import Scenario

// MARK: model

/// One feature of a Loca-MPC panel (docs/MODEL.md §C.1): the LoS (k = 0) or the single bounce via one wall, seen from
/// its known virtual anchor.
public struct MPCFeature: Sendable, Equatable {
    /// Index of the mirroring wall in the room, or −1 for the LoS.
    public var wall: Int
    /// Source position q_k, metres: the panel itself (LoS) or the virtual anchor. d_k(x) = ‖p − q_k‖.
    public var source: SIMD2<Double>
    /// The map A with φ_k(x) = atan2(A (p − q_k)), row-major (a11, a12, a21, a22): the identity for the LoS, the
    /// reflection 2t̂t̂ᵀ − I across the unit wall direction t̂ for a virtual anchor (the mirror form of §C.1,
    /// defined for every particle, also behind an interior wall).
    public var angleMap: SIMD4<Double>

    public init(wall: Int, source: SIMD2<Double>, angleMap: SIMD4<Double>) {
        self.wall = wall
        self.source = source
        self.angleMap = angleMap
    }

    /// The LoS feature of a panel at `panel` (metres).
    public static func lineOfSight(panel: SIMD2<Double>) -> MPCFeature {
        MPCFeature(wall: -1, source: panel, angleMap: SIMD4(1, 0, 0, 1))
    }

    /// The feature of a virtual anchor of `room`.
    public static func virtualAnchor(_ anchor: VirtualAnchor, room: Room) -> MPCFeature {
        let direction = room.walls[anchor.wall].direction
        let t = direction / (direction * direction).sum().squareRoot()
        return MPCFeature(wall: anchor.wall, source: anchor.position,
                          angleMap: SIMD4(2 * t.x * t.x - 1, 2 * t.x * t.y, 2 * t.x * t.y, 2 * t.y * t.y - 1))
    }

    /// Path length d_k and AoA φ_k at the panel (Double, radians in (−π, π]) for an agent at `position` metres.
    public func geometry(agent position: SIMD2<Double>) -> (distance: Double, aoa: Double) {
        let v = position - source
        let w = SIMD2(angleMap[0] * v.x + angleMap[1] * v.y, angleMap[2] * v.x + angleMap[3] * v.y)
        return ((v * v).sum().squareRoot(), atan2(w.y, w.x))
    }
}

/// Everything one Loca-MPC panel needs: the Loca-LoS panel model (position, radio and filter constants) and its
/// features, k = 0 the LoS and k ≥ 1 the virtual anchors by increasing wall index.
public struct MPCPanelModel: Sendable, Equatable {
    /// The panel's position and constants, as configured.
    public let panel: PanelModel
    /// Features k = 0…K_j.
    public let features: [MPCFeature]
    /// The same model with μ_mpc = 0: Loca-MPC's clutter intensity models false alarms only (docs/MODEL.md §C.2).
    let clutterModel: PanelModel

    /// A panel with the given features (the first must be the LoS).
    public init(panel: PanelModel, features: [MPCFeature]) {
        precondition(!features.isEmpty && features[0].wall == -1, "feature 0 must be the LoS")
        precondition(panel.radio.falseAlarmMean > 0, "Loca-MPC's clutter intensity (false alarms only) must be positive")
        self.panel = panel
        self.features = features
        var filter = panel.filter
        filter.reflectionClutterMean = 0
        clutterModel = PanelModel(position: panel.position, radio: panel.radio, filter: filter)
    }

    /// A panel of `room`: the LoS plus the virtual anchors across every wall segment that does not contain the
    /// panel (docs/MODEL.md §A.4, §C.1; 4 for a corner panel, 5 otherwise in the paper's room).
    public init(panel: PanelModel, room: Room) {
        self.init(panel: panel, features: [.lineOfSight(panel: panel.position)]
                  + room.virtualAnchors(of: panel.position).map { .virtualAnchor($0, room: room) })
    }

    /// Number K_j + 1 of features.
    public var featureCount: Int { features.count }
}

// MARK: state

/// What a Loca-MPC panel keeps between time steps (docs/MODEL.md §C.1, §C.3 step 5): per feature k, N_p amplitude
/// particles and the existence probability p_e,k.
public struct MPCPanelState: Sendable, Equatable {
    /// Amplitude particles u_k^(i), feature-major: feature k occupies [k·N_p, (k + 1)·N_p). Equally weighted.
    public var amplitude: [Float]
    /// Existence probabilities p_e,k, each in [1e−12, 1 − 1e−12].
    public var existence: [Double]

    public init(amplitude: [Float], existence: [Double]) {
        precondition(!existence.isEmpty && amplitude.count % existence.count == 0)
        self.amplitude = amplitude
        self.existence = existence
    }

    /// Fresh state (docs/MODEL.md §B.3 Initialization, §F 15): u_k ~ U[u_de, u_bmax], p_e,k = p_e,0 for every feature.
    /// Keyed by (seed, step, panel, ``RandomPurpose/prior``): amplitude i of feature k uses uniform k·N + i of that
    /// stream, so feature 0 gets exactly the Loca-LoS initial amplitudes (``PanelState/initial``).
    public static func initial(model: MPCPanelModel, seed: UInt64, step: Int, panel: UInt32) -> MPCPanelState {
        let n = model.panel.filter.particleCount
        let total = n * model.featureCount
        var amplitude = [Float](repeating: 0, count: total)
        let stream = BulkRandomStream(seed: seed, step: step, panel: panel, purpose: .prior)
        let low = Float(model.panel.radio.detectionThreshold), span = Float(model.panel.maxAmplitude) - low
        amplitude.withUnsafeMutableBufferPointer { buffer in
            let u = buffer.baseAddress!
            stream.fillUniformsOpenClosed(u, count: total)
            var i = 0
            while i < total { (F8.load(u + i) * span + low).store(u + i); i += 8 }
        }
        return MPCPanelState(amplitude: amplitude,
                             existence: Array(repeating: model.panel.filter.initialExistence,
                                              count: model.featureCount))
    }

    /// Number of features.
    public var featureCount: Int { existence.count }
}

/// Loca-MPC extras of a panel update, in ``PanelReport/association``.
public struct AssociationSummary: Sendable, Equatable {
    /// BP data-association iterations run in this update (0 when there were no measurements).
    public var iterations: Int
    /// Whether BP met its tolerance before the iteration cap.
    public var converged: Bool
    /// p_e,k after the update, per feature (k = 0 the LoS).
    public var featureExistence: [Double]
    /// MMSE amplitude û_k = Σ_i w_k^(i) u_k^(i) / Σ_i w_k^(i) per feature (normalized amplitude).
    public var featureAmplitude: [Double]

    public init(iterations: Int, converged: Bool, featureExistence: [Double], featureAmplitude: [Double]) {
        self.iterations = iterations
        self.converged = converged
        self.featureExistence = featureExistence
        self.featureAmplitude = featureAmplitude
    }
}

// MARK: workspace

/// Preallocated scratch space of a Loca-MPC update. After the first update at a given particle and feature
/// count (and up to the largest M seen), further updates allocate nothing except the report's two K+1 arrays.
public struct MPCPanelWorkspace: Sendable {
    /// The Loca-LoS scratch: random numbers (4N) | – | – | agent weights (5N) | feature weights (6N) |
    /// cumulative sums (7N); ancestor indices; resampled agent; per-measurement terms.
    var base = PanelWorkspace()
    /// Feature prediction random numbers, 2N per feature.
    var featureRandom: [Float] = []
    /// log b_k(0), then log w_k: N per feature.
    var logMiss: [Float] = []
    /// log b_k(m): M rows of N per feature, feature-major.
    var ratios: [Float] = []
    /// log ξ of the agent particles, N.
    var logXi: [Float] = []
    /// Resampled amplitudes, N per feature.
    var nextAmplitude: [Float] = []
    /// Predicted existence p_e,k⁻ per feature.
    var predictedExistence: [Double] = []
    /// Association: log β̄ (K × (M+1)), log ν (K × M), Float32 log ν of one feature (M), solver scratch.
    var logInputs: [Double] = []
    var logMessages: [Double] = []
    var featureMessages: [Float] = []
    var solverScratch: [Double] = []
    var particleCapacity = 0, featureCapacity = 0, measurementCapacity = 0
    /// The association problem and messages of the last update (for diagnostics).
    var lastMeasurementCount = 0, lastFeatureCount = 0
    /// The step an island update is in (between ``beginMPCPanelIslands`` and ``finishMPCPanelIslands``), nil otherwise.
    var islandStep: MPCIslandStepContext?
    /// Per-island agent sums and incoming log weights of an island update (filter.islands > 1), one per island.
    var islandSums: [MPCIslandSums] = []
    /// Per island, feature and column m = 0…M: log S_{b,k}(m) = log Σ_{i∈b} b_k^(i)(m) and
    /// log T_{b,k}(m) = log Σ_{i∈b} b_k^(i)(m) u_k^(i), at index 2·((b·K + k)·(M + 1) + m) (+1 for T).
    var islandLogSums: [Double] = []

    public init() {}

    /// The panel's BP association (docs/MODEL.md §C.3 step 2) on ``logInputs`` (K × (M + 1)) into ``logMessages``,
    /// remembered as the last update's problem.
    /// - Returns: the iterations and whether they converged.
    mutating func solveAssociation(features featureCount: Int, measurements mCount: Int,
                                   filter: FilterParameters) -> (iterations: Int, converged: Bool) {
        let result = logInputs.withUnsafeBufferPointer { inputs in
            logMessages.withUnsafeMutableBufferPointer { messages in
                solverScratch.withUnsafeMutableBufferPointer { scratch in
                    AssociationSolver.solve(logInputs: inputs.baseAddress!, features: featureCount, measurements: mCount,
                                            tolerance: filter.associationTolerance,
                                            maxIterations: filter.associationMaxIterations,
                                            logMessages: messages.baseAddress, scratch: scratch.baseAddress)
                }
            }
        }
        lastFeatureCount = featureCount
        lastMeasurementCount = mCount
        return result
    }

    mutating func prepare(particleCount n: Int, featureCount f: Int, measurementCount m: Int) {
        base.prepare(particleCount: n, measurementCount: m)
        if n != particleCapacity || f != featureCapacity {
            featureRandom = [Float](repeating: 0, count: 2 * n * f)
            logMiss = [Float](repeating: 0, count: n * f)
            logXi = [Float](repeating: 0, count: n)
            nextAmplitude = [Float](repeating: 0, count: n * f)
            predictedExistence = [Double](repeating: 0, count: f)
            particleCapacity = n
            featureCapacity = f
            measurementCapacity = 0
        }
        if m > measurementCapacity || ratios.isEmpty {
            measurementCapacity = max(m, 8)
            let c = measurementCapacity
            ratios = [Float](repeating: 0, count: n * f * c)
            logInputs = [Double](repeating: 0, count: f * (c + 1))
            logMessages = [Double](repeating: 0, count: f * c)
            featureMessages = [Float](repeating: 0, count: c)
            solverScratch = [Double](repeating: 0, count: AssociationSolver.scratchCount(features: f, measurements: c))
        }
    }
}

// MARK: update

/// One Loca-MPC panel update (docs/MODEL.md §C with §B.3 steps 1 and 5) for panel `key.panel` at step `key.step`:
///
/// 1. agent prediction: the constant-velocity model if `isFirstOfRoute`, else regularization (as Loca-LoS);
/// 2. per feature k: existence and amplitude prediction (the Loca-LoS PA model);
/// 3. per feature, particle and measurement: log b_k(0), log b_k(m) (§C.2; clutter = false alarms only);
/// 4. scalar inputs log β̄_k(m) by logsumexp over the particles, BP data association in the log domain (§C.3);
/// 5. log w_k = LSE(log b_k(0), log ν_{m→k} + log b_k(m)), log ξ = Σ_k logaddexp(log p_e,k⁻ + log w_k,
///    log(1 − p_e,k⁻)); agent weights ∝ ξ, MMSE estimate, systematic resampling → γ out;
/// 6. per feature: p_e,k = A_k/(A_k + 1 − p_e,k⁻) with A_k = p_e,k⁻ (1/N) Σ_i w_k^(i) (clamped to
///    [1e−12, 1 − 1e−12]), amplitudes resampled with weights ∝ w_k.
///
/// The report's LoS fields (existence, predicted existence, detection, amplitude) are those of feature 0; its
/// `association` holds the BP iterations and every feature's existence and amplitude.
///
/// A pure function of `gamma`, `state`, `measurements`, `model` and the random streams keyed by `key`:
/// agentPrediction / regularization and agentResampling as Loca-LoS; feature 0 uses amplitudePrediction and
/// amplitudeResampling exactly as the Loca-LoS panel does, feature k ≥ 1 uses uniforms
/// [2N(k − 1), 2Nk) of featurePrediction and word k − 1 of featureResampling. `workspace` is scratch only. No
/// libm, clock or global state: bit-identical results in any process on any host.
/// - Precondition: `gamma.count == N`, a positive multiple of 16, and `state` has N amplitudes per feature.
public func updateMPCPanel(_ gamma: inout AgentParticles, state: inout MPCPanelState,
                           measurements: PanelMeasurements, model: MPCPanelModel, key: PanelStepKey,
                           isFirstOfRoute: Bool, workspace: inout MPCPanelWorkspace) -> PanelReport {
    let n = gamma.count
    let featureCount = model.featureCount
    precondition(n > 0 && n % 16 == 0 && n < 1 << 22, "particle count must be a positive multiple of 16")
    precondition(state.featureCount == featureCount && state.amplitude.count == n * featureCount,
                 "panel state does not match the model's features and the particle count")
    let mCount = measurements.count
    workspace.prepare(particleCount: n, featureCount: featureCount, measurementCount: mCount)
    let filter = model.panel.filter
    let logN = deterministicLog(Double(n))

    // 2 (scalars). predicted existence p_e,k⁻ per feature
    for k in 0..<featureCount {
        let pe = state.existence[k]
        workspace.predictedExistence[k] = filter.survivalProbability * pe + filter.birthProbability * (1 - pe)
    }
    let predicted = workspace.predictedExistence      // a reference to the workspace buffer, not a copy

    // 3 (per measurement). z and c_m with the false-alarm-only clutter intensity
    var constants = likelihoodConstants(model.clutterModel)
    fillMeasurementTerms(measurements, model: model.clutterModel, into: &workspace.base)

    predictAgent(&gamma, filter: filter, key: key, isFirstOfRoute: isFirstOfRoute, workspace: &workspace.base)

    // 2. feature amplitude prediction
    predictFeatureAmplitudes(&state, predictedExistence: predicted, model: model, key: key, workspace: &workspace)

    // 3.–4. log ratios per feature and the scalar association inputs log β̄_k(m)
    let width = mCount + 1
    gamma.withPointers { px, py, _, _ in
        state.amplitude.withUnsafeBufferPointer { amplitudeBuffer in
            workspace.base.measurementTerms.withUnsafeBufferPointer { termsBuffer in
                workspace.logMiss.withUnsafeMutableBufferPointer { missBuffer in
                    workspace.ratios.withUnsafeMutableBufferPointer { ratioBuffer in
                        let terms = termsBuffer.baseAddress!
                        for k in 0..<featureCount {
                            let feature = model.features[k]
                            constants.panelX = Float(feature.source.x)
                            constants.panelY = Float(feature.source.y)
                            let miss = missBuffer.baseAddress! + k * n
                            let ratios = ratioBuffer.baseAddress! + k * mCount * n
                            featureLogRatios(measurementCount: mCount, count: n, x: px, y: py,
                                             amplitude: amplitudeBuffer.baseAddress! + k * n,
                                             constants: constants, angleMap: AngleMap(feature.angleMap),
                                             terms: terms, logMiss: miss, ratios: ratios)
                            // log β̄_k(0) = logaddexp(log p_e⁻ + LSE_i log b(0) − log N, log(1 − p_e⁻)),
                            // log β̄_k(m) = log p_e⁻ + LSE_i log b(m) − log N
                            let logAlive = deterministicLog(predicted[k]) - logN
                            let logDead = deterministicLog(1 - predicted[k])
                            let (missTop, missSum) = maxAndScaledSum(miss, count: n)
                            workspace.logInputs[k * width] = logAddExp(
                                logAlive + Double(missTop) + deterministicLog(Double(missSum)), logDead)
                            for m in 0..<mCount {
                                let (top, sum) = maxAndScaledSum(ratios + m * n, count: n)
                                workspace.logInputs[k * width + m + 1] = logAlive + Double(top)
                                    + deterministicLog(Double(sum))
                            }
                        }
                    }
                }
            }
        }
    }

    // 4. BP data association
    let (iterations, converged) = workspace.solveAssociation(features: featureCount, measurements: mCount,
                                                             filter: filter)

    // 5.–6. feature weights, messages to the agent, feature beliefs
    var amplitudeEstimates = [Double](repeating: 0, count: featureCount)     // for the report
    let featureResampling = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                             purpose: .featureResampling)
    let losOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudeResampling)
        .firstUniformClosedOpen()
    workspace.base.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let featureWeights = scratch + 6 * n, cumulative = scratch + 7 * n
        workspace.base.indices.withUnsafeMutableBufferPointer { indexBuffer in
            let ancestors = indexBuffer.baseAddress!, marks = ancestors + n + 1
            state.amplitude.withUnsafeBufferPointer { amplitudeBuffer in
                workspace.logMiss.withUnsafeMutableBufferPointer { missBuffer in
                    workspace.ratios.withUnsafeBufferPointer { ratioBuffer in
                        workspace.logXi.withUnsafeMutableBufferPointer { xiBuffer in
                            workspace.nextAmplitude.withUnsafeMutableBufferPointer { nextBuffer in
                                workspace.featureMessages.withUnsafeMutableBufferPointer { messageBuffer in
                                    let logXi = xiBuffer.baseAddress!, messages = messageBuffer.baseAddress!
                                    for k in 0..<featureCount {
                                        let logW = missBuffer.baseAddress! + k * n
                                        let u = amplitudeBuffer.baseAddress! + k * n
                                        for m in 0..<mCount {
                                            messages[m] = Float(workspace.logMessages[k * mCount + m])
                                        }
                                        featureLogWeights(measurementCount: mCount, count: n, logMiss: logW,
                                                          ratios: ratioBuffer.baseAddress! + k * mCount * n,
                                                          logMessages: messages)
                                        let pe = predicted[k]
                                        accumulateFeatureMessage(logWeights: logW, count: n,
                                                                 logAlive: Float(deterministicLog(pe)),
                                                                 logDead: Float(deterministicLog(1 - pe)),
                                                                 into: logXi, first: k == 0)
                                        let sums = exponentiatedWeights(logW, count: n, amplitude: u,
                                                                        weights: featureWeights)
                                        // p_e,k = A / (A + D): A = p_e⁻ (1/N) Σ_i w_k^(i), D = 1 − p_e⁻
                                        let logA = deterministicLog(pe) + Double(sums.top)
                                            + deterministicLog(Double(sums.sum)) - logN
                                        let logD = deterministicLog(1 - pe)
                                        let updated = deterministicExp(logA - logAddExp(logA, logD))
                                        state.existence[k] = min(max(updated, 1e-12), 1 - 1e-12)
                                        amplitudeEstimates[k] = Double(sums.weightedSum) / Double(sums.sum)
                                        systematicResamplingIndices(weights: featureWeights, count: n,
                                                                    offset: k == 0 ? losOffset
                                                                        : featureResampling.uniformClosedOpen(word: k - 1),
                                                                    cumulative: cumulative,
                                                                    marks: marks, ancestors: ancestors)
                                        gather(u, nextBuffer.baseAddress! + k * n, ancestors: ancestors, count: n)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    swap(&state.amplitude, &workspace.nextAmplitude)

    // 5. agent weights ∝ ξ, MMSE estimate, resampling → γ^(j)
    var estimate = SIMD4<Double>.zero
    var effectiveSampleSize = 0.0
    let agentOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentResampling)
        .firstUniformClosedOpen()
    workspace.base.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let weights = scratch + 5 * n, cumulative = scratch + 7 * n
        workspace.logXi.withUnsafeBufferPointer { xiBuffer in
            gamma.withPointers { px, py, pvx, pvy in
                let sums = agentWeights(logXi: xiBuffer.baseAddress!, count: n, x: px, y: py, vx: pvx, vy: pvy,
                                        weights: weights)
                estimate = SIMD4<Double>(sums.origin) + SIMD4<Double>(sums.offsets) / Double(sums.sum)
                effectiveSampleSize = Double(sums.sum) * Double(sums.sum) / Double(sums.squares)
            }
        }
        workspace.base.indices.withUnsafeMutableBufferPointer { indexBuffer in
            let ancestors = indexBuffer.baseAddress!, marks = ancestors + n + 1
            systematicResamplingIndices(weights: weights, count: n, offset: agentOffset, cumulative: cumulative,
                                        marks: marks, ancestors: ancestors)
            gamma.withPointers { px, py, pvx, pvy in
                workspace.base.nextAgent.withPointers { qx, qy, qvx, qvy in
                    gather(px, qx, ancestors: ancestors, count: n)
                    gather(py, qy, ancestors: ancestors, count: n)
                    gather(pvx, qvx, ancestors: ancestors, count: n)
                    gather(pvy, qvy, ancestors: ancestors, count: n)
                }
            }
        }
    }
    swap(&gamma, &workspace.base.nextAgent)

    var report = PanelReport(
        estimate: estimate, existence: state.existence[0], predictedExistence: predicted[0],
        losDetected: state.existence[0] > filter.existenceThreshold, amplitudeEstimate: amplitudeEstimates[0],
        effectiveSampleSize: effectiveSampleSize, measurementCount: mCount)
    report.association = AssociationSummary(iterations: iterations, converged: converged,
                                            featureExistence: state.existence, featureAmplitude: amplitudeEstimates)
    return report
}

/// §B.3 step 1, as in the Loca-LoS update: the constant-velocity model (stream agentPrediction, 2N normals) at
/// the first panel of a route, else regularization (stream regularization, 4N normals).
private func predictAgent(_ gamma: inout AgentParticles, filter: FilterParameters, key: PanelStepKey,
                          isFirstOfRoute: Bool, workspace: inout PanelWorkspace) {
    let n = gamma.count
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let random = scratchBuffer.baseAddress!
        gamma.withPointers { px, py, pvx, pvy in
            if isFirstOfRoute {
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentPrediction)
                    .fillNormals(random, count: 2 * n)
                predictConstantVelocity(x: px, y: py, vx: pvx, vy: pvy, count: n, normals: random,
                                        interval: Float(filter.samplingInterval),
                                        accelerationStd: Float(filter.accelerationStd))
            } else {
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .regularization)
                    .fillNormals(random, count: 4 * n)
                let h = Float(filter.regularizationFactor), floor = SIMD4<Float>(filter.regularizationFloor)
                regularizeAgent(x: px, y: py, vx: pvx, vy: pvy, count: n, normals: random, factor: h, floor: floor)
            }
        }
    }
}

/// §B.3 step 2 for every feature: with probability q_b,k = p_b(1 − p_e,k)/p_e,k⁻ a birth u ~ U[u_de, u_bmax],
/// else the random walk. Feature 0 draws 2N uniforms of amplitudePrediction (as Loca-LoS), feature k ≥ 1
/// uniforms [2N(k − 1), 2Nk) of featurePrediction; the first N of each become normals (Box–Muller).
func predictFeatureAmplitudes(_ state: inout MPCPanelState, predictedExistence: [Double],
                                      model: MPCPanelModel, key: PanelStepKey,
                                      workspace: inout MPCPanelWorkspace) {
    let n = model.panel.filter.particleCount
    let featureCount = model.featureCount
    let filter = model.panel.filter
    workspace.featureRandom.withUnsafeMutableBufferPointer { randomBuffer in
        let random = randomBuffer.baseAddress!
        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudePrediction)
            .fillUniformsOpenClosed(random, count: 2 * n)
        if featureCount > 1 {
            BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .featurePrediction)
                .fillUniformsOpenClosed(random + 2 * n, count: 2 * n * (featureCount - 1))
        }
        state.amplitude.withUnsafeMutableBufferPointer { amplitudeBuffer in
            for k in 0..<featureCount {
                let uniforms = random + 2 * n * k
                boxMullerInPlace(uniforms, count: n)
                let pe = state.existence[k]
                let birth = filter.birthProbability * (1 - pe) / predictedExistence[k]
                predictAmplitude(amplitudeBuffer.baseAddress! + k * n, count: n, normals: uniforms,
                                 uniforms: uniforms + n, birthProbability: Float(birth),
                                 randomWalkRelative: Float(filter.randomWalkRelative),
                                 randomWalkAbsolute: Float(filter.randomWalkAbsolute),
                                 detectionThreshold: Float(model.panel.radio.detectionThreshold),
                                 maxAmplitude: Float(model.panel.maxAmplitude))
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
