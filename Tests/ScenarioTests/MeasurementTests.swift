// Measurement synthesis tests: Fisher-based noise, Marcum-Q detection, Poisson false alarms, independence of (seed, step, panel).
import Foundation
import Testing
@testable import Scenario

// MARK: - independent reference values

/// p_d(u) = P(|u + n| > u_de), n ~ CN(0, 1), by 2-D quadrature over the miss disc |z| ≤ u_de (no Bessel
/// function, no Marcum Q routine): P(miss) = (1/π) ∫_0^{u_de} r ∫_0^{2π} exp(−(r² − 2ru cos θ + u²)) dθ dr.
/// Inner integral: periodic trapezoid rule (spectrally accurate), 256 nodes; outer: Simpson, 2000 intervals
/// by default (error < 1e−11 against SciPy for u ≤ 4).
func detectionProbabilityByQuadrature(amplitude u: Double, threshold: Double,
                                      angularNodes: Int = 256, radialIntervals: Int = 2000) -> Double {
    func ring(_ r: Double) -> Double {     // r ∫ exp(...) dθ, exponent written as −(r − u)² + 2ru(cos θ − 1)
        var sum = 0.0
        for k in 0..<angularNodes {
            let theta = 2 * Double.pi * Double(k) / Double(angularNodes)
            sum += exp(-(r - u) * (r - u) + 2 * r * u * (cos(theta) - 1))
        }
        return r * sum * 2 * Double.pi / Double(angularNodes)
    }
    let h = threshold / Double(radialIntervals)
    var simpson = ring(0) + ring(threshold)
    for i in 1..<radialIntervals { simpson += (i % 2 == 1 ? 4 : 2) * ring(Double(i) * h) }
    return 1 - simpson * h / 3 / Double.pi
}

/// Q_1(√2 u, √2 u_de) for u_de = 2 from SciPy 1.17.1: `scipy.stats.ncx2.sf(2 * 2**2, 2, 2 * u**2)`
/// (Q_1(a, b) = P(χ'²_2(a²) > b²)).
let scipyDetectionProbability: [(u: Double, pd: Double)] = [
    (1.0, 0.12338144785482252), (2.0, 0.5717158909284253), (2.5, 0.807235721056916),
    (3.0, 0.9405906098417004), (4.0, 0.9984232951633482),
]

/// Kolmogorov–Smirnov statistic of `samples` against the continuous CDF `cdf`.
func kolmogorovSmirnov(_ samples: [Double], cdf: (Double) -> Double) -> Double {
    let sorted = samples.sorted()
    let n = Double(sorted.count)
    var statistic = 0.0
    for (i, x) in sorted.enumerated() {
        let f = cdf(x)
        statistic = max(statistic, f - Double(i) / n, Double(i + 1) / n - f)
    }
    return statistic
}

/// KS critical value at significance 0.001 (asymptotic: 1.949/√n).
func ksCritical(_ n: Int) -> Double { 1.949 / Double(n).squareRoot() }

private func path(_ kind: PathKind, wall: Int = -1, distance: Double, aoa: Double, amplitude: Double) -> VisiblePath {
    VisiblePath(geometry: PathGeometry(kind: kind, wall: wall, distance: distance, aoa: aoa,
                                       reflectionPoint: kind == .lineOfSight ? nil : .zero),
                amplitude: amplitude)
}

@Suite struct MeasurementStatisticsTests {
    @Test func marcumQuadratureAgreesWithScipy() {
        for (u, pd) in scipyDetectionProbability {
            #expect(abs(detectionProbabilityByQuadrature(amplitude: u, threshold: 2) - pd) < 1e-9, "u = \(u)")
        }
        // u = 0: Rayleigh tail exp(−u_de²)
        #expect(abs(detectionProbabilityByQuadrature(amplitude: 0, threshold: 2) - exp(-4)) < 1e-12)
    }

