// MeasurementSynthesis: per panel and step, the channel estimator's output (docs/MODEL.md §A.5–§A.7) from counter-based streams.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A visible path with its true normalized amplitude u (docs/MODEL.md §A.5).
public struct VisiblePath: Sendable, Equatable {
    /// Geometry: kind, wall, distance (m), AoA (rad), reflection point.
    public var geometry: PathGeometry
    /// True normalized amplitude u = g √(SNR_1m N_a) / d (dimensionless).
    public var amplitude: Double

    public init(geometry: PathGeometry, amplitude: Double) {
        self.geometry = geometry
        self.amplitude = amplitude
    }

    /// The path's geometry with its amplitude from `radio`.
    public init(geometry: PathGeometry, radio: RadioParameters) {
        self.init(geometry: geometry,
                  amplitude: radio.pathAmplitude(distance: geometry.distance,
                                                 singleBounce: geometry.kind == .singleBounce))
    }

    public var kind: PathKind { geometry.kind }
    /// Reflecting wall index, −1 for the LoS.
    public var wall: Int { geometry.wall }
    /// True path length, metres.
    public var distance: Double { geometry.distance }
    /// True AoA at the panel, radians.
    public var aoa: Double { geometry.aoa }
}

/// Where a measurement came from (truth; never sent to a panel).
public enum MeasurementOrigin: Sendable, Equatable, Hashable {
    case lineOfSight
    case singleBounce(wall: Int)
    case falseAlarm
}

/// One panel's measurements for one step together with the truth behind them.
public struct SynthesizedMeasurements: Sendable, Equatable {
    /// What the panel receives (shuffled).
    public var measurements: PanelMeasurements
    /// Origin of each measurement, aligned with `measurements`.
    public var origins: [MeasurementOrigin]
    /// For each visible path (in the order of the visible-path list): detected (z_u > u_de) or missed.
    public var pathDetected: [Bool]
    /// Number of false alarms in the list.
    public var falseAlarmCount: Int
    /// The LoS path is visible (geometrically).
    public var losVisible: Bool
    /// The LoS path is visible and was detected (it is among the measurements).
    public var losDetected: Bool
}

/// Measurement synthesis of docs/MODEL.md §A.6–§A.7 for one (run seed, step, panel).
///
/// Random numbers, all from ``RandomStream`` keyed by (seed, step, panel, purpose):
/// - path with slot s (0 = LoS, w + 1 = bounce via wall w): the amplitude noise pair from block s of
///   `.pathAmplitude`, the distance/AoA noise pair from block s of `.pathNoise`. A path's numbers therefore do
///   not depend on which other paths are visible, and the same seed gives the same standard-normal draws
///   at every bandwidth and array size (common random numbers across a sweep);
/// - false-alarm count from `.falseAlarmCount`, their values (distance, AoA, amplitude, three uniforms
///   each, in that order) from `.falseAlarms`;
/// - the permutation (Fisher–Yates from the back) from `.shuffle`.
public enum MeasurementSynthesis {
    /// Measurements and truth for the given visible paths.
    public static func synthesize(paths: ArraySlice<VisiblePath>, radio: RadioParameters,
                                  seed: UInt64, step: Int, panel: Int) -> SynthesizedMeasurements {
        var measurements = PanelMeasurements()
        var origins: [MeasurementOrigin] = []
        var detected: [Bool] = []
        let falseAlarms = fill(paths: paths, radio: radio, seed: seed, step: step, panel: panel,
                               into: &measurements, origins: &origins, detected: &detected, recordTruth: true)
        let losIndex = paths.firstIndex { $0.kind == .lineOfSight }
        let losDetected = losIndex.map { detected[$0 - paths.startIndex] } ?? false
        return SynthesizedMeasurements(measurements: measurements, origins: origins, pathDetected: detected,
                                       falseAlarmCount: falseAlarms, losVisible: losIndex != nil,
                                       losDetected: losDetected)
    }

