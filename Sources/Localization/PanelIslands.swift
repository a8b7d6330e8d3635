// PanelIslands: the Loca-LoS panel update with γ travelling as B islands (docs/MODEL.md §B.7, issue 21).
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
/// Per island, in island order and each on its own (what a streamed panel does as each island arrives):
/// 1. agent prediction (constant velocity if `isFirstOfRoute`) or regularization with the island's own
///    spread; 3. log β of its particles with the amplitude particles of the same indices; 4.–5. agent weights
///    w ∝ ξ = p_e⁻ β + (1 − p_e⁻), ℓ_b += log((1/n) Σ_i ξ_i), and (unless `isLastOfRoute`) systematic resampling
///    of the island within itself.
/// After the last island, from all of them: 6.–8. existence and amplitude resampling with weights ∝ β over all
/// N_p particles (as with one island); the estimate is Σ_b â_b x̄_b (island means x̄_b from the pre-resampling
/// weights, â_b from ``normalizedIslandWeights(_:)``); if `isLastOfRoute`, one global systematic resampling of
/// all N_p particles with weights â_b w_i / Σ_{i∈b} w_i, after which every ℓ_b is 0.
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
    let total = gamma.count
    precondition(total > 0 && total % islands == 0 && (total / islands) % 16 == 0 && total < 1 << 22,
                 "N_p = \(total) does not split into \(islands) islands of a multiple of 16 particles")
    precondition(state.amplitude.count == total, "panel state and agent particles differ in particle count")
    let n = total / islands
    let mCount = measurements.count
    workspace.prepare(particleCount: total, measurementCount: mCount)
    workspace.prepareIslands(count: islands)
    let filter = model.filter

    // 2 (scalars). predicted existence p_e⁻ and birth probability q_b
    let pe = state.existence
    let predictedExistence = filter.survivalProbability * pe + filter.birthProbability * (1 - pe)
    let birth = filter.birthProbability * (1 - pe) / predictedExistence
    let constants = likelihoodConstants(model)
    fillMeasurementTerms(measurements, model: model, into: &workspace)
    let capacity = workspace.measurementCapacity
    let logIslandSize = deterministicLog(Double(n))
    let h = Float(filter.regularizationFactor), floor = SIMD4<Float>(filter.regularizationFloor)
    let interval = Float(filter.samplingInterval), accelerationStd = Float(filter.accelerationStd)

    var existence = 0.0, amplitudeEstimate = 0.0
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let random = scratch, logBeta = scratch + 4 * total, agentWeights = scratch + 5 * total
        let amplitudeWeights = scratch + 6 * total, cumulative = scratch + 7 * total
        state.amplitude.withUnsafeMutableBufferPointer { amplitudeBuffer in
            let u = amplitudeBuffer.baseAddress!
            // 2. amplitude prediction of all N_p (the panel's own state: it does not wait for γ)
            BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudePrediction)
                .fillUniformsOpenClosed(random, count: 2 * total)
            boxMullerInPlace(random, count: total)
            predictAmplitude(u, count: total, normals: random, uniforms: random + total,
                             birthProbability: Float(birth), randomWalkRelative: Float(filter.randomWalkRelative),
                             randomWalkAbsolute: Float(filter.randomWalkAbsolute),
                             detectionThreshold: Float(model.radio.detectionThreshold),
                             maxAmplitude: Float(model.maxAmplitude))
            workspace.measurementTerms.withUnsafeMutableBufferPointer { termsBuffer in
            workspace.indices.withUnsafeMutableBufferPointer { indexBuffer in
            workspace.islandSums.withUnsafeMutableBufferPointer { sumsBuffer in
            islandLogWeights.withUnsafeMutableBufferPointer { logWeights in
            gamma.withPointers { px, py, pvx, pvy in
            workspace.nextAgent.withPointers { qx, qy, qvx, qvy in
                let terms = termsBuffer.baseAddress!
                let ancestors = indexBuffer.baseAddress!, marks = ancestors + total + 1
                for b in 0..<islands {
                    let o = b * n
                    let x = px + o, y = py + o, vx = pvx + o, vy = pvy + o
                    // 1. agent prediction / regularization of this island alone
                    if isFirstOfRoute {
                        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentPrediction,
                                         island: b).fillNormals(random, count: 2 * n)
                        predictConstantVelocity(x: x, y: y, vx: vx, vy: vy, count: n, normals: random,
                                                interval: interval, accelerationStd: accelerationStd)
                    } else {
                        BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .regularization,
                                         island: b).fillNormals(random, count: 4 * n)
                        regularizeAgent(x: x, y: y, vx: vx, vy: vy, count: n, normals: random, factor: h, floor: floor)
                    }
                    // 3. log β, 4.–5. weights, the island's mean and log weight
                    logPseudoLikelihood(measurementCount: mCount, count: n, x: x, y: y, amplitude: u + o,
                                        out: logBeta + o, constants: constants, terms: terms,
                                        ellScratch: terms + MeasurementTerms.stride * capacity)
                    let s = posteriorWeights(logBeta: logBeta + o, count: n, predictedExistence: predictedExistence,
                                             x: x, y: y, vx: vx, vy: vy, amplitude: u + o,
                                             agentWeights: agentWeights + o, amplitudeWeights: amplitudeWeights + o)
                    sumsBuffer[b] = IslandSums(
                        mean: SIMD4<Double>(s.origin) + SIMD4<Double>(s.weightedOffsets) / Double(s.agentWeightSum),
                        weightSum: s.agentWeightSum, weightSquares: s.agentWeightSquares, maxLogBeta: s.maxLogBeta,
                        amplitudeWeightSum: s.amplitudeWeightSum, amplitudeWeightedSum: s.amplitudeWeightedSum)
                    // log Σ ξ = max log ξ + log Σ w; ℓ_b += log((1/n) Σ ξ)
                    logWeights[b] += Double(s.maxLogXi) + deterministicLog(Double(s.agentWeightSum)) - logIslandSize
                    // 5. γ out: the island resampled within itself (the last panel resamples globally instead)
                    if !isLastOfRoute {
                        let offset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                                      purpose: .agentResampling, island: b).firstUniformClosedOpen()
                        let islandAncestors = ancestors + o
                        systematicResamplingIndices(weights: agentWeights + o, count: n, offset: offset,
                                                    cumulative: cumulative + o, marks: marks + o,
                                                    ancestors: islandAncestors)
                        for i in 0..<n {
                            let k = Int(islandAncestors[i])
                            qx[o + i] = x[k]; qy[o + i] = y[k]; qvx[o + i] = vx[k]; qvy[o + i] = vy[k]
                        }
                    }
                }

                // after the last island, from all of them: 6.–8. existence and amplitude weights ∝ β over N_p
                var top = sumsBuffer[0].maxLogBeta
                for b in 1..<islands where sumsBuffer[b].maxLogBeta > top { top = sumsBuffer[b].maxLogBeta }
                var betaSum: Float = 0, betaWeightedSum: Float = 0
                for b in 0..<islands {
                    let f = expScalar(sumsBuffer[b].maxLogBeta - top)
                    betaSum += f * sumsBuffer[b].amplitudeWeightSum
                    betaWeightedSum += f * sumsBuffer[b].amplitudeWeightedSum
                    if f != 1 { scale(amplitudeWeights + b * n, count: n, by: f) }
                }
                let logBetaSum = top + logScalar(betaSum)
                let logA = logScalar(Float(predictedExistence)) + logBetaSum - logScalar(Float(total))
                let logD = logScalar(Float(1 - predictedExistence))
                let difference = logD - logA
                if difference > 0 {
                    let e = Double(expScalar(-difference))
                    existence = e / (1 + e)
                } else {
                    existence = 1 / (1 + Double(expScalar(difference)))
                }
                existence = min(max(existence, 1e-12), 1 - 1e-12)
                amplitudeEstimate = Double(betaWeightedSum) / Double(betaSum)
                let amplitudeOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                                       purpose: .amplitudeResampling).firstUniformClosedOpen()
                systematicResamplingIndices(weights: amplitudeWeights, count: total, offset: amplitudeOffset,
                                            cumulative: cumulative, marks: marks, ancestors: ancestors)
                workspace.nextAmplitude.withUnsafeMutableBufferPointer { target in
                    gather(u, target.baseAddress!, ancestors: ancestors, count: total)
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
                    gather(px, qx, ancestors: ancestors, count: total)
                    gather(py, qy, ancestors: ancestors, count: total)
                    gather(pvx, qvx, ancestors: ancestors, count: total)
                    gather(pvy, qvy, ancestors: ancestors, count: total)
                }
            }}}}}}
        }
    }
    state.existence = existence
    swap(&state.amplitude, &workspace.nextAmplitude)
    swap(&gamma, &workspace.nextAgent)

    // the estimate and effective sample size of the weighted islands (before the global resampling)
    let (estimate, effectiveSampleSize) = combineIslands(islandLogWeights, sums: workspace.islandSums)
    if isLastOfRoute {
        for b in 0..<islands { islandLogWeights[b] = 0 }
    }
    return PanelReport(
        estimate: estimate, existence: existence, predictedExistence: predictedExistence,
        losDetected: existence > filter.existenceThreshold, amplitudeEstimate: amplitudeEstimate,
        effectiveSampleSize: effectiveSampleSize, measurementCount: mCount)
}

/// max ℓ and Σ_b exp(ℓ_b − max ℓ) of B island log weights.
private func islandShares(_ logWeights: UnsafePointer<Double>, count: Int) -> (top: Double, total: Double) {
    var top = logWeights[0]
    for b in 1..<count where logWeights[b] > top { top = logWeights[b] }
    var total = 0.0
    for b in 0..<count { total += deterministicExp(logWeights[b] - top) }
    return (top, total)
}

/// MMSE estimate Σ_b â_b x̄_b ((p_x, p_y) m, (v_x, v_y) m/s) and effective sample size
/// 1 / Σ_b â_b² (Σ w²)_b / (Σ w)_b² (particles) of the islands with log weights `logWeights`.
private func combineIslands(_ logWeights: [Double], sums: [IslandSums]) -> (SIMD4<Double>, Double) {
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
private func scale(_ values: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
    var i = 0
    while i < count { (F8.load(values + i) * factor).store(values + i); i += 8 }
}
