// MPCIslandsCombine: phases 3–4 of the Loca-MPC island update — the panel's own association over the island mixture, its report and resampling.
import Scenario

/// Running logsumexp of values added one by one (in a fixed order: deterministic); −∞ values add nothing.
struct LogSumExpAccumulator {
    var top = -Double.infinity, sum = 0.0

    @inline(__always)
    mutating func add(_ value: Double) {
        if value == -.infinity { return }
        if value > top {
            sum = sum * deterministicExp(top - value) + 1
            top = value
        } else {
            sum += deterministicExp(value - top)
        }
    }

    /// log Σ e^{values} (−∞ for none).
    var value: Double { top == -.infinity ? top : top + deterministicLog(sum) }
}

/// Phase 3, after every island: the panel's own association and report. The association inputs are the mixture of the
/// islands weighted by their incoming normalised weights â_b:
///
///   log β̄_k(m) = log p_e,k⁻ − log n + LSE_b(log â_b + log S_{b,k}(m)) (m ≥ 1), column 0 adding 1 − p_e,k⁻;
///
/// BP on them gives ν_{m→k}; then, since w_k is linear in the b_k(m), Σ_{i∈b} w_k^(i) = S_{b,k}(0) + Σ_m ν_{m→k} S_{b,k}(m),
/// A_k = p_e,k⁻ (1/n) Σ_b â_b Σ_{i∈b} w_k^(i), p_e,k = A_k / (A_k + 1 − p_e,k⁻) (clamped to [1e−12, 1 − 1e−12]), and
/// û_k = Σ_b â_b Σ_{i∈b} w_k u_k / Σ_b â_b Σ_{i∈b} w_k from the sums T. The estimate Σ_b â_b x̄_b and the effective
/// sample size 1 / Σ_b â_b² (Σ w²)_b / (Σ w)_b² use the outgoing weights `islandLogWeights` (this panel's increments
/// included). Cost O(B·K·M) plus the BP; sets `state.existence`. The report's `association.iterations` is the panel
/// association's.
public func reportMPCPanelIslands(islandLogWeights: [Double], state: inout MPCPanelState, model: MPCPanelModel,
                                  workspace: inout MPCPanelWorkspace) -> PanelReport {
    guard let context = workspace.islandStep else {
        preconditionFailure("reportMPCPanelIslands before beginMPCPanelIslands")
    }
    precondition(islandLogWeights.count == context.islands,
                 "\(islandLogWeights.count) log weights for \(context.islands) islands")
    let islands = context.islands, featureCount = model.featureCount
    let mCount = context.measurementCount, width = mCount + 1
    let filter = model.panel.filter
    let logIslandSize = deterministicLog(Double(context.islandSize))
    // log â_b of the incoming weights
    var incoming = LogSumExpAccumulator()
    for b in 0..<islands { incoming.add(workspace.islandSums[b].incomingLogWeight) }
    let logTotal = incoming.value
    for b in 0..<islands {
        workspace.islandSums[b].incomingLogShare = workspace.islandSums[b].incomingLogWeight - logTotal
    }
    let predicted = workspace.predictedExistence
    // the panel's association inputs: the island mixture
    for k in 0..<featureCount {
        let logAlive = deterministicLog(predicted[k]) - logIslandSize
        let logDead = deterministicLog(1 - predicted[k])
        for m in 0...mCount {
            var mixture = LogSumExpAccumulator()
            for b in 0..<islands {
                mixture.add(workspace.islandSums[b].incomingLogShare
                            + workspace.islandLogSums[2 * ((b * featureCount + k) * width + m)])
            }
            workspace.logInputs[k * width + m] = m == 0 ? logAddExp(logAlive + mixture.value, logDead)
                                                        : logAlive + mixture.value
        }
    }
    let (iterations, converged) = workspace.solveAssociation(features: featureCount, measurements: mCount,
                                                             filter: filter)
    // feature beliefs from the sums: Σ_{i∈b} w_k = S(0) + Σ_m ν_{m→k} S(m), likewise with T
    var amplitudeEstimates = [Double](repeating: 0, count: featureCount)
    for k in 0..<featureCount {
        var weight = LogSumExpAccumulator(), weighted = LogSumExpAccumulator()
        for b in 0..<islands {
            let sums = 2 * ((b * featureCount + k) * width)
            var w = LogSumExpAccumulator(), wu = LogSumExpAccumulator()
            w.add(workspace.islandLogSums[sums])
            wu.add(workspace.islandLogSums[sums + 1])
            for m in 0..<mCount {
                let nu = workspace.logMessages[k * mCount + m]
                w.add(nu + workspace.islandLogSums[sums + 2 * (m + 1)])
                wu.add(nu + workspace.islandLogSums[sums + 2 * (m + 1) + 1])
            }
            let share = workspace.islandSums[b].incomingLogShare
            weight.add(share + w.value)
            weighted.add(share + wu.value)
        }
        let pe = predicted[k]
        let logA = deterministicLog(pe) + weight.value - logIslandSize
        let logD = deterministicLog(1 - pe)
        let updated = deterministicExp(logA - logAddExp(logA, logD))
        state.existence[k] = min(max(updated, 1e-12), 1 - 1e-12)
        amplitudeEstimates[k] = deterministicExp(weighted.value - weight.value)
    }
    // the estimate and effective sample size of the weighted islands (before the global resampling)
    var outgoing = LogSumExpAccumulator()
    for b in 0..<islands { outgoing.add(islandLogWeights[b]) }
    var estimate = SIMD4<Double>.zero, squares = 0.0
    for b in 0..<islands {
        let share = deterministicExp(islandLogWeights[b] - outgoing.value)
        let sums = workspace.islandSums[b].agent
        estimate += share * sums.mean
        let sum = Double(sums.weightSum)
        squares += share * share * Double(sums.weightSquares) / (sum * sum)
    }
    var report = PanelReport(
        estimate: estimate, existence: state.existence[0], predictedExistence: predicted[0],
        losDetected: state.existence[0] > filter.existenceThreshold, amplitudeEstimate: amplitudeEstimates[0],
        effectiveSampleSize: 1 / squares, measurementCount: mCount)
    report.association = AssociationSummary(iterations: iterations, converged: converged,
                                            featureExistence: state.existence, featureAmplitude: amplitudeEstimates)
    return report
}

