// MPCIslands: the Loca-MPC panel update with γ travelling as B islands, each island its own Loca-MPC filter (docs/MODEL.md §B.7).
import Scenario

/// How the islands of a Loca-MPC step are weighted against each other (docs/MODEL.md §B.7, "Island weights").
public enum MPCIslandWeighting: Sendable, Equatable {
    /// ℓ_b += log((1/n) Σ_{i∈b} ξ_i) + c_b, c_b the Bethe correction of island b's BP
    /// (``AssociationSolver/logBetheCorrection(logInputs:logMessages:features:measurements:values:)``): the default.
    case bethe
    /// ℓ_b += log((1/n) Σ_{i∈b} ξ_i), as Loca-LoS: ξ is BP's message, whose normaliser depends on the island's ν.
    case messageProduct
    /// ℓ_b left as it came: the islands combine with equal weights.
    case equal
}

/// What the islands of one Loca-MPC step at one panel share, set by
/// ``beginMPCPanelIslands(islandCount:state:measurements:model:key:workspace:)``.
struct MPCIslandStepContext {
    var key: PanelStepKey
    /// B, and n = N_p / B particles per island.
    var islands: Int, islandSize: Int
    /// Number of measurements M of the step.
    var measurementCount: Int
    /// Likelihood constants of the false-alarm-only clutter model (the source position is set per feature).
    var constants: LikelihoodConstants
}

/// What one island left at a Loca-MPC panel, kept until the panel's own feature states are updated.
struct MPCIslandSums {
    /// ℓ_b as the island arrived, before this panel's increment (natural log, dimensionless).
    var incomingLogWeight: Double = 0
    /// log â_b of the incoming weights, â_b = exp(ℓ_b) / Σ_c exp(ℓ_c) (set after the last island).
    var incomingLogShare: Double = 0
    /// The island's agent sums: mean from its pre-resampling weights, Σ w, Σ w² (the Loca-LoS fields).
    var agent = IslandSums()
    /// Iterations of the island's own BP association.
    var iterations = 0
}

extension MPCPanelWorkspace {
    /// Sizes the per-island storage for `count` islands of `featureCount` features (allocates only when B, K or the
    /// measurement capacity changes).
    mutating func prepareIslands(count: Int, featureCount: Int) {
        if islandSums.count != count { islandSums = [MPCIslandSums](repeating: MPCIslandSums(), count: count) }
        let size = 2 * count * featureCount * (measurementCapacity + 1)
        if islandLogSums.count != size { islandLogSums = [Double](repeating: 0, count: size) }
    }
}

/// One Loca-MPC panel update of γ split into B = `islandLogWeights.count` islands (docs/MODEL.md §B.7, "Loca-MPC"):
/// island b is particles b·n ..< (b + 1)·n, n = N_p/B, with log weight ℓ_b in `islandLogWeights[b]`.
///
/// Each island is a self-contained Loca-MPC filter of n particles: its own BP inputs
/// β̄_{b,k}(m) = p_e,k⁻ (1/n) Σ_{i∈b} b_k^(i)(m) (β̄_{b,k}(0) adds 1 − p_e,k⁻), its own BP, its own feature weights and
/// agent weights ∝ ξ, ℓ_b += log((1/n) Σ_{i∈b} ξ_i) + c_b with the Bethe correction c_b of its BP (see
/// ``updateMPCPanelIsland(_:of:logWeight:state:model:isFirstOfRoute:isLastOfRoute:weighting:workspace:)``), and
/// (unless `isLastOfRoute`) its own systematic resampling. After
/// the last island, the panel's own feature states come from one association whose inputs are the mixture
/// p_e,k⁻ Σ_b â_b (1/n) S_{b,k}(m), S_{b,k}(m) = Σ_{i∈b} b_k^(i)(m), weighted by the islands' incoming normalised weights
/// â_b; existence and amplitude estimates from the same sums, and amplitude resampling with per-particle weights
/// â_b w_k^(i). The four phases, in this order here and as a streamed panel process runs them (islands in any order):
/// ``beginMPCPanelIslands(islandCount:state:measurements:model:key:workspace:)``,
/// ``updateMPCPanelIsland(_:of:logWeight:state:model:isFirstOfRoute:isLastOfRoute:weighting:workspace:)`` per island,
/// ``reportMPCPanelIslands(islandLogWeights:state:model:workspace:)``,
/// ``finishMPCPanelIslands(_:islandLogWeights:state:model:isLastOfRoute:workspace:)``.
///
/// Random streams as Loca-LoS islands: the feature amplitude prediction and resampling are the panel's (as with one
/// island); island b's agent prediction / regularization and in-island resampling use island b of those purposes
/// (purpose word + 256·b); the global resampling at the last panel uses agentResampling itself. With one island this
/// is ``updateMPCPanel(_:state:measurements:model:key:isFirstOfRoute:workspace:)`` (it is called). No clock, thread,
/// global state or libm; no heap allocation once the workspace is sized, except the report's two K + 1 arrays.
/// - Precondition: N_p divisible by B with N_p/B a positive multiple of 16; `state` has N_p amplitudes per feature.
public func updateMPCPanelIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                  state: inout MPCPanelState, measurements: PanelMeasurements, model: MPCPanelModel,
                                  key: PanelStepKey, isFirstOfRoute: Bool, isLastOfRoute: Bool,
                                  weighting: MPCIslandWeighting = .bethe,
                                  workspace: inout MPCPanelWorkspace) -> PanelReport {
    let islands = islandLogWeights.count
    precondition(islands >= 1, "at least one island")
    if islands == 1 {
        return updateMPCPanel(&gamma, state: &state, measurements: measurements, model: model, key: key,
                              isFirstOfRoute: isFirstOfRoute, workspace: &workspace)
    }
    precondition(gamma.count == model.panel.filter.particleCount, "agent particles and the model differ in N_p")
    beginMPCPanelIslands(islandCount: islands, state: &state, measurements: measurements, model: model, key: key,
                         workspace: &workspace)
    for b in 0..<islands {
        updateMPCPanelIsland(b, of: &gamma, logWeight: &islandLogWeights[b], state: state, model: model,
                             isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute,
                             weighting: weighting, workspace: &workspace)
    }
    let report = reportMPCPanelIslands(islandLogWeights: islandLogWeights, state: &state, model: model,
                                       workspace: &workspace)
    finishMPCPanelIslands(&gamma, islandLogWeights: &islandLogWeights, state: &state, model: model,
                          isLastOfRoute: isLastOfRoute, workspace: &workspace)
    return report
}

