// PanelIslands: the Loca-LoS panel update with γ travelling as B islands, in phases a panel runs as islands arrive (docs/MODEL.md §B.7, issue 21).
import Scenario

/// What one island left at a panel: kept until the panel's own state is updated after the last island.
struct IslandSums {
    /// Island mean Σ w x / Σ w from the island's pre-resampling agent weights: (p_x, p_y) m, (v_x, v_y) m/s.
    var mean: SIMD4<Double> = .zero
    /// Σ w and Σ w² of the island's agent weights (scaled so that the largest is about 1).
    var weightSum: Float = 0, weightSquares: Float = 0
    /// max log β over the island's particles, Σ exp(log β − max) and Σ exp(log β − max) · u.
    var maxLogBeta: Float = 0, amplitudeWeightSum: Float = 0, amplitudeWeightedSum: Float = 0
}

/// What the islands of one step at one panel share, set by ``beginPanelIslands(islandCount:state:measurements:model:key:workspace:)``.
struct IslandStepContext {
    var key: PanelStepKey
    /// B, and n = N_p / B particles per island.
    var islands: Int, islandSize: Int
    /// Number of measurements M of the step.
    var measurementCount: Int
    /// Predicted existence p_e⁻ (dimensionless).
    var predictedExistence: Double
    var constants: LikelihoodConstants
}

extension PanelWorkspace {
    /// Sizes the per-island sums for `count` islands (allocates only when the island count changes).
    mutating func prepareIslands(count: Int) {
        if islandSums.count != count { islandSums = [IslandSums](repeating: IslandSums(), count: count) }
    }
}

/// How the islands' log weights combine: â_b = exp(ℓ_b − max ℓ) / Σ_c exp(ℓ_c − max ℓ) (dimensionless, sum 1).
/// Pure arithmetic of the module (no libm): the same weights in every process.
public func normalizedIslandWeights(_ logWeights: [Double]) -> [Double] {
    guard let top = logWeights.max() else { return [] }
    let shares = logWeights.map { deterministicExp($0 - top) }
    let total = shares.reduce(0, +)
    return shares.map { $0 / total }
}

/// One Loca-LoS panel update of γ split into B = `islandLogWeights.count` islands (docs/MODEL.md §B.7); island b
/// is particles b·n ..< (b + 1)·n, n = N_p/B, and `islandLogWeights[b]` its log weight ℓ_b (natural log,
/// dimensionless; all 0 when the step starts, i.e. after a global resampling).
///
/// The four phases in order — what a streamed panel process runs as the islands arrive, in any order:
/// ``beginPanelIslands(islandCount:state:measurements:model:key:workspace:)`` (2. the panel's own amplitude
/// prediction: needs no γ), ``updatePanelIsland(_:of:logWeight:state:model:isFirstOfRoute:isLastOfRoute:workspace:)``
/// for every island (1. agent prediction / regularization, 3. log β, 4.–5. weights, ℓ_b += log((1/n) Σ_i ξ_i) and,
/// unless `isLastOfRoute`, systematic resampling within the island), ``reportPanelIslands(islandLogWeights:state:model:workspace:)``
/// (6.–7. existence and the estimate Σ_b â_b x̄_b from the islands' sums: O(B)), and
/// ``finishPanelIslands(_:islandLogWeights:state:isLastOfRoute:workspace:)`` (8. amplitude resampling over all N_p
/// particles with weights ∝ β; if `isLastOfRoute`, one global systematic resampling of all N_p particles with weights
/// â_b w_i / Σ_{i∈b} w_i, after which every ℓ_b is 0).
///
/// Random streams: the amplitude prediction and resampling are the panel's (as with one island); island b's
/// agent prediction / regularization and in-island resampling use ``BulkRandomStream`` island b of those
/// purposes (purpose word + 256·b); the global resampling uses agentResampling itself. With one island this is
/// ``updatePanel(_:state:measurements:model:key:isFirstOfRoute:workspace:)`` exactly (bit for bit: it is called).
/// No clock, thread, global state or libm; no heap allocation once the workspace is sized.
/// - Precondition: N_p divisible by B with N_p/B a positive multiple of 16; `state.amplitude.count == N_p`.
public func updatePanelIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                               state: inout PanelState, measurements: PanelMeasurements, model: PanelModel,
                               key: PanelStepKey, isFirstOfRoute: Bool, isLastOfRoute: Bool,
                               workspace: inout PanelWorkspace) -> PanelReport {
    let islands = islandLogWeights.count
    precondition(islands >= 1, "at least one island")
    if islands == 1 {
        return updatePanel(&gamma, state: &state, measurements: measurements, model: model, key: key,
                           isFirstOfRoute: isFirstOfRoute, workspace: &workspace)
    }
    precondition(gamma.count == state.amplitude.count, "panel state and agent particles differ in particle count")
    beginPanelIslands(islandCount: islands, state: &state, measurements: measurements, model: model, key: key,
                      workspace: &workspace)
    for b in 0..<islands {
        updatePanelIsland(b, of: &gamma, logWeight: &islandLogWeights[b], state: state, model: model,
                          isFirstOfRoute: isFirstOfRoute, isLastOfRoute: isLastOfRoute, workspace: &workspace)
    }
    let report = reportPanelIslands(islandLogWeights: islandLogWeights, state: &state, model: model,
                                    workspace: &workspace)
    finishPanelIslands(&gamma, islandLogWeights: &islandLogWeights, state: &state, isLastOfRoute: isLastOfRoute,
                       workspace: &workspace)
    return report
}