/// Phase 4: every feature's amplitude particles resampled systematically over all N_p particles with weights
/// ∝ â_b w_k^(i) (log w_k^(i) = LSE(log b_k^(i)(0), {log ν_{m→k} + log b_k^(i)(m)}) with the panel association's ν of
/// phase 3; â_b the incoming normalised island weights), streams as with one island; and, if `isLastOfRoute`, one
/// global systematic resampling of `gamma` with weights â_b w_i / Σ_{i∈b} w_i (outgoing â_b, stream agentResampling),
/// after which every entry of `islandLogWeights` is 0. Ends the step's island update.
public func finishMPCPanelIslands(_ gamma: inout AgentParticles, islandLogWeights: inout [Double],
                                  state: inout MPCPanelState, model: MPCPanelModel, isLastOfRoute: Bool,
                                  workspace: inout MPCPanelWorkspace) {
    guard let context = workspace.islandStep else {
        preconditionFailure("finishMPCPanelIslands before beginMPCPanelIslands")
    }
    workspace.islandStep = nil
    let islands = context.islands, n = context.islandSize, total = islands * n, key = context.key
    let featureCount = model.featureCount, mCount = context.measurementCount
    let featureResampling = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                             purpose: .featureResampling)
    let losOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudeResampling)
        .firstUniformClosedOpen()
    workspace.base.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let agentWeights = scratch + 5 * total, featureWeights = scratch + 6 * total, cumulative = scratch + 7 * total
        workspace.base.indices.withUnsafeMutableBufferPointer { indexBuffer in
        state.amplitude.withUnsafeBufferPointer { amplitudeBuffer in
        workspace.logMiss.withUnsafeMutableBufferPointer { missBuffer in
        workspace.ratios.withUnsafeBufferPointer { ratioBuffer in
        workspace.nextAmplitude.withUnsafeMutableBufferPointer { nextBuffer in
        workspace.featureMessages.withUnsafeMutableBufferPointer { messageBuffer in
            let ancestors = indexBuffer.baseAddress!, marks = ancestors + total + 1
            let messages = messageBuffer.baseAddress!
            for k in 0..<featureCount {
                for m in 0..<mCount { messages[m] = Float(workspace.logMessages[k * mCount + m]) }
                let logW = missBuffer.baseAddress! + k * total
                for b in 0..<islands {
                    featureLogWeights(measurementCount: mCount, count: n, logMiss: logW + b * n,
                                      ratios: ratioBuffer.baseAddress! + (k * islands + b) * mCount * n,
                                      logMessages: messages)
                    shift(logW + b * n, count: n, by: Float(workspace.islandSums[b].incomingLogShare))
                }
                let u = amplitudeBuffer.baseAddress! + k * total
                _ = exponentiatedWeights(logW, count: total, amplitude: u, weights: featureWeights)
                systematicResamplingIndices(weights: featureWeights, count: total,
                                            offset: k == 0 ? losOffset
                                                : featureResampling.uniformClosedOpen(word: k - 1),
                                            cumulative: cumulative, marks: marks, ancestors: ancestors)
                gather(u, nextBuffer.baseAddress! + k * total, ancestors: ancestors, count: total)
            }
        }}}}}
            // the last panel: one global resampling with weights â_b w_i / Σ_b w; every island weight is then 0
            if isLastOfRoute {
                islandLogWeights.withUnsafeMutableBufferPointer { logWeights in
                    let shares = islandShares(logWeights.baseAddress!, count: islands)
                    for b in 0..<islands {
                        let share = deterministicExp(logWeights[b] - shares.top) / shares.total
                        scale(agentWeights + b * n, count: n,
                              by: Float(share / Double(workspace.islandSums[b].agent.weightSum)))
                    }
                    for b in 0..<islands { logWeights[b] = 0 }
                }
                let offset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                              purpose: .agentResampling).firstUniformClosedOpen()
                let ancestors = indexBuffer.baseAddress!, marks = ancestors + total + 1
                systematicResamplingIndices(weights: agentWeights, count: total, offset: offset,
                                            cumulative: cumulative, marks: marks, ancestors: ancestors)
                gamma.withPointers { px, py, pvx, pvy in
                    workspace.base.nextAgent.withPointers { qx, qy, qvx, qvy in
                        gather(px, qx, ancestors: ancestors, count: total)
                        gather(py, qy, ancestors: ancestors, count: total)
                        gather(pvx, qvx, ancestors: ancestors, count: total)
                        gather(pvy, qvy, ancestors: ancestors, count: total)
                    }
                }
            }
        }
    }
    swap(&state.amplitude, &workspace.nextAmplitude)
    if isLastOfRoute { swap(&gamma, &workspace.base.nextAgent) }
}

/// values[i] += offset for i < count (count a multiple of 8).
@inline(__always)
private func shift(_ values: UnsafeMutablePointer<Float>, count: Int, by offset: Float) {
    var i = 0
    while i < count { (F8.load(values + i) + offset).store(values + i); i += 8 }
}