/// Phase 1: predicted existence p_e,k⁻ and the amplitude prediction of every feature's N_p particles (the panel's own
/// streams, as with one island), and the measurement terms. Needs no γ.
/// - Precondition: B ≥ 2 divides N_p into islands of a positive multiple of 16 particles; `state` matches `model`.
public func beginMPCPanelIslands(islandCount islands: Int, state: inout MPCPanelState,
                                 measurements: PanelMeasurements, model: MPCPanelModel, key: PanelStepKey,
                                 workspace: inout MPCPanelWorkspace) {
    let total = model.panel.filter.particleCount, featureCount = model.featureCount
    precondition(islands >= 2 && total > 0 && total % islands == 0 && (total / islands) % 16 == 0 && total < 1 << 22,
                 "N_p = \(total) does not split into \(islands) islands of a multiple of 16 particles")
    precondition(state.featureCount == featureCount && state.amplitude.count == total * featureCount,
                 "panel state does not match the model's features and the particle count")
    let mCount = measurements.count
    workspace.prepare(particleCount: total, featureCount: featureCount, measurementCount: mCount)
    workspace.prepareIslands(count: islands, featureCount: featureCount)
    let filter = model.panel.filter
    for k in 0..<featureCount {
        let pe = state.existence[k]
        workspace.predictedExistence[k] = filter.survivalProbability * pe + filter.birthProbability * (1 - pe)
    }
    let predicted = workspace.predictedExistence
    fillMeasurementTerms(measurements, model: model.clutterModel, into: &workspace.base)
    predictFeatureAmplitudes(&state, predictedExistence: predicted, model: model, key: key, workspace: &workspace)
    workspace.islandStep = MPCIslandStepContext(key: key, islands: islands, islandSize: total / islands,
                                                measurementCount: mCount,
                                                constants: likelihoodConstants(model.clutterModel))
}

