// SignalModel: array response, precoders, the P1/P2 signal models and noisy snapshots (docs/MODEL.md §DL.2–§DL.3).
import ComplexModule
import RealModule
import Scenario

/// Transmission protocol.
public enum DownlinkProtocol: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Sequential (TDM): S = M·K pulses, pulse t = k·M + m sent by AP m towards i[k].
    case p1 = "P1"
    /// Simultaneous beamfocusing: S = K pulses, every AP towards i[k] at once.
    case p2 = "P2"
    public var description: String { rawValue }
}

/// Processing: with or without the carrier phase's dependence on position.
public enum DownlinkProcessing: String, Sendable, CaseIterable, CustomStringConvertible {
    case coherent
    case nonCoherent = "noncoherent"
    public var description: String { rawValue }
}

/// Array factor G(D) = Σ_{n<N} exp(jπ n D) and its derivative G'(D) = Σ jπ n exp(jπ n D).
@inlinable
public func arrayFactor(_ difference: Double, antennas: Int) -> (value: Complex<Double>, derivative: Complex<Double>) {
    let w = Complex<Double>(Double.cos(Double.pi * difference), Double.sin(Double.pi * difference))
    var power = Complex<Double>.one
    var value = Complex<Double>.zero, derivative = Complex<Double>.zero
    for n in 0..<antennas {
        value += power
        derivative += Complex(0, Double.pi * Double(n)) * power
        power *= w
    }
    return (value, derivative)
}

/// Array response [a(θ)]_n = exp(jπ n s), s = (±) sin θ, n = 0..N−1.
public func arrayResponse(sine: Double, antennas: Int) -> [Complex<Double>] {
    (0..<antennas).map { n in Complex(Double.cos(Double.pi * Double(n) * sine), Double.sin(Double.pi * Double(n) * sine)) }
}

/// The downlink signal model on a given network. All functions are pure.
public enum DownlinkSignalModel {
    /// Precoder f_m[k] = exp(j2π d_m[k]/λ) a*(θ_m[k]) / √N of AP m (0-based) for illumination point k (unit norm).
    public static func precoder(network: DownlinkNetwork, ap m: Int, point k: Int) -> [Complex<Double>] {
        let kCount = network.illuminationCount
        let phase = 2 * Double.pi * network.illuminationDistance[m * kCount + k] / network.wavelength
        let focus = Complex<Double>(Double.cos(phase), Double.sin(phase))
        let scale = 1 / Double(network.antennaCount).squareRoot()
        return arrayResponse(sine: network.illuminationSin[m * kCount + k], antennas: network.antennaCount)
            .map { focus * $0.conjugate * scale }
    }

    /// Channel amplitudes α_m = λ / (4π d_m(u)) (real, dimensionless), m = 0..M−1.
    public static func channelAmplitudes(network: DownlinkNetwork, user: Point2) -> [Double] {
        (0..<network.apCount).map { m in
            network.wavelength / (4 * Double.pi * network.geometry(ap: m, point: user).distance)
        }
    }

    /// Coherent model x_m[k](u) = √(P/N) exp(j2π(d_m[k] − d_m)/λ) G(s_m − s_m[k]) (√W), as an M × K array
    /// (index m·K + k); `perAPPower` P in W.
    public static func coherentModel(network: DownlinkNetwork, user: Point2, perAPPower: Double) -> [Complex<Double>] {
        model(network: network, user: user, perAPPower: perAPPower, coherent: true)
    }

    /// Non-coherent model z_m[k](u) = √(P/N) exp(j2π d_m[k]/λ) G(s_m − s_m[k]) (√W), M × K (index m·K + k).
    public static func nonCoherentModel(network: DownlinkNetwork, user: Point2, perAPPower: Double) -> [Complex<Double>] {
        model(network: network, user: user, perAPPower: perAPPower, coherent: false)
    }

    static func model(network: DownlinkNetwork, user: Point2, perAPPower: Double, coherent: Bool) -> [Complex<Double>] {
        let kCount = network.illuminationCount
        let amplitude = (perAPPower / Double(network.antennaCount)).squareRoot()
        var out = [Complex<Double>](repeating: .zero, count: network.apCount * kCount)
        for m in 0..<network.apCount {
            let g = network.geometry(ap: m, point: user)
            for k in 0..<kCount {
                let dk = network.illuminationDistance[m * kCount + k]
                let phase = 2 * Double.pi * (coherent ? dk - g.distance : dk) / network.wavelength
                let factor = arrayFactor(g.sine - network.illuminationSin[m * kCount + k], antennas: network.antennaCount).value
                out[m * kCount + k] = Complex(Double.cos(phase), Double.sin(phase)) * factor * amplitude
            }
        }
        return out
    }