/// Phase 1 of a step's island update (``updatePanelIslands``): predicted existence, the measurement terms and the
/// amplitude prediction of all N_p amplitude particles (the panel's own state: it does not wait for γ).
/// - Precondition: B ≥ 2 divides N_p = `state.amplitude.count` into islands of a positive multiple of 16 particles.
public func beginPanelIslands(islandCount islands: Int, state: inout PanelState, measurements: PanelMeasurements,
                              model: PanelModel, key: PanelStepKey, workspace: inout PanelWorkspace) {
    let total = state.amplitude.count
    precondition(islands >= 2 && total > 0 && total % islands == 0 && (total / islands) % 16 == 0 && total < 1 << 22,
                 "N_p = \(total) does not split into \(islands) islands of a multiple of 16 particles")
    let mCount = measurements.count
    workspace.prepare(particleCount: total, measurementCount: mCount)
    workspace.prepareIslands(count: islands)
    let filter = model.filter
    // 2 (scalars). predicted existence p_e⁻ and birth probability q_b
    let pe = state.existence
    let predictedExistence = filter.survivalProbability * pe + filter.birthProbability * (1 - pe)
    let birth = filter.birthProbability * (1 - pe) / predictedExistence
    workspace.islandStep = IslandStepContext(key: key, islands: islands, islandSize: total / islands,
                                             measurementCount: mCount, predictedExistence: predictedExistence,
                                             constants: likelihoodConstants(model))
    fillMeasurementTerms(measurements, model: model, into: &workspace)
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let random = scratchBuffer.baseAddress!
        state.amplitude.withUnsafeMutableBufferPointer { amplitudeBuffer in
            // 2. amplitude prediction of all N_p
            BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudePrediction)
                .fillUniformsOpenClosed(random, count: 2 * total)
            boxMullerInPlace(random, count: total)
            predictAmplitude(amplitudeBuffer.baseAddress!, count: total, normals: random, uniforms: random + total,
                             birthProbability: Float(birth), randomWalkRelative: Float(filter.randomWalkRelative),
                             randomWalkAbsolute: Float(filter.randomWalkAbsolute),
                             detectionThreshold: Float(model.radio.detectionThreshold),
                             maxAmplitude: Float(model.maxAmplitude))
        }
    }
}

