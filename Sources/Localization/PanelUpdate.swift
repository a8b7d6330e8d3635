// PanelUpdate: one Loca-LoS panel update (docs/MODEL.md §B.3 steps 1–8), its state, report and scratch space.
import Scenario

/// What panel j keeps between time steps (docs/MODEL.md §B.2, §B.5): N_p amplitude particles and the LoS existence
/// probability p_e^(j).
public struct PanelState: Sendable, Equatable {
    /// Amplitude particles u^(j,i) (normalized amplitude, dimensionless), equally weighted.
    public var amplitude: [Float]
    /// Existence probability p_e^(j) = p(r_n = 1 | z_1:n), in [1e−12, 1 − 1e−12].
    public var existence: Double

    public init(amplitude: [Float], existence: Double) {
        self.amplitude = amplitude
        self.existence = existence
    }

    /// Fresh state (docs/MODEL.md §B.3 Initialization): u ~ U[u_de, u_bmax], p_e = p_e,0. Used at step 0 and when a
    /// panel rejoins. Keyed by (seed, step, panel, ``RandomPurpose/prior``): amplitude i uses uniform i of that
    /// stream, u = u_de + (u_bmax − u_de)·U.
    public static func initial(model: PanelModel, seed: UInt64, step: Int, panel: UInt32) -> PanelState {
        let n = model.filter.particleCount
        var amplitude = [Float](repeating: 0, count: n)
        let stream = BulkRandomStream(seed: seed, step: step, panel: panel, purpose: .prior)
        let low = Float(model.radio.detectionThreshold), span = Float(model.maxAmplitude) - low
        amplitude.withUnsafeMutableBufferPointer { buffer in
            let u = buffer.baseAddress!
            stream.fillUniformsOpenClosed(u, count: n)
            var i = 0
            while i < n { (F8.load(u + i) * span + low).store(u + i); i += 8 }
        }
        return PanelState(amplitude: amplitude, existence: model.filter.initialExistence)
    }
}

/// The random-stream key of one panel update: streams are `(seed, step, panel, purpose)`.
public struct PanelStepKey: Sendable, Hashable {
    /// Run seed.
    public var seed: UInt64
    /// Time step n (0-based).
    public var step: Int
    /// Panel index (0-based chain position of the panel in the configured chain, whatever the live route).
    public var panel: UInt32

    public init(seed: UInt64, step: Int, panel: UInt32) {
        self.seed = seed
        self.step = step
        self.panel = panel
    }
}

/// What one panel update reports besides γ and its new state.
public struct PanelReport: Sendable, Equatable {
    /// MMSE estimate x̂ = Σ w_i x_i (eq. 1) from this panel's pre-resampling weights: (p_x, p_y) metres,
    /// (v_x, v_y) m/s. The estimate of a step is the one of the last panel that processed it.
    public var estimate: SIMD4<Double>
    /// Existence probability p_e after the update.
    public var existence: Double
    /// Predicted existence probability p_e⁻ (before the measurement update).
    public var predictedExistence: Double
    /// LoS detected: p_e > p_de.
    public var losDetected: Bool
    /// MMSE amplitude estimate û = Σ β_i u_i / Σ β_i (eq. 2).
    public var amplitudeEstimate: Double
    /// Effective sample size (Σ w)² / Σ w² of the agent weights, in 1 … N_p.
    public var effectiveSampleSize: Double
    /// Number of measurements M processed.
    public var measurementCount: Int
    /// Loca-MPC only (nil for Loca-LoS): BP iterations and per-feature existence and amplitude.
    public var association: AssociationSummary? = nil

    public init(estimate: SIMD4<Double>, existence: Double, predictedExistence: Double, losDetected: Bool,
                amplitudeEstimate: Double, effectiveSampleSize: Double, measurementCount: Int) {
        self.estimate = estimate
        self.existence = existence
        self.predictedExistence = predictedExistence
        self.losDetected = losDetected
        self.amplitudeEstimate = amplitudeEstimate
        self.effectiveSampleSize = effectiveSampleSize
        self.measurementCount = measurementCount
    }
}

/// Preallocated scratch space of a panel update. After the first update at a given particle count (and up to
/// the largest M seen), further updates allocate nothing. Contents carry no meaning between updates.
public struct PanelWorkspace: Sendable {
    /// 4N random numbers | N log β | N agent weights | N amplitude weights | N cumulative sums.
    var scratch: [Float] = []
    /// N + 1 ancestor slots | N resampling marks.
    var indices: [Int32] = []
    /// Resampling targets, swapped with the live buffers after each update.
    var nextAgent = AgentParticles(count: 0)
    var nextAmplitude: [Float] = []
    /// Per-measurement terms (``MeasurementTerms``: 32 floats per measurement) for `measurementCapacity`
    /// measurements, then 16 · capacity floats of likelihood scratch.
    var measurementTerms: [Float] = []
    var particleCapacity = 0
    var measurementCapacity = 0
    /// Per-island sums of an island update (filter.islands > 1), one per island.
    var islandSums: [IslandSums] = []
    /// The step an island update is in (between ``beginPanelIslands`` and ``finishPanelIslands``), nil otherwise.
    var islandStep: IslandStepContext?