    /// Distance and AoA errors of detected paths are N(0, σ_d²(u)) and N(0, σ_φ²(u)) with the Fisher-based
    /// σ at the true u (docs/MODEL.md §A.6). Normalized errors e must have mean 0 (tolerance 5/√n), variance 1
    /// (5·√(2/n): the sample variance of n normals has sd √(2/n)), and P(|e| < 1) = 0.6827 (5 binomial sd):
    /// this rejects a σ off by 5 % or more at n = 20,000 (variance off by 0.1 vs tolerance 0.05) and non-Gaussian
    /// noise of the right variance (uniform: P(|e| < 1) = 0.577).
    /// The AoA cases sit next to ±π so that 6–27 % of them wrap: the wrapped error must still be normal.
    @Test(arguments: [
        (400e6, 5, PathKind.lineOfSight, -1, 4.0, Double.pi - 0.05),
        (40e6, 17, PathKind.singleBounce, 2, 12.0, -Double.pi + 0.01),
        (400e6, 7, PathKind.lineOfSight, -1, 2.5, 3.0),
    ])
    func distanceAndAoANoiseMatchFisher(bandwidth: Double, side: Int, kind: PathKind, wall: Int,
                                        amplitude: Double, aoa: Double) {
        var radio = RadioParameters()
        radio.bandwidthHz = bandwidth
        radio.arraySide = side
        radio.falseAlarmMean = 0
        let paths = [path(kind, wall: wall, distance: 12.5, aoa: aoa, amplitude: amplitude)]
        let sigmaD = radio.distanceStd(amplitude: amplitude), sigmaPhi = radio.aoaStd(amplitude: amplitude)
        var distanceErrors: [Double] = [], aoaErrors: [Double] = []
        var wrapped = 0
        let draws = 20_000
        for n in 0..<draws {
            let result = MeasurementSynthesis.synthesize(paths: paths[...], radio: radio, seed: 31, step: n, panel: 3)
            #expect(result.measurements.count == (result.pathDetected[0] ? 1 : 0))
            guard result.measurements.count == 1 else { continue }
            #expect(result.origins[0] == (kind == .lineOfSight ? .lineOfSight : .singleBounce(wall: wall)))
            let zPhi = result.measurements.aoa[0]
            #expect(zPhi >= -Double.pi && zPhi < Double.pi)
            if (zPhi < 0) != (aoa < 0) { wrapped += 1 }
            distanceErrors.append((result.measurements.distance[0] - 12.5) / sigmaD)
            aoaErrors.append(wrapAngle(zPhi - aoa) / sigmaPhi)
        }
        let n = Double(distanceErrors.count)
        #expect(n > 0.75 * Double(draws))
        for (name, errors) in [("distance", distanceErrors), ("aoa", aoaErrors)] {
            let mean = errors.reduce(0, +) / n
            let variance = errors.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
            let inside = Double(errors.filter { abs($0) < 1 }.count) / n
            print("noise \(name) Bw=\(bandwidth) Ma=\(side) u=\(amplitude): n=\(Int(n)) mean \(mean) variance \(variance) P(|e|<1) \(inside)")
            #expect(abs(mean) < 5 / n.squareRoot(), "\(name) mean \(mean)")
            #expect(abs(variance - 1) < 5 * (2 / n).squareRoot(), "\(name) variance \(variance)")
            #expect(abs(inside - 0.682689492) < 5 * (0.682689492 * 0.317310508 / n).squareRoot(), "\(name) \(inside)")
        }
        // The cases sit next to ±π: the share of measurements that wrapped to the other end of [−π, π) must be
        // P(φ + σ_φ e ∉ [−π, π)) = Φ(−(π − φ)/σ_φ) + Φ(−(π + φ)/σ_φ) (5 binomial sd).
        func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
        let expectedWrap = normalCDF(-(Double.pi - aoa) / sigmaPhi) + normalCDF(-(Double.pi + aoa) / sigmaPhi)
        let wrapShare = Double(wrapped) / n
        print("aoa wrap share \(wrapShare), expected \(expectedWrap)")
        #expect(expectedWrap > 0.05)
        #expect(abs(wrapShare - expectedWrap) < 5 * (expectedWrap * (1 - expectedWrap) / n).squareRoot())
    }

