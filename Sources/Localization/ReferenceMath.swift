// ReferenceMath: Double-precision reference forms of the Loca-LoS likelihood (B1) and systematic resampling (B.4).
//
// These are straight transcriptions of docs/MODEL.md §B.1 and §B.4 in Double with the platform libm. They are
// the yardstick for the Float32 SIMD hot path (tests compare the two) and reproduce the golden vectors of
// Tests/Fixtures/loca_scenario.json to the spec's tolerance. They are not used by the panel update.
import Scenario

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Double-precision reference of the Loca-LoS pseudo-likelihood and resampling (docs/MODEL.md §B.1, §B.4).
public enum LocaLoSReference {
    /// ln(2π).
    public static let logTwoPi = 1.837_877_066_409_345_5

    /// wrap(a) = a − 2π·floor((a + π)/(2π)), in [−π, π) (docs/MODEL.md §A.4), radians.
    public static func wrapAngle(_ a: Double) -> Double {
        a - 2 * Double.pi * ((a + Double.pi) / (2 * Double.pi)).rounded(.down)
    }

    /// log(1 − p_d(u)) = log Φ(√2 (u_de − u)) = log(½ erfc(u − u_de)) for σ_u² = ½ (docs/MODEL.md §B.1, Numerics).
    /// Accurate for every u: for u − u_de > 25, where erfc underflows, the asymptotic series of log erfc is used
    /// (truncation error below 1e−12 there).
    public static func logMissProbability(amplitude u: Double, detectionThreshold: Double) -> Double {
        let z = (u - detectionThreshold) / (2 * PanelModel.amplitudeVariance).squareRoot()
        if z < 0 { return log1p(-0.5 * erfc(-z)) }
        if z < 25 { return log(0.5 * erfc(z)) }
        let r = 1 / (2 * z * z)
        let series = 1 - r * (1 - 3 * r * (1 - 5 * r * (1 - 7 * r)))
        return -z * z - log(z) - 0.5 * log(Double.pi) - log(2.0) + log(series)
    }

    /// log(μ_c f_c(z)) of the filter-side clutter intensity (docs/MODEL.md §B.1) for a measured amplitude z_u:
    /// [μ_fa · 2 z_u exp(−(z_u² − u_de²)) + μ_mpc / (u_bmax − u_de)] / (d_max · 2π).
    public static func logClutterIntensity(measuredAmplitude zu: Double, radio: RadioParameters,
                                           reflectionClutterMean: Double, maxAmplitude: Double) -> Double {
        let ude = radio.detectionThreshold
        var logIntensity = log(radio.falseAlarmMean) + log(2 * zu)
            - (zu * zu - ude * ude) / (2 * PanelModel.amplitudeVariance)
        if reflectionClutterMean > 0 {
            let logUniform = log(reflectionClutterMean) - log(maxAmplitude - ude)
            logIntensity = logAddExp(logIntensity, logUniform)
        }
        return logIntensity - log(radio.maxDistance) - logTwoPi
    }

    /// ℓ_m: the log ratio of the LoS likelihood of one measurement to its clutter intensity (docs/MODEL.md §B.1, Numerics),
    /// for an agent at (x, y) metres with amplitude state u.
    public static func logLikelihoodRatio(x: Double, y: Double, amplitude u: Double,
                                          distance zd: Double, aoa zphi: Double, measuredAmplitude zu: Double,
                                          logClutter: Double, model: PanelModel) -> Double {
        let dx = x - model.position.x, dy = y - model.position.y
        let d = (dx * dx + dy * dy).squareRoot()
        let phi = atan2(dy, dx)
        let varD = model.distanceVarianceTimesU2 / (u * u)
        let varPhi = model.aoaVarianceTimesU2 / (u * u)
        let varU = PanelModel.amplitudeVariance
        let ePhi = wrapAngle(zphi - phi)
        return -0.5 * (logTwoPi + log(varD)) - (zd - d) * (zd - d) / (2 * varD)
            - 0.5 * (logTwoPi + log(varPhi)) - ePhi * ePhi / (2 * varPhi)
            - 0.5 * (logTwoPi + log(varU)) - (zu - u) * (zu - u) / (2 * varU)
            - logClutter
    }

    /// log β(x, u) of eq. (B1): logsumexp(log(1 − p_d(u)), ℓ_1, …, ℓ_M).
    public static func logPseudoLikelihood(x: Double, y: Double, amplitude u: Double,
                                           measurements: PanelMeasurements, model: PanelModel) -> Double {
        var terms = [logMissProbability(amplitude: u, detectionThreshold: model.radio.detectionThreshold)]
        for m in 0..<measurements.count {
            let logClutter = logClutterIntensity(measuredAmplitude: measurements.amplitude[m], radio: model.radio,
                                                 reflectionClutterMean: model.filter.reflectionClutterMean,
                                                 maxAmplitude: model.maxAmplitude)
            terms.append(logLikelihoodRatio(x: x, y: y, amplitude: u, distance: measurements.distance[m],
                                            aoa: measurements.aoa[m], measuredAmplitude: measurements.amplitude[m],
                                            logClutter: logClutter, model: model))
        }
        return logSumExp(terms)
    }

    /// Systematic resampling (docs/MODEL.md §B.4): idx_i = min{k : Q_k > (i + U)/N}, Q = cumsum(w)/Σw with Q_last = 1.
    /// - Parameters:
    ///   - weights: non-negative weights (not necessarily normalized), not all zero.
    ///   - offset: the single uniform U in [0, 1).
    /// - Returns: N ancestor indices (0-based), non-decreasing.
    public static func systematicResamplingIndices(weights: [Double], offset: Double) -> [Int] {
        let n = weights.count
        precondition(n > 0)
        let total = weights.reduce(0, +)
        var cumulative = [Double](repeating: 0, count: n)
        var running = 0.0
        for k in 0..<n { running += weights[k] / total; cumulative[k] = running }
        cumulative[n - 1] = 1
        var indices = [Int](repeating: 0, count: n)
        var k = 0
        for i in 0..<n {
            let threshold = (Double(i) + offset) / Double(n)
            while k < n - 1 && !(cumulative[k] > threshold) { k += 1 }
            indices[i] = k
        }
        return indices
    }

    static func logAddExp(_ a: Double, _ b: Double) -> Double {
        let m = max(a, b)
        if m == -.infinity { return m }
        return m + log1p(exp(-abs(a - b)))
    }

    static func logSumExp(_ values: [Double]) -> Double {
        let m = values.max() ?? -.infinity
        if m == -.infinity { return m }
        return m + log(values.reduce(0) { $0 + exp($1 - m) })
    }
}