    public init() {}

    /// Scratch space sized for `particleCount` particles and up to `measurementCapacity` measurements.
    public init(particleCount: Int, measurementCapacity: Int = 32) {
        prepare(particleCount: particleCount, measurementCount: measurementCapacity)
    }

    mutating func prepare(particleCount n: Int, measurementCount m: Int) {
        if n != particleCapacity {
            scratch = [Float](repeating: 0, count: 8 * n)
            indices = [Int32](repeating: 0, count: 2 * n + 1)
            nextAgent = AgentParticles(count: n)
            nextAmplitude = [Float](repeating: 0, count: n)
            particleCapacity = n
        }
        if m > measurementCapacity || measurementTerms.isEmpty {
            measurementCapacity = max(m, 32)
            measurementTerms = [Float](repeating: 0, count: (MeasurementTerms.stride + 16) * measurementCapacity)
        }
    }
}

extension AgentParticles {
    /// Runs `body` with mutable base pointers of the four coordinate arrays (count > 0).
    @inline(__always)
    mutating func withPointers<R>(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
                                           UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> R) -> R {
        x.withUnsafeMutableBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                vx.withUnsafeMutableBufferPointer { pvx in
                    vy.withUnsafeMutableBufferPointer { pvy in
                        body(px.baseAddress!, py.baseAddress!, pvx.baseAddress!, pvy.baseAddress!)
                    }
                }
            }
        }
    }
}