    /// Number of samples S of one snapshot: M·K (P1) or K (P2).
    public static func sampleCount(network: DownlinkNetwork, protocol: DownlinkProtocol) -> Int {
        switch `protocol` {
        case .p1: return network.apCount * network.illuminationCount
        case .p2: return network.illuminationCount
        }
    }

    /// Noise-free observation μ(u, δφ) (√W) with the path-loss amplitudes α_m = λ/(4π d_m(u)): P1 as an M × K
    /// array y_m[k] = α_m e^{jδφ} x_m[k] (index m·K + k); P2 as y[k] = Σ_m α_m e^{jδφ} x_m[k].
    /// `phaseOffset` δφ in rad, `perAPPower` in W.
    public static func noiseFreeObservation(network: DownlinkNetwork, protocol: DownlinkProtocol, user: Point2,
                                            phaseOffset: Double, perAPPower: Double) -> [Complex<Double>] {
        let rotation = Complex<Double>(Double.cos(phaseOffset), Double.sin(phaseOffset))
        let gains = channelAmplitudes(network: network, user: user).map { rotation * $0 }
        return mean(network: network, protocol: `protocol`, model: coherentModel(network: network, user: user, perAPPower: perAPPower),
                    gains: gains)
    }

    /// Noise-free mean for explicit complex per-AP gains on a per-AP model w_m[k] (M × K, index m·K + k):
    /// P1 g_m w_m[k] (M × K), P2 Σ_m g_m w_m[k]. With w = x and g_m = α_m e^{jδφ} this is the coherent mean,
    /// with w = z and g_m = β_m the non-coherent one.
    public static func mean(network: DownlinkNetwork, protocol: DownlinkProtocol, model: [Complex<Double>],
                            gains: [Complex<Double>]) -> [Complex<Double>] {
        let kCount = network.illuminationCount
        switch `protocol` {
        case .p1:
            var y = model
            for m in 0..<network.apCount {
                for k in 0..<kCount { y[m * kCount + k] = gains[m] * model[m * kCount + k] }
            }
            return y
        case .p2:
            var y = [Complex<Double>](repeating: .zero, count: kCount)
            for m in 0..<network.apCount {
                for k in 0..<kCount { y[k] += gains[m] * model[m * kCount + k] }
            }
            return y
        }
    }

    /// Adds circular complex Gaussian noise CN(0, σ²) to `samples` in place (real and imaginary parts each
    /// N(0, σ²/2)), drawing real then imaginary part per sample in the order the UE receives them: pulse
    /// t = k·M + m for P1 (sample index m·K + k), k for P2. `noiseVariance` σ² in W.
    public static func addNoise(to samples: inout [Complex<Double>], network: DownlinkNetwork, protocol: DownlinkProtocol,
                                noiseVariance: Double, stream: inout RandomStream) {
        let scale = (noiseVariance / 2).squareRoot()
        let kCount = network.illuminationCount
        switch `protocol` {
        case .p1:
            for k in 0..<kCount {
                for m in 0..<network.apCount {
                    let re = stream.nextGaussian(), im = stream.nextGaussian()
                    samples[m * kCount + k] += Complex(re * scale, im * scale)
                }
            }
        case .p2:
            for k in 0..<samples.count {
                let re = stream.nextGaussian(), im = stream.nextGaussian()
                samples[k] += Complex(re * scale, im * scale)
            }
        }
    }

    /// One noisy snapshot: noise-free observation plus noise from the stream
    /// `RandomStream(seed: seed, step: runIndex, panel: noPanel, purpose: .downlinkNoise)`.
    public static func noisySnapshot(network: DownlinkNetwork, protocol: DownlinkProtocol, user: Point2, phaseOffset: Double,
                                     perAPPower: Double, noiseVariance: Double, seed: UInt64, runIndex: Int) -> [Complex<Double>] {
        var y = noiseFreeObservation(network: network, protocol: `protocol`, user: user, phaseOffset: phaseOffset,
                                     perAPPower: perAPPower)
        var stream = RandomStreamFactory.noise(seed: seed, run: runIndex)
        addNoise(to: &y, network: network, protocol: `protocol`, noiseVariance: noiseVariance, stream: &stream)
        return y
    }
}

// Scaling a complex number by a real one (swift-numerics 1.1 has no mixed operator).
extension Complex where RealType == Double {
    @inlinable static func * (lhs: Complex<Double>, rhs: Double) -> Complex<Double> {
        Complex(lhs.real * rhs, lhs.imaginary * rhs)
    }
    @inlinable static func * (lhs: Double, rhs: Complex<Double>) -> Complex<Double> {
        Complex(lhs * rhs.real, lhs * rhs.imaginary)
    }
}
