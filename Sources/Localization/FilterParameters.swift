// FilterParameters: Loca-LoS filter constants (docs/MODEL.md §B.6) and the per-panel model derived from them.
import Scenario

/// The Loca-LoS filter constants of docs/MODEL.md §B.1, §B.3 and §B.6 (defaults are the spec's).
public struct FilterParameters: Sendable, Equatable, Codable {
    /// Number of particles N_p (agent and, per panel, amplitude). Must be a positive multiple of 16.
    public var particleCount: Int = 4096
    /// Sampling interval Δt in seconds.
    public var samplingInterval: Double = 0.2
    /// Driving-noise (acceleration) standard deviation σ_a of the constant-velocity model, m/s².
    public var accelerationStd: Double = 0.5
    /// Inter-panel regularization: std = h_reg · particle std per dimension (dimensionless).
    public var regularizationFactor: Double = 0.1
    /// Minimum regularization std per dimension (x m, y m, v_x m/s, v_y m/s).
    public var regularizationFloor: SIMD4<Double> = SIMD4(repeating: 1e-3)
    /// LoS survival probability p_s = p(r_n = 1 | r_{n−1} = 1).
    public var survivalProbability: Double = 0.95
    /// LoS birth probability p_b = p(r_n = 1 | r_{n−1} = 0).
    public var birthProbability: Double = 0.05
    /// Amplitude random walk: std = max(randomWalkAbsolute, randomWalkRelative · u).
    public var randomWalkRelative: Double = 0.05
    /// Amplitude random walk floor (normalized amplitude units).
    public var randomWalkAbsolute: Double = 0.1
    /// Initial (and reset) existence probability p_e,0.
    public var initialExistence: Double = 0.5
    /// Existence threshold p_de: the LoS is declared present iff p_e > p_de.
    public var existenceThreshold: Double = 0.5
    /// Filter-side mean number μ_mpc of reflection measurements per panel (clutter with amplitude pdf U[u_de, u_bmax]).
    public var reflectionClutterMean: Double = 1.5
    /// Radius of the uniform prior disc around the prior centre, metres.
    public var priorRadius: Double = 0.5
    /// Half-width of the uniform prior box around the prior velocity, per component, m/s.
    public var priorVelocitySpread: Double = 0.2
    /// Loca-MPC: cap T_max on the BP data-association iterations per update (docs/MODEL.md §C.3).
    public var associationMaxIterations: Int = 1000
    /// Loca-MPC: BP stops when max |log ν_new − log ν_old| falls below this (docs/MODEL.md §C.3).
    public var associationTolerance: Double = 1e-6
    /// Number B of islands γ travels as (docs/MODEL.md §B.7): 1 is the paper's chain (one γ of N_p particles);
    /// B > 1 splits γ into B islands of N_p/B particles (a multiple of 16), each regularized, weighted and
    /// resampled on its own with a carried log weight, combined and resampled globally at the last panel.
    public var islandCount: Int = 1

    public init() {}
}

/// Everything one panel needs to run its update: its position and the radio/filter constants, with the
/// derived quantities precomputed. Pure value; identical on every host for identical inputs.
public struct PanelModel: Sendable, Equatable {
    /// Panel (array centroid) position, metres.
    public let position: SIMD2<Double>
    public let radio: RadioParameters
    public let filter: FilterParameters

    /// σ_d²(u)·u² in m² (distance variance times squared amplitude).
    public let distanceVarianceTimesU2: Double
    /// σ_φ²(u)·u² in rad² (AoA variance times squared amplitude).
    public let aoaVarianceTimesU2: Double
    /// Largest (birth) amplitude u_bmax = √(SNR_1m · N_a).
    public let maxAmplitude: Double

    public init(position: SIMD2<Double>, radio: RadioParameters, filter: FilterParameters) {
        precondition(filter.particleCount > 0 && filter.particleCount % 16 == 0,
                     "particle count must be a positive multiple of 16")
        self.position = position
        self.radio = radio
        self.filter = filter
        distanceVarianceTimesU2 = radio.distanceStdTimesU * radio.distanceStdTimesU
        aoaVarianceTimesU2 = radio.aoaStdTimesU * radio.aoaStdTimesU
        maxAmplitude = radio.maxAmplitude
    }

    /// Measured-amplitude variance σ_u² of the amplitude likelihood N(z_u; u, σ_u²) (docs/MODEL.md §A.6, [DER]).
    public static let amplitudeVariance = 0.5
}