/// One Loca-LoS panel update (docs/MODEL.md §B.3 steps 1–8) for panel `key.panel` at step `key.step`:
///
/// 1. agent prediction: the constant-velocity model if `isFirstOfRoute` (the first live panel of the step's
///    route), else regularization of the received particles;
/// 2. amplitude/existence prediction; 3. log pseudo-likelihood log β (B1) with the panel's M measurements;
/// 4.–5. agent weights ∝ ξ = p_e⁻ β + (1 − p_e⁻), MMSE estimate from them, systematic resampling → γ out;
/// 6.–8. existence update, amplitude resampling with weights ∝ β.
///
/// A pure function of its inputs: `gamma` (γ in → γ out, in place), `state`, `measurements`, `model` and the
/// random streams keyed by `key` (purposes agentPrediction / regularization, amplitudePrediction,
/// agentResampling, amplitudeResampling). `workspace` is scratch only. No clock, thread or global state is
/// read, and no libm function is called, so the result is bit-identical in any process on any host.
/// - Precondition: `gamma.count == state.amplitude.count`, a positive multiple of 16.
public func updatePanel(_ gamma: inout AgentParticles, state: inout PanelState, measurements: PanelMeasurements,
                        model: PanelModel, key: PanelStepKey, isFirstOfRoute: Bool,
                        workspace: inout PanelWorkspace) -> PanelReport {
    let n = gamma.count
    precondition(n > 0 && n % 16 == 0 && n < 1 << 22, "particle count must be a positive multiple of 16")
    precondition(state.amplitude.count == n, "panel state and agent particles differ in particle count")
    let mCount = measurements.count
    workspace.prepare(particleCount: n, measurementCount: mCount)
    let filter = model.filter

    // 2 (scalars). predicted existence p_e⁻ and birth probability q_b
    let pe = state.existence
    let predictedExistence = filter.survivalProbability * pe + filter.birthProbability * (1 - pe)
    let birth = filter.birthProbability * (1 - pe) / predictedExistence

    // 3 (per measurement). z and c_m = C − log(μ_c f_c(z_m)), Float32, own log/exp only
    let constants = likelihoodConstants(model)
    fillMeasurementTerms(measurements, model: model, into: &workspace)

    var sums = PosteriorSums(maxLogBeta: 0, amplitudeWeightSum: 0, amplitudeWeightedSum: 0, agentWeightSum: 0,
                             agentWeightSquares: 0, weightedOffsets: .zero, origin: .zero)
    let capacity = workspace.measurementCapacity
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let random = scratch, logBeta = scratch + 4 * n, agentWeights = scratch + 5 * n
        let amplitudeWeights = scratch + 6 * n
        gamma.withPointers { px, py, pvx, pvy in
            // 1. agent prediction / regularization
            if isFirstOfRoute {
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentPrediction)
                    .fillNormals(random, count: 2 * n)
                predictConstantVelocity(x: px, y: py, vx: pvx, vy: pvy, count: n, normals: random,
                                        interval: Float(filter.samplingInterval),
                                        accelerationStd: Float(filter.accelerationStd))
            } else {
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .regularization)
                    .fillNormals(random, count: 4 * n)
                let h = Float(filter.regularizationFactor), fl = SIMD4<Float>(filter.regularizationFloor)
                regularizeAgent(x: px, y: py, vx: pvx, vy: pvy, count: n, normals: random, factor: h, floor: fl)
            }
            state.amplitude.withUnsafeMutableBufferPointer { amplitudeBuffer in
                let u = amplitudeBuffer.baseAddress!
                // 2. amplitude prediction: N normals (Box–Muller of uniforms 0..<N) and N birth uniforms
                BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .amplitudePrediction)
                    .fillUniformsOpenClosed(random, count: 2 * n)
                boxMullerInPlace(random, count: n)
                predictAmplitude(u, count: n, normals: random, uniforms: random + n, birthProbability: Float(birth),
                                 randomWalkRelative: Float(filter.randomWalkRelative),
                                 randomWalkAbsolute: Float(filter.randomWalkAbsolute),
                                 detectionThreshold: Float(model.radio.detectionThreshold),
                                 maxAmplitude: Float(model.maxAmplitude))
                // 3. log β
                workspace.measurementTerms.withUnsafeMutableBufferPointer { termsBuffer in
                    let terms = termsBuffer.baseAddress!
                    logPseudoLikelihood(measurementCount: mCount, count: n, x: px, y: py, amplitude: u,
                                        out: logBeta, constants: constants, terms: terms,
                                        ellScratch: terms + MeasurementTerms.stride * capacity)
                }
                // 4.–5., 7. weights and sums
                sums = posteriorWeights(logBeta: logBeta, count: n, predictedExistence: predictedExistence,
                                        x: px, y: py, vx: pvx, vy: pvy, amplitude: u,
                                        agentWeights: agentWeights, amplitudeWeights: amplitudeWeights)
            }
        }
    }

    // 5. MMSE estimate from the pre-resampling weights
    let estimate = SIMD4<Double>(sums.origin) + SIMD4<Double>(sums.weightedOffsets) / Double(sums.agentWeightSum)
    // 7. existence: A = p_e⁻ (1/N) Σ β_i, D = 1 − p_e⁻, p_e = A / (A + D), in the log domain, clamped
    let logBetaSum = sums.maxLogBeta + logScalar(sums.amplitudeWeightSum)
    let existence = posteriorExistence(logBetaSum: logBetaSum, predictedExistence: predictedExistence, count: n)
    state.existence = existence

    // 5., 8. systematic resampling of the agent (weights ∝ ξ) and of the amplitudes (weights ∝ β)
    resample(&gamma, state: &state, workspace: &workspace, key: key)

    return PanelReport(
        estimate: estimate, existence: existence, predictedExistence: predictedExistence,
        losDetected: existence > filter.existenceThreshold,
        amplitudeEstimate: Double(sums.amplitudeWeightedSum) / Double(sums.amplitudeWeightSum),
        effectiveSampleSize: Double(sums.agentWeightSum) * Double(sums.agentWeightSum)
            / Double(sums.agentWeightSquares),
        measurementCount: mCount)
}

/// Resamples γ by the agent weights and the amplitude particles by the amplitude weights held in the workspace,
/// writing into the workspace's target buffers and swapping them in (no copy, no allocation).
private func resample(_ gamma: inout AgentParticles, state: inout PanelState, workspace: inout PanelWorkspace,
                      key: PanelStepKey) {
    let n = gamma.count
    let agentOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel, purpose: .agentResampling)
        .firstUniformClosedOpen()
    let amplitudeOffset = BulkRandomStream(seed: key.seed, step: key.step, panel: key.panel,
                                           purpose: .amplitudeResampling).firstUniformClosedOpen()
    workspace.scratch.withUnsafeMutableBufferPointer { scratchBuffer in
        let scratch = scratchBuffer.baseAddress!
        let agentWeights = scratch + 5 * n, amplitudeWeights = scratch + 6 * n, cumulative = scratch + 7 * n
        workspace.indices.withUnsafeMutableBufferPointer { indexBuffer in
            let ancestors = indexBuffer.baseAddress!, marks = ancestors + n + 1
            systematicResamplingIndices(weights: agentWeights, count: n, offset: agentOffset,
                                        cumulative: cumulative, marks: marks, ancestors: ancestors)
            gamma.withPointers { px, py, pvx, pvy in
                workspace.nextAgent.withPointers { qx, qy, qvx, qvy in
                    for i in 0..<n {
                        let k = Int(ancestors[i])
                        qx[i] = px[k]; qy[i] = py[k]; qvx[i] = pvx[k]; qvy[i] = pvy[k]
                    }
                }
            }
            systematicResamplingIndices(weights: amplitudeWeights, count: n, offset: amplitudeOffset,
                                        cumulative: cumulative, marks: marks, ancestors: ancestors)
            state.amplitude.withUnsafeBufferPointer { source in
                workspace.nextAmplitude.withUnsafeMutableBufferPointer { target in
                    gather(source.baseAddress!, target.baseAddress!, ancestors: ancestors, count: n)
                }
            }
        }
    }
    swap(&gamma, &workspace.nextAgent)
    swap(&state.amplitude, &workspace.nextAmplitude)
}