/// Phase 2: island `island` of the step begun by ``beginMPCPanelIslands``, as its own Loca-MPC filter (any order, each
/// island once). Reads and writes only particles island·n ..< (island + 1)·n of `gamma` (all N_p particles) and,
/// unless `isLastOfRoute`, leaves the island resampled within itself in its slice. Its ratios, agent weights and the
/// sums S_{b,k}(m), T_{b,k}(m) stay in the workspace for phases 3–4; nothing it computes depends on another island.
///
/// `logWeight` (ℓ_b, natural log) is the island's incoming weight; with `weighting` .bethe (the default) it gets
/// ℓ_b += log((1/n) Σ_{i∈b} ξ_i) + c_b. Π_k ξ_k is BP's message to the agent, the likelihood only up to a factor that
/// depends on the island's own BP messages ν; c_b = Σ_m log(1 + Σ_k φ_{k→m}) − Σ_{k,m} log(1 + φ_{k→m} ν_{m→k}) is
/// that factor in the Bethe approximation (exact on trees). Without it (.messageProduct, the plain Loca-LoS form) the
/// island weights were measured to hurt (J = 4, 40 MHz, 20 runs: RMSE +54 % at B = 8, divergence at B = 16); .equal
/// leaves ℓ_b unchanged (docs/RESULTS.md, Islands).
public func updateMPCPanelIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                                 state: MPCPanelState, model: MPCPanelModel, isFirstOfRoute: Bool,
                                 isLastOfRoute: Bool, weighting: MPCIslandWeighting = .bethe,
                                 workspace: inout MPCPanelWorkspace) {
    guard let context = workspace.islandStep else {
        preconditionFailure("updateMPCPanelIsland before beginMPCPanelIslands")
    }
    precondition(island >= 0 && island < context.islands && gamma.count == context.islands * context.islandSize,
                 "island \(island) of \(context.islands) on γ of \(gamma.count) particles")
    let total = gamma.count, n = context.islandSize, o = island * n, key = context.key
    let featureCount = model.featureCount, mCount = context.measurementCount, width = mCount + 1
    let filter = model.panel.filter
    let logIslandSize = deterministicLog(Double(n))
    let incoming = logWeight
    let predicted = workspace.predictedExistence
    var constants = context.constants
    var iterations = 0
    gamma.withPointers { px, py, pvx, pvy in
        let x = px + o, y = py + o, vx = pvx + o, vy = pvy + o
        workspace.base.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
            let scratch = scratchBuffer.baseAddress!
            let random = scratch, islandWeights = scratch + 4 * total
            // 1. agent prediction / regularization of this island alone
            predictIsland(island, x: x, y: y, vx: vx, vy: vy, count: n, random: random, filter: filter, key: key,
                          isFirstOfRoute: isFirstOfRoute)
            // 3. log ratios of the island's particles; the island's BP inputs and the sums S, T for phase 3
            state.amplitude.withUnsafeBufferPointer { amplitudeBuffer in
            workspace.base.measurementTerms.withUnsafeBufferPointer { termsBuffer in
            workspace.logMiss.withUnsafeMutableBufferPointer { missBuffer in
            workspace.ratios.withUnsafeMutableBufferPointer { ratioBuffer in
            workspace.islandLogSums.withUnsafeMutableBufferPointer { sumsBuffer in
            workspace.logInputs.withUnsafeMutableBufferPointer { inputs in
                let terms = termsBuffer.baseAddress!
                for k in 0..<featureCount {
                    let feature = model.features[k]
                    constants.panelX = Float(feature.source.x)
                    constants.panelY = Float(feature.source.y)
                    let u = amplitudeBuffer.baseAddress! + k * total + o
                    let miss = missBuffer.baseAddress! + k * total + o
                    let ratios = ratioBuffer.baseAddress! + (k * context.islands + island) * mCount * n
                    featureLogRatios(measurementCount: mCount, count: n, x: x, y: y, amplitude: u,
                                     constants: constants, angleMap: AngleMap(feature.angleMap), terms: terms,
                                     logMiss: miss, ratios: ratios)
                    let logAlive = deterministicLog(predicted[k]) - logIslandSize
                    let logDead = deterministicLog(1 - predicted[k])
                    let sums = sumsBuffer.baseAddress! + 2 * ((island * featureCount + k) * width)
                    for m in 0...mCount {
                        let s = maxAndScaledSums(m == 0 ? UnsafePointer(miss) : UnsafePointer(ratios + (m - 1) * n),
                                                 amplitude: u, count: n)
                        let logS = Double(s.top) + deterministicLog(Double(s.sum))
                        sums[2 * m] = logS
                        sums[2 * m + 1] = Double(s.top) + deterministicLog(Double(s.weightedSum))
                        inputs[k * width + m] = m == 0 ? logAddExp(logAlive + logS, logDead) : logAlive + logS
                    }
                }
            }}}}}}
            // 4. the island's BP data association
            iterations = workspace.logInputs.withUnsafeBufferPointer { inputs in
                workspace.logMessages.withUnsafeMutableBufferPointer { messages in
                    workspace.solverScratch.withUnsafeMutableBufferPointer { solverScratch in
                        AssociationSolver.solve(logInputs: inputs.baseAddress!, features: featureCount,
                                                measurements: mCount, tolerance: filter.associationTolerance,
                                                maxIterations: filter.associationMaxIterations,
                                                logMessages: messages.baseAddress,
                                                scratch: solverScratch.baseAddress).iterations
                    }
                }
            }
            let betheCorrection = weighting != .bethe ? 0 : workspace.logInputs.withUnsafeBufferPointer { inputs in
                workspace.logMessages.withUnsafeBufferPointer { messages in
                    workspace.solverScratch.withUnsafeMutableBufferPointer { values in
                        AssociationSolver.logBetheCorrection(logInputs: inputs.baseAddress!,
                                                             logMessages: messages.baseAddress!,
                                                             features: featureCount, measurements: mCount,
                                                             values: values.baseAddress!)
                    }
                }
            }
            // 5. the island's feature weights (on a copy of log b_k(0): phase 4 needs it) and log ξ
            workspace.logMiss.withUnsafeBufferPointer { missBuffer in
            workspace.ratios.withUnsafeBufferPointer { ratioBuffer in
            workspace.logXi.withUnsafeMutableBufferPointer { xiBuffer in
            workspace.featureMessages.withUnsafeMutableBufferPointer { messageBuffer in
                let logXi = xiBuffer.baseAddress! + o, messages = messageBuffer.baseAddress!
                for k in 0..<featureCount {
                    for m in 0..<mCount { messages[m] = Float(workspace.logMessages[k * mCount + m]) }
                    islandWeights.update(from: missBuffer.baseAddress! + k * total + o, count: n)
                    featureLogWeights(measurementCount: mCount, count: n, logMiss: islandWeights,
                                      ratios: ratioBuffer.baseAddress! + (k * context.islands + island) * mCount * n,
                                      logMessages: messages)
                    let pe = predicted[k]
                    accumulateFeatureMessage(logWeights: islandWeights, count: n,
                                             logAlive: Float(deterministicLog(pe)),
                                             logDead: Float(deterministicLog(1 - pe)), into: logXi, first: k == 0)
                }
            }}}}
            // agent weights ∝ ξ, the island's mean and log weight
            let s = workspace.logXi.withUnsafeBufferPointer { xiBuffer in
                agentWeights(logXi: xiBuffer.baseAddress! + o, count: n, x: x, y: y, vx: vx, vy: vy,
                             weights: scratch + 5 * total + o)
            }
            workspace.islandSums[island] = MPCIslandSums(
                incomingLogWeight: incoming,
                agent: IslandSums(mean: SIMD4<Double>(s.origin) + SIMD4<Double>(s.offsets) / Double(s.sum),
                                  weightSum: s.sum, weightSquares: s.squares),
                iterations: iterations)
            // log Σ ξ = max log ξ + log Σ w; with evidence weighting ℓ_b += log((1/n) Σ ξ)
            if weighting != .equal {
                logWeight += Double(s.top) + deterministicLog(Double(s.sum)) - logIslandSize + betheCorrection
            }
            // γ out: the island resampled within itself (the last panel resamples globally instead)
            if !isLastOfRoute {
                let offset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                              purpose: .agentResampling, island: island).firstUniformClosedOpen()
                workspace.base.indices.withUnsafeMutableBufferPointer { indexBuffer in
                    workspace.base.nextAgent.withPointers { qx, qy, qvx, qvy in
                        let ancestors = indexBuffer.baseAddress! + o, marks = indexBuffer.baseAddress! + total + 1 + o
                        systematicResamplingIndices(weights: scratch + 5 * total + o, count: n, offset: offset,
                                                    cumulative: scratch + 7 * total + o, marks: marks,
                                                    ancestors: ancestors)
                        for i in 0..<n {
                            let a = Int(ancestors[i])
                            qx[o + i] = x[a]; qy[o + i] = y[a]; qvx[o + i] = vx[a]; qvy[o + i] = vy[a]
                        }
                        for i in 0..<n {
                            x[i] = qx[o + i]; y[i] = qy[o + i]; vx[i] = qvx[o + i]; vy[i] = qvy[o + i]
                        }
                    }
                }
            }
        }
    }
}

/// §B.3 step 1 for island `island` alone: the constant-velocity model (island stream of agentPrediction, 2n normals)
/// at the first panel of a route, else regularization with the island's own spread (island stream of regularization,
/// 4n normals). `random` holds 4n floats of scratch.
func predictIsland(_ island: Int, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>,
                   vx: UnsafeMutablePointer<Float>, vy: UnsafeMutablePointer<Float>, count n: Int,
                   random: UnsafeMutablePointer<Float>, filter: FilterParameters, key: PanelStepKey,
                   isFirstOfRoute: Bool) {
    if isFirstOfRoute {
        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentPrediction, island: island)
            .fillNormals(random, count: 2 * n)
        predictConstantVelocity(x: x, y: y, vx: vx, vy: vy, count: n, normals: random,
                                interval: Float(filter.samplingInterval), accelerationStd: Float(filter.accelerationStd))
    } else {
        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .regularization, island: island)
            .fillNormals(random, count: 4 * n)
        regularizeAgent(x: x, y: y, vx: vx, vy: vy, count: n, normals: random,
                        factor: Float(filter.regularizationFactor), floor: SIMD4<Float>(filter.regularizationFloor))
    }
}