    /// Measurements only, written into `measurements` (its buffers are reused: no allocation once they
    /// have grown to the largest list).
    public static func generate(paths: ArraySlice<VisiblePath>, radio: RadioParameters,
                                seed: UInt64, step: Int, panel: Int, into measurements: inout PanelMeasurements) {
        var noOrigins: [MeasurementOrigin] = []
        var noDetections: [Bool] = []
        _ = fill(paths: paths, radio: radio, seed: seed, step: step, panel: panel, into: &measurements,
                 origins: &noOrigins, detected: &noDetections, recordTruth: false)
    }

    /// The one implementation; returns the number of false alarms.
    static func fill(paths: ArraySlice<VisiblePath>, radio: RadioParameters, seed: UInt64, step: Int, panel: Int,
                     into measurements: inout PanelMeasurements, origins: inout [MeasurementOrigin],
                     detected: inout [Bool], recordTruth: Bool) -> Int {
        measurements.distance.removeAll(keepingCapacity: true)
        measurements.aoa.removeAll(keepingCapacity: true)
        measurements.amplitude.removeAll(keepingCapacity: true)
        let panelKey = UInt32(truncatingIfNeeded: panel)
        let threshold = radio.detectionThreshold
        let distanceStdTimesU = radio.distanceStdTimesU
        let aoaStdTimesU = radio.aoaStdTimesU
        let halfSqrt = 0.5.squareRoot()     // CN(0, 1): real and imaginary parts have variance 1/2

        var amplitudeStream = RandomStream(seed: seed, step: step, panel: panelKey, purpose: .pathAmplitude)
        var noiseStream = RandomStream(seed: seed, step: step, panel: panelKey, purpose: .pathNoise)
        for path in paths {
            let slot = UInt32(path.geometry.slot)
            let u = path.amplitude
            // 1. Rice amplitude z_u = |u + (n1 + j n2)/√2|
            amplitudeStream.seek(toBlock: slot)
            let n1 = amplitudeStream.nextGaussian(), n2 = amplitudeStream.nextGaussian()
            let zu = hypot(u + n1 * halfSqrt, n2 * halfSqrt)
            // 2. missed detection iff z_u ≤ u_de
            let isDetected = zu > threshold
            if recordTruth { detected.append(isDetected) }
            guard isDetected else { continue }
            // 3. distance and AoA noise with the Fisher-based std at the true u
            noiseStream.seek(toBlock: slot)
            let e1 = noiseStream.nextGaussian(), e2 = noiseStream.nextGaussian()
            measurements.distance.append(path.distance + distanceStdTimesU / u * e1)
            measurements.aoa.append(wrapAngle(path.aoa + aoaStdTimesU / u * e2))
            measurements.amplitude.append(zu)
            if recordTruth {
                origins.append(path.kind == .lineOfSight ? .lineOfSight : .singleBounce(wall: path.wall))
            }
        }

        // False alarms: Poisson(μ_fa) count; z_d ~ U[0, d_max], z_φ ~ U[−π, π), z_u = √(u_de² − ln U).
        var countStream = RandomStream(seed: seed, step: step, panel: panelKey, purpose: .falseAlarmCount)
        let falseAlarmCount = countStream.nextPoisson(mean: radio.falseAlarmMean)
        var falseAlarmStream = RandomStream(seed: seed, step: step, panel: panelKey, purpose: .falseAlarms)
        for _ in 0..<falseAlarmCount {
            let d = radio.maxDistance * falseAlarmStream.nextUniform()
            let phi = wrapAngle(-Double.pi + 2 * Double.pi * falseAlarmStream.nextUniform())
            let zu = (threshold * threshold - log(falseAlarmStream.nextUniformOpen())).squareRoot()
            measurements.distance.append(d)
            measurements.aoa.append(phi)
            measurements.amplitude.append(zu)
            if recordTruth { origins.append(.falseAlarm) }
        }

        // Random permutation of the list.
        var shuffleStream = RandomStream(seed: seed, step: step, panel: panelKey, purpose: .shuffle)
        var i = measurements.count - 1
        while i > 0 {
            let j = shuffleStream.nextInt(below: i + 1)
            if j != i {
                measurements.distance.swapAt(i, j)
                measurements.aoa.swapAt(i, j)
                measurements.amplitude.swapAt(i, j)
                if recordTruth { origins.swapAt(i, j) }
            }
            i -= 1
        }
        return falseAlarmCount
    }
}