/// The Float32 constants of the likelihood kernel for a panel.
func likelihoodConstants(_ model: PanelModel) -> LikelihoodConstants {
    LikelihoodConstants(
        panelX: Float(model.position.x), panelY: Float(model.position.y),
        distancePrecisionHalf: Float(0.5 / model.distanceVarianceTimesU2),
        aoaPrecisionHalf: Float(0.5 / model.aoaVarianceTimesU2),
        amplitudePrecisionHalf: Float(0.5 / PanelModel.amplitudeVariance),
        detectionThreshold: Float(model.radio.detectionThreshold))
}

/// Writes z_d, z_φ, z_u and c_m = −(3/2) ln 2π − ½ ln k_d − ½ ln k_φ − ½ ln σ_u² − ln(μ_c f_c(z_m)) of every
/// measurement into the workspace (Float32, with the module's own log/exp), in the ``MeasurementTerms`` layout.
func fillMeasurementTerms(_ z: PanelMeasurements, model: PanelModel, into workspace: inout PanelWorkspace) {
    let logTwoPi: Float = 1.837_877_1
    let common = -1.5 * logTwoPi - 0.5 * logScalar(Float(model.distanceVarianceTimesU2))
        - 0.5 * logScalar(Float(model.aoaVarianceTimesU2)) - 0.5 * logScalar(Float(PanelModel.amplitudeVariance))
    let ude = Float(model.radio.detectionThreshold)
    let falseAlarmMean = Float(model.radio.falseAlarmMean)
    let reflectionMean = Float(model.filter.reflectionClutterMean)
    precondition(falseAlarmMean > 0 || reflectionMean > 0, "the clutter intensity must be positive")
    let logFalseAlarmMean = falseAlarmMean > 0 ? logScalar(falseAlarmMean) : 0
    let logUniform = reflectionMean > 0
        ? logScalar(reflectionMean) - logScalar(Float(model.maxAmplitude) - ude) : 0
    let logSpace = logScalar(Float(model.radio.maxDistance)) + logTwoPi
    let amplitudePrecisionHalf = Float(0.5 / PanelModel.amplitudeVariance)
    workspace.measurementTerms.withUnsafeMutableBufferPointer { buffer in
        let terms = buffer.baseAddress!
        for m in 0..<z.count {
            let zu = Float(z.amplitude[m])
            let logRayleigh = logFalseAlarmMean + logScalar(2 * zu) - (zu * zu - ude * ude) * amplitudePrecisionHalf
            var logClutter: Float
            if falseAlarmMean > 0 && reflectionMean > 0 {
                let high = logRayleigh > logUniform ? logRayleigh : logUniform
                let low = logRayleigh > logUniform ? logUniform : logRayleigh
                logClutter = high + logScalar(1 + expScalar(low - high))
            } else {
                logClutter = falseAlarmMean > 0 ? logRayleigh : logUniform
            }
            logClutter -= logSpace
            let row = terms + MeasurementTerms.stride * m
            (row + 0).update(repeating: Float(z.distance[m]), count: 8)
            (row + 8).update(repeating: Float(z.aoa[m]), count: 8)
            (row + 16).update(repeating: zu, count: 8)
            (row + 24).update(repeating: common - logClutter, count: 8)
        }
    }
}

/// Step 7, existence: A = p_e⁻ (1/N) Σ β_i, D = 1 − p_e⁻, p_e = A / (A + D), in the log domain, clamped to
/// [10⁻¹², 1 − 10⁻¹²] (dimensionless). `logBetaSum` = log Σ β_i over the `count` = N particles.
func posteriorExistence(logBetaSum: Float, predictedExistence: Double, count: Int) -> Double {
    let logA = logScalar(Float(predictedExistence)) + logBetaSum - logScalar(Float(count))
    let logD = logScalar(Float(1 - predictedExistence))
    let difference = logD - logA
    let existence: Double
    if difference > 0 {
        let e = Double(expScalar(-difference))
        existence = e / (1 + e)
    } else {
        existence = 1 / (1 + Double(expScalar(difference)))
    }
    return min(max(existence, 1e-12), 1 - 1e-12)
}