    /// Missed-detection rate equals 1 − Q_1(√2u, √2u_de) (quadrature above, itself checked against SciPy).
    /// n = 20,000 draws per u; tolerance 5 binomial standard deviations √(p(1 − p)/n) ≤ 0.018. A Rice model
    /// with the wrong noise variance (σ² = 1 instead of 1/2 per quadrature) changes p_d(2) from 0.57 to 0.61 and
    /// p_d(1) from 0.12 to 0.24, far outside that.
    @Test(arguments: [0.0, 1.0, 2.0, 2.5, 3.0, 4.0])
    func missedDetectionRateMatchesMarcumQ(amplitude: Double) {
        var radio = RadioParameters()
        radio.falseAlarmMean = 0
        let paths = [path(.lineOfSight, distance: 10, aoa: 0.3, amplitude: amplitude)]
        let draws = 20_000
        var detections = 0
        for n in 0..<draws {
            let result = MeasurementSynthesis.synthesize(paths: paths[...], radio: radio, seed: 2025, step: n, panel: 0)
            if result.pathDetected[0] {
                detections += 1
                #expect(result.losDetected && result.measurements.amplitude[0] > radio.detectionThreshold)
            } else {
                #expect(!result.losDetected && result.measurements.count == 0)
            }
        }
        let expected = detectionProbabilityByQuadrature(amplitude: amplitude, threshold: radio.detectionThreshold)
        let rate = Double(detections) / Double(draws)
        let tolerance = 5 * (expected * (1 - expected) / Double(draws)).squareRoot()
        print("detection u=\(amplitude): rate \(rate), Marcum Q \(expected), tolerance \(tolerance)")
        #expect(abs(rate - expected) < tolerance)
    }

    /// False alarms: count Poisson(μ_fa) (mean and variance), P(N = 0) = e^{−μ}; values z_d ~ U[0, d_max],
    /// z_φ ~ U[−π, π), z_u truncated Rayleigh with CDF 1 − exp(−(z² − u_de²)) (KS tests at the 0.1 % level).
    /// n = 40,000 panel-steps: mean tolerance 5√(μ/n); the sample variance of Poisson counts has sd
    /// √((μ + 2μ²)/n), tolerance 5 of those. A Bernoulli or fixed count, or a wrong μ, fails.
    @Test(arguments: [1.0, 3.5])
    func falseAlarmsArePoissonWithTheSpecDistributions(mean mu: Double) {
        var radio = RadioParameters()
        radio.falseAlarmMean = mu
        let steps = 40_000
        var counts: [Double] = []
        var distances: [Double] = [], angles: [Double] = [], amplitudes: [Double] = []
        for n in 0..<steps {
            let result = MeasurementSynthesis.synthesize(paths: [], radio: radio, seed: 99, step: n, panel: 7)
            #expect(result.falseAlarmCount == result.measurements.count)
            #expect(result.origins.allSatisfy { $0 == .falseAlarm })
            counts.append(Double(result.falseAlarmCount))
            distances += result.measurements.distance
            angles += result.measurements.aoa
            amplitudes += result.measurements.amplitude
        }
        let n = Double(steps)
        let mean = counts.reduce(0, +) / n
        let variance = counts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        let zeroFraction = Double(counts.filter { $0 == 0 }.count) / n
        let p0 = exp(-mu)
        print("false alarms mu=\(mu): mean \(mean) variance \(variance) P(0) \(zeroFraction) vs \(p0)")
        #expect(abs(mean - mu) < 5 * (mu / n).squareRoot())
        #expect(abs(variance - mu) < 5 * ((mu + 2 * mu * mu) / n).squareRoot())
        #expect(abs(zeroFraction - p0) < 5 * (p0 * (1 - p0) / n).squareRoot())

        let dMax = radio.maxDistance, threshold = radio.detectionThreshold
        #expect(distances.allSatisfy { $0 >= 0 && $0 < dMax })
        #expect(angles.allSatisfy { $0 >= -Double.pi && $0 < Double.pi })
        #expect(amplitudes.allSatisfy { $0 >= threshold })
        let ksDistance = kolmogorovSmirnov(distances) { $0 / dMax }
        let ksAngle = kolmogorovSmirnov(angles) { ($0 + Double.pi) / (2 * Double.pi) }
        let ksAmplitude = kolmogorovSmirnov(amplitudes) { 1 - exp(-($0 * $0 - threshold * threshold)) }
        print("false alarms mu=\(mu): KS distance \(ksDistance) angle \(ksAngle) amplitude \(ksAmplitude), critical \(ksCritical(distances.count))")
        #expect(ksDistance < ksCritical(distances.count))
        #expect(ksAngle < ksCritical(angles.count))
        #expect(ksAmplitude < ksCritical(amplitudes.count))
    }