/// Phase 2: island `island` of the step begun by ``beginPanelIslands``, on its own (any order, each island once):
/// reads and writes only particles island·n ..< (island + 1)·n of `gamma` (all N_p particles), adds the island's
/// log-likelihood increment log((1/n) Σ ξ) to `logWeight` (natural log) and, unless `isLastOfRoute`, leaves the island
/// resampled within itself in its slice of `gamma`. Its weights and sums stay in the workspace for phases 3–4.
public func updatePanelIsland(_ island: Int, of gamma: inout AgentParticles, logWeight: inout Double,
                              state: PanelState, model: PanelModel, isFirstOfRoute: Bool, isLastOfRoute: Bool,
                              workspace: inout PanelWorkspace) {
    guard let context = workspace.islandStep else { preconditionFailure("updatePanelIsland before beginPanelIslands") }
    precondition(island >= 0 && island < context.islands && gamma.count == context.islands * context.islandSize,
                 "island \(island) of \(context.islands) on γ of \(gamma.count) particles")
    let total = gamma.count, n = context.islandSize, o = island * n, key = context.key
    let filter = model.filter, capacity = workspace.measurementCapacity
    let h = Float(filter.regularizationFactor), floor = SIMD4<Float>(filter.regularizationFloor)
    let interval = Float(filter.samplingInterval), accelerationStd = Float(filter.accelerationStd)
    let logIslandSize = deterministicLog(Double(n))
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let random = scratch, logBeta = scratch + 4 * total, agentWeights = scratch + 5 * total
        let amplitudeWeights = scratch + 6 * total, cumulative = scratch + 7 * total
        state.amplitude.withUnsafeBufferPointer { amplitudeBuffer in
        workspace.measurementTerms.withUnsafeMutableBufferPointer { termsBuffer in
        workspace.indices.withUnsafeMutableBufferPointer { indexBuffer in
        workspace.islandSums.withUnsafeMutableBufferPointer { sumsBuffer in
        gamma.withPointers { px, py, pvx, pvy in
        workspace.nextAgent.withPointers { qx, qy, qvx, qvy in
            let u = amplitudeBuffer.baseAddress!, terms = termsBuffer.baseAddress!
            let ancestors = indexBuffer.baseAddress!, marks = ancestors + total + 1
            let x = px + o, y = py + o, vx = pvx + o, vy = pvy + o
            // 1. agent prediction / regularization of this island alone
            if isFirstOfRoute {
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentPrediction,
                                 island: island).fillNormals(random, count: 2 * n)
                predictConstantVelocity(x: x, y: y, vx: vx, vy: vy, count: n, normals: random,
                                        interval: interval, accelerationStd: accelerationStd)
            } else {
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .regularization,
                                 island: island).fillNormals(random, count: 4 * n)
                regularizeAgent(x: x, y: y, vx: vx, vy: vy, count: n, normals: random, factor: h, floor: floor)
            }
            // 3. log β, 4.–5. weights, the island's mean and log weight
            logPseudoLikelihood(measurementCount: context.measurementCount, count: n, x: x, y: y, amplitude: u + o,
                                out: logBeta + o, constants: context.constants, terms: terms,
                                ellScratch: terms + MeasurementTerms.stride * capacity)
            let s = posteriorWeights(logBeta: logBeta + o, count: n, predictedExistence: context.predictedExistence,
                                     x: x, y: y, vx: vx, vy: vy, amplitude: u + o,
                                     agentWeights: agentWeights + o, amplitudeWeights: amplitudeWeights + o)
            sumsBuffer[island] = IslandSums(
                mean: SIMD4<Double>(s.origin) + SIMD4<Double>(s.weightedOffsets) / Double(s.agentWeightSum),
                weightSum: s.agentWeightSum, weightSquares: s.agentWeightSquares, maxLogBeta: s.maxLogBeta,
                amplitudeWeightSum: s.amplitudeWeightSum, amplitudeWeightedSum: s.amplitudeWeightedSum)
            // log Σ ξ = max log ξ + log Σ w; ℓ_b += log((1/n) Σ ξ)
            logWeight += Double(s.maxLogXi) + deterministicLog(Double(s.agentWeightSum)) - logIslandSize
            // 5. γ out: the island resampled within itself (the last panel resamples globally instead)
            if !isLastOfRoute {
                let offset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                              purpose: .agentResampling, island: island).firstUniformClosedOpen()
                let islandAncestors = ancestors + o
                systematicResamplingIndices(weights: agentWeights + o, count: n, offset: offset,
                                            cumulative: cumulative + o, marks: marks + o, ancestors: islandAncestors)
                for i in 0..<n {
                    let k = Int(islandAncestors[i])
                    qx[o + i] = x[k]; qy[o + i] = y[k]; qvx[o + i] = vx[k]; qvy[o + i] = vy[k]
                }
                for i in 0..<n {
                    x[i] = qx[o + i]; y[i] = qy[o + i]; vx[i] = qvx[o + i]; vy[i] = qvy[o + i]
                }
            }
        }}}}}}
    }
}

