// RadioModel: the radio constants of the uplink scenario and the measurement contract between scenario and filter.

/// Speed of light, metres per second.
public let speedOfLight = 299_792_458.0

/// Radio and detection constants of the uplink scenario (docs/MODEL.md §A.5–§A.7, §B.6).
public struct RadioParameters: Sendable, Equatable, Codable {
    /// Signal bandwidth B_w in hertz (flat spectrum, RMS bandwidth B_w/√12).
    public var bandwidthHz: Double = 400e6
    /// Side M_a of the M_a × M_a uniform rectangular array (N_a = M_a²).
    public var arraySide: Int = 5
    /// Carrier frequency f_c in hertz.
    public var carrierHz: Double = 28e9
    /// Per-element SNR at 1 m distance, in dB.
    public var snr1mDb: Double = 30
    /// Extra loss of a single-bounce path, in dB.
    public var reflectionLossDb: Double = 3
    /// Channel-estimator detection threshold u_de on the normalized amplitude (dimensionless).
    public var detectionThreshold: Double = 2
    /// Mean number of false alarms μ_fa per panel and step.
    public var falseAlarmMean: Double = 1
    /// Largest false-alarm distance d_max in metres.
    public var maxDistance: Double = 30 * 2.0.squareRoot()

    public init() {}

    /// Number of array elements N_a.
    public var arrayElements: Int { arraySide * arraySide }
    /// Wavelength λ in metres.
    public var wavelength: Double { speedOfLight / carrierHz }
    /// RMS bandwidth β in hertz.
    public var rmsBandwidth: Double { bandwidthHz / 12.0.squareRoot() }
    /// Linear per-element SNR at 1 m.
    public var snr1m: Double { pow10(snr1mDb / 10) }
    /// Largest amplitude u_bmax = √(SNR_1m · N_a): the LoS amplitude at 1 m.
    public var maxAmplitude: Double { (snr1m * Double(arrayElements)).squareRoot() }
    /// Distance standard deviation times u: σ_d(u) = distanceStdTimesU / u, metres.
    public var distanceStdTimesU: Double {
        speedOfLight / (2 * 2.0.squareRoot() * Double.pi * rmsBandwidth)
    }
    /// AoA standard deviation times u: σ_φ(u) = aoaStdTimesU / u, radians (Δ = λ/4 URA).
    public var aoaStdTimesU: Double {
        (24.0 / (Double.pi * Double.pi * Double(arrayElements - 1))).squareRoot()
    }
    /// Variance σ_u² = 1/2 of each quadrature of the unit complex noise behind the normalized amplitude
    /// (z_u = |u e^{jθ} + n|, n ~ CN(0, 1); docs/MODEL.md §A.6, §B.1). A model constant, not a parameter.
    public var amplitudeNoiseVariance: Double { 0.5 }
    /// Amplitude factor g = 10^(−L_refl/20) of a single-bounce path (dimensionless; 1 for LoS).
    public var reflectionGain: Double { pow10(-reflectionLossDb / 20) }
    /// True normalized amplitude u = g · √(SNR_1m · N_a) / d of a path of length `distance` metres
    /// (docs/MODEL.md §A.5; the distance is floored at 1 mm as in the reference).
    public func pathAmplitude(distance: Double, singleBounce: Bool) -> Double {
        (singleBounce ? reflectionGain : 1) * maxAmplitude / max(distance, 1e-3)
    }
    /// The panel's antenna array: M_a × M_a URA with spacing λ/4 (docs/MODEL.md §A.2).
    public var array: UniformRectangularArray {
        UniformRectangularArray(side: arraySide, spacing: wavelength / 4)
    }
    /// σ_d(u) in metres.
    public func distanceStd(amplitude u: Double) -> Double { distanceStdTimesU / u }
    /// σ_φ(u) in radians.
    public func aoaStd(amplitude u: Double) -> Double { aoaStdTimesU / u }
}

/// The measurements one panel reports for one step, structure of arrays (docs/MODEL.md §A.6–§A.7).
/// This is all a panel knows of the world: it is what crosses from the controller to the panel.
public struct PanelMeasurements: Sendable, Equatable {
    /// Measured distances z_d in metres.
    public var distance: [Double]
    /// Measured angles of arrival z_φ in radians, wrapped to [−π, π).
    public var aoa: [Double]
    /// Measured normalized amplitudes z_u (> u_de).
    public var amplitude: [Double]

    public init(distance: [Double] = [], aoa: [Double] = [], amplitude: [Double] = []) {
        precondition(distance.count == aoa.count && aoa.count == amplitude.count)
        self.distance = distance
        self.aoa = aoa
        self.amplitude = amplitude
    }

    /// Number of measurements M.
    public var count: Int { distance.count }
}

@usableFromInline func pow10(_ x: Double) -> Double { _exp(x * 2.302585092994046) }