    /// Whole scenario, J = 24, N_a = 25, 400 MHz, seed 2025: the mean number of measurements per PA and step
    /// equals Σ p_d(u) over the visible paths + μ_fa (docs/MODEL.md §A.4: "about 3.2"), and the LoS detection rate equals
    /// the mean p_d of the visible LoS paths. Tolerances: 5 standard errors of the sums (Bernoulli and Poisson
    /// variances added over all 12,624 PA-steps).
    @Test func wholeTrackMeasurementCounts() throws {
        let world = try World(ScenarioParameters())
        // p_d on a grid u = 0, 0.02, …, 8 (coarser quadrature: 96 × 400 nodes, error < 1e−8) with linear
        // interpolation (error ≤ h²/8·max|p_d''| < 1e−4 per path, < 3 in total against a tolerance of ~500);
        // above u = 8, 1 − p_d ≤ P(|n| > u − u_de) = exp(−(u − 2)²) < 1e−15.
        let gridStep = 0.02, threshold = world.radio.detectionThreshold
        let grid = (0...400).map {
            detectionProbabilityByQuadrature(amplitude: Double($0) * gridStep, threshold: threshold,
                                             angularNodes: 96, radialIntervals: 400)
        }
        func pd(_ u: Double) -> Double {
            if u >= 8 { return 1 }
            let position = u / gridStep, k = Int(position), fraction = position - Double(k)
            return grid[k] + fraction * (grid[k + 1] - grid[k])
        }
        var expectedCount = 0.0, countVariance = 0.0, actualCount = 0
        var losVisible = 0, losDetected = 0, expectedLoS = 0.0, losVariance = 0.0
        for n in 0..<world.stepCount {
            for j in 0..<world.panelCount {
                let result = world.synthesize(seed: 2025, step: n, panel: j)
                actualCount += result.measurements.count
                expectedCount += world.radio.falseAlarmMean
                countVariance += world.radio.falseAlarmMean
                for path in world.visiblePaths(step: n, panel: j) {
                    let p = pd(path.amplitude)
                    expectedCount += p
                    countVariance += p * (1 - p)
                    if path.kind == .lineOfSight {
                        losVisible += 1
                        expectedLoS += p
                        losVariance += p * (1 - p)
                    }
                }
                #expect(result.losVisible == world.losVisible(step: n, panel: j))
                if result.losDetected { losDetected += 1 }
            }
        }
        let pairs = Double(world.stepCount * world.panelCount)
        print("J=24 measurements per PA-step: \(Double(actualCount) / pairs), expected \(expectedCount / pairs); LoS detected \(losDetected)/\(losVisible), expected \(expectedLoS)")
        #expect(abs(Double(actualCount) - expectedCount) < 5 * countVariance.squareRoot())
        #expect(abs(Double(losDetected) - expectedLoS) < 5 * max(losVariance.squareRoot(), 1))
        #expect(abs(Double(actualCount) / pairs - 3.2) < 0.1)     // docs/MODEL.md §A.4: "about 3.2"
    }
}

@Suite struct MeasurementIndependenceTests {
    /// Every (seed, step, panel) is its own set of streams: generating pairs alone, in reverse order, or from a
    /// fresh world gives exactly the values of generating all in order.
    @Test func aloneEqualsInOrder() throws {
        let seed: UInt64 = 2025
        let inOrder = try World(ScenarioParameters())
        var all: [[PanelMeasurements]] = []
        for n in 0..<inOrder.stepCount {
            all.append((0..<inOrder.panelCount).map { inOrder.measurements(seed: seed, step: n, panel: $0) })
        }
        let reversed = try World(ScenarioParameters())
        var reusable = PanelMeasurements()
        for n in (0..<reversed.stepCount).reversed() {
            for j in (0..<reversed.panelCount).reversed() {
                reversed.measurements(seed: seed, step: n, panel: j, into: &reusable)
                #expect(reusable == all[n][j])
            }
        }
        // single pairs, each from a fresh world
        for (n, j) in [(0, 0), (525, 23), (183, 7), (497, 12), (260, 19)] {
            let fresh = try World(ScenarioParameters())
            #expect(fresh.measurements(seed: seed, step: n, panel: j) == all[n][j])
            #expect(fresh.synthesize(seed: seed, step: n, panel: j).measurements == all[n][j])
        }
        // a different seed changes the values
        var differing = 0
        for n in 0..<50 where inOrder.measurements(seed: seed + 1, step: n, panel: 0) != all[n][0] { differing += 1 }
        #expect(differing >= 45)
    }