/// Phase 3, after every island: existence (6.–7.), the amplitude estimate, and the estimate Σ_b â_b x̄_b with its
/// effective sample size, from the islands' sums and `islandLogWeights` (this panel's increments included). O(B); sets
/// `state.existence`.
public func reportPanelIslands(islandLogWeights: [Double], state: inout PanelState, model: PanelModel,
                               workspace: inout PanelWorkspace) -> PanelReport {
    guard let context = workspace.islandStep else { preconditionFailure("reportPanelIslands before beginPanelIslands") }
    precondition(islandLogWeights.count == context.islands, "\(islandLogWeights.count) log weights for \(context.islands) islands")
    let total = context.islands * context.islandSize, predictedExistence = context.predictedExistence
    let sums = workspace.islandSums
    var top = sums[0].maxLogBeta
    for b in 1..<context.islands where sums[b].maxLogBeta > top { top = sums[b].maxLogBeta }
    var betaSum: Float = 0, betaWeightedSum: Float = 0
    for b in 0..<context.islands {
        let f = expScalar(sums[b].maxLogBeta - top)
        betaSum += f * sums[b].amplitudeWeightSum
        betaWeightedSum += f * sums[b].amplitudeWeightedSum
    }
    let logBetaSum = top + logScalar(betaSum)
    let existence = posteriorExistence(logBetaSum: logBetaSum, predictedExistence: predictedExistence, count: total)
    state.existence = existence
    // the estimate and effective sample size of the weighted islands (before the global resampling)
    let (estimate, effectiveSampleSize) = combineIslands(islandLogWeights, sums: sums)
    return PanelReport(
        estimate: estimate, existence: existence, predictedExistence: predictedExistence,
        losDetected: existence > model.filter.existenceThreshold,
        amplitudeEstimate: Double(betaWeightedSum) / Double(betaSum),
        effectiveSampleSize: effectiveSampleSize, measurementCount: context.measurementCount)
}

/// Phase 4: the amplitude resampling over all N_p particles with weights ∝ β (8.) and, if `isLastOfRoute`, the
/// global systematic resampling of `gamma` (all N_p particles, none resampled within its island) with weights
/// â_b w_i / Σ_{i∈b} w_i, after which every entry of `islandLogWeights` is 0. Ends the step's island update.
public func finishPanelIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                               state: inout PanelState, isLastOfRoute: Bool, workspace: inout PanelWorkspace) {
    guard let context = workspace.islandStep else { preconditionFailure("finishPanelIslands before beginPanelIslands") }
    workspace.islandStep = nil
    let islands = context.islands, n = context.islandSize, total = islands * n, key = context.key
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let agentWeights = scratch + 5 * total, amplitudeWeights = scratch + 6 * total, cumulative = scratch + 7 * total
        workspace.indices.withUnsafeMutableBufferPointer { indexBuffer in
        workspace.islandSums.withUnsafeMutableBufferPointer { sumsBuffer in
        islandLogWeights.withUnsafeMutableBufferPointer { logWeights in
            let ancestors = indexBuffer.baseAddress!, marks = ancestors + total + 1
            var top = sumsBuffer[0].maxLogBeta
            for b in 1..<islands where sumsBuffer[b].maxLogBeta > top { top = sumsBuffer[b].maxLogBeta }
            for b in 0..<islands {
                let f = expScalar(sumsBuffer[b].maxLogBeta - top)
                if f != 1 { scale(amplitudeWeights + b * n, count: n, by: f) }
            }
            let amplitudeOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                                   purpose: .amplitudeResampling).firstUniformClosedOpen()
            systematicResamplingIndices(weights: amplitudeWeights, count: total, offset: amplitudeOffset,
                                        cumulative: cumulative, marks: marks, ancestors: ancestors)
            state.amplitude.withUnsafeMutableBufferPointer { u in
                workspace.nextAmplitude.withUnsafeMutableBufferPointer { target in
                    gather(u.baseAddress!, target.baseAddress!, ancestors: ancestors, count: total)
                }
            }
            // the last panel: one global resampling with weights â_b w_i / Σ_b w; every island weight is then 0
            if isLastOfRoute {
                let shares = islandShares(logWeights.baseAddress!, count: islands)
                for b in 0..<islands {
                    let share = deterministicExp(logWeights[b] - shares.top) / shares.total
                    scale(agentWeights + b * n, count: n, by: Float(share / Double(sumsBuffer[b].weightSum)))
                }
                let offset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                              purpose: .agentResampling).firstUniformClosedOpen()
                systematicResamplingIndices(weights: agentWeights, count: total, offset: offset,
                                            cumulative: cumulative, marks: marks, ancestors: ancestors)
                gamma.withPointers { px, py, pvx, pvy in
                    workspace.nextAgent.withPointers { qx, qy, qvx, qvy in
                        gather(px, qx, ancestors: ancestors, count: total)
                        gather(py, qy, ancestors: ancestors, count: total)
                        gather(pvx, qvx, ancestors: ancestors, count: total)
                        gather(pvy, qvy, ancestors: ancestors, count: total)
                    }
                }
                for b in 0..<islands { logWeights[b] = 0 }
            }
        }}}
    }
    swap(&state.amplitude, &workspace.nextAmplitude)
    if isLastOfRoute { swap(&gamma, &workspace.nextAgent) }
}