    /// A path's values depend on its own slot only, not on the other visible paths (LoS alone vs. with bounces).
    @Test func pathValuesDoNotDependOnOtherPaths() throws {
        let world = try World(ScenarioParameters())
        var compared = 0
        for n in stride(from: 0, to: world.stepCount, by: 7) {
            for j in 0..<world.panelCount {
                let paths = world.visiblePaths(step: n, panel: j)
                guard paths.count >= 2, paths.first?.kind == .lineOfSight else { continue }
                let full = world.synthesize(seed: 11, step: n, panel: j)
                let alone = MeasurementSynthesis.synthesize(paths: paths.prefix(1), radio: world.radio,
                                                            seed: 11, step: n, panel: j)
                #expect(full.pathDetected[0] == alone.pathDetected[0])
                guard let a = full.origins.firstIndex(of: .lineOfSight),
                      let b = alone.origins.firstIndex(of: .lineOfSight) else { continue }
                #expect(full.measurements.distance[a] == alone.measurements.distance[b])
                #expect(full.measurements.aoa[a] == alone.measurements.aoa[b])
                #expect(full.measurements.amplitude[a] == alone.measurements.amplitude[b])
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    /// The list is a permutation of paths-then-false-alarms (origins follow their values) and it is shuffled:
    /// the LoS measurement is not always first.
    @Test func listIsShuffled() throws {
        let world = try World(ScenarioParameters())
        var losFirst = 0, losPresentWithOthers = 0
        for n in 0..<world.stepCount {
            let result = world.synthesize(seed: 3, step: n, panel: 4)
            #expect(result.origins.count == result.measurements.count)
            #expect(result.origins.filter { $0 == .falseAlarm }.count == result.falseAlarmCount)
            #expect(result.origins.filter { $0 != .falseAlarm }.count == result.pathDetected.filter { $0 }.count)
            if result.measurements.count >= 2, result.origins.contains(.lineOfSight) {
                losPresentWithOthers += 1
                if result.origins[0] == .lineOfSight { losFirst += 1 }
            }
        }
        #expect(losPresentWithOthers > 100)
        #expect(Double(losFirst) < 0.7 * Double(losPresentWithOthers))
    }
}

@Suite struct ScenarioCSVTests {
    @Test func csvMatchesTheWorld() throws {
        var parameters = ScenarioParameters()
        parameters.panelCount = 2
        let world = try World(parameters)
        let files = ScenarioCSV.all(world)
        #expect(files.map(\.name) == ["panels.csv", "walls.csv", "track.csv", "visibility.csv"])
        func rows(_ text: String) -> [[String]] {
            text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        }
        let panels = rows(ScenarioCSV.panels(world))
        #expect(panels[0] == ["index", "x", "y", "wall"])
        #expect(panels.count == 3)
        #expect(panels[1] == ["0", "0.0", "30.0", "2;3"])
        let walls = rows(ScenarioCSV.walls(world.room))
        #expect(walls.count == 7 && walls[5] == ["4", "W5", "10.0", "7.5", "10.0", "22.5", "1"])
        let track = rows(ScenarioCSV.track(world.trajectory))
        #expect(track[0] == ["step", "x", "y", "vx", "vy"] && track.count == 527)
        for n in [0, 100, 183, 525] {
            let values = track[n + 1].map { Double($0)! }
            #expect(values == [Double(n), world.agentPosition(step: n).x, world.agentPosition(step: n).y,
                               world.agentVelocity(step: n).x, world.agentVelocity(step: n).y])
        }
        let visibility = rows(ScenarioCSV.visibility(world))
        #expect(visibility[0] == ["step", "panel", "los_visible", "n_paths"])
        #expect(visibility.count == 1 + 526 * 2)
        for row in visibility.dropFirst() {
            let n = Int(row[0])!, j = Int(row[1])!
            #expect(row[2] == (world.losVisible(step: n, panel: j) ? "1" : "0"))
            #expect(Int(row[3])! == world.visiblePaths(step: n, panel: j).count)
        }
    }
}