/// The islands combined where no panel weighted them last — a step whose last live panel handed them on or whose
/// route ended at their sender: one systematic resampling of all N_p particles (each island resampled within itself,
/// so equal weights inside it) with weights ∝ exp(ℓ_b) / n, using `key`'s agentResampling stream; every ℓ_b is then 0.
/// An island whose ℓ_b is −∞ (dropped) contributes nothing. No libm; allocates its scratch.
/// - Precondition: some ℓ_b is finite; N_p divisible by B.
public func resampleIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double], key: PanelStepKey) {
    let islands = islandLogWeights.count, total = gamma.count
    precondition(islands >= 1 && total % islands == 0 && total > 0, "γ of \(total) particles in \(islands) islands")
    precondition(islandLogWeights.contains { $0.isFinite }, "no island has a finite log weight")
    let n = total / islands
    let top = islandLogWeights.filter(\.isFinite).max()!
    var weights = [Float](repeating: 0, count: total)
    for b in 0..<islands where islandLogWeights[b].isFinite {
        let w = Float(deterministicExp(islandLogWeights[b] - top))
        for i in 0..<n { weights[b * n + i] = w }
    }
    var cumulative = [Float](repeating: 0, count: total)
    var indices = [Int32](repeating: 0, count: 2 * total + 1)
    var next = AgentParticles(count: total)
    let offset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentResampling)
        .firstUniformClosedOpen()
    weights.withUnsafeMutableBufferPointer { w in
    cumulative.withUnsafeMutableBufferPointer { c in
    indices.withUnsafeMutableBufferPointer { index in
        let ancestors = index.baseAddress!
        systematicResamplingIndices(weights: w.baseAddress!, count: total, offset: offset, cumulative: c.baseAddress!,
                                    marks: ancestors + total + 1, ancestors: ancestors)
        gamma.withPointers { px, py, pvx, pvy in
            next.withPointers { qx, qy, qvx, qvy in
                gather(px, qx, ancestors: ancestors, count: total)
                gather(py, qy, ancestors: ancestors, count: total)
                gather(pvx, qvx, ancestors: ancestors, count: total)
                gather(pvy, qvy, ancestors: ancestors, count: total)
            }
        }
    }}}
    gamma = next
    for b in 0..<islands { islandLogWeights[b] = 0 }
}
/// max ℓ and Σ_b exp(ℓ_b − max ℓ) of B island log weights.
func islandShares(_ logWeights: UnsafePointer<Double>, count: Int) -> (top: Double, total: Double) {
    var top = logWeights[0]
    for b in 1..<count where logWeights[b] > top { top = logWeights[b] }
    var total = 0.0
    for b in 0..<count { total += deterministicExp(logWeights[b] - top) }
    return (top, total)
}

/// MMSE estimate Σ_b â_b x̄_b ((p_x, p_y) m, (v_x, v_y) m/s) and effective sample size
/// 1 / Σ_b â_b² (Σ w²)_b / (Σ w)_b² (particles) of the islands with log weights `logWeights`.
func combineIslands(_ logWeights: [Double], sums: [IslandSums]) -> (SIMD4<Double>, Double) {
    logWeights.withUnsafeBufferPointer { weights in
        let shares = islandShares(weights.baseAddress!, count: weights.count)
        var estimate = SIMD4<Double>.zero, squares = 0.0
        for b in 0..<weights.count {
            let share = deterministicExp(weights[b] - shares.top) / shares.total
            estimate += share * sums[b].mean
            let sum = Double(sums[b].weightSum)
            squares += share * share * Double(sums[b].weightSquares) / (sum * sum)
        }
        return (estimate, 1 / squares)
    }
}

/// values[i] *= factor for i < count (count a multiple of 8).
@inline(__always)
func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
    var i = 0
    while i < count { (F8.load(values + i) * factor).store(values + i); i += 8 }
}
