// ToyWorld: a small wall-free world with LoS-only measurements and false alarms, for filter tests.
import Scenario
@testable import Localization

/// Four panels at the midpoints of a 30 m square's sides, an agent on a straight line at constant velocity,
/// and per panel and step one noisy LoS measurement (detected if its Rice amplitude exceeds u_de) plus
/// Poisson(μ_fa) false alarms, drawn from the Scenario module's streams (purposes pathNoise, falseAlarms).
struct ToyWorld {
    var radio = RadioParameters()
    var panels: [SIMD2<Double>] = [SIMD2(15, 0), SIMD2(30, 15), SIMD2(15, 30), SIMD2(0, 15)]
    var start = SIMD2<Double>(8, 12)
    var velocity = SIMD2<Double>(0.8, 0.3)
    var interval = 0.2

    func position(_ step: Int) -> SIMD2<Double> { start + velocity * (interval * Double(step)) }

    func setup(filter: FilterParameters) -> ChainSetup {
        ChainSetup(panelPositions: panels, radio: radio, filter: filter,
                   priorCentre: start - velocity * interval, priorVelocity: velocity)
    }

    func measurements(seed: UInt64, step: Int, panel: Int) -> PanelMeasurements {
        var noise = RandomStream(seed: seed, step: step, panel: UInt32(panel), purpose: .pathNoise)
        var z = PanelMeasurements()
        let delta = position(step) - panels[panel]
        let d = (delta * delta).sum().squareRoot()
        let phi = atan2(delta.y, delta.x)
        let u = radio.maxAmplitude / d
        let re = u + noise.nextGaussian() / 2.0.squareRoot(), im = noise.nextGaussian() / 2.0.squareRoot()
        let zu = (re * re + im * im).squareRoot()
        if zu > radio.detectionThreshold {
            z.distance.append(d + radio.distanceStd(amplitude: u) * noise.nextGaussian())
            z.aoa.append(LocaLoSReference.wrapAngle(phi + radio.aoaStd(amplitude: u) * noise.nextGaussian()))
            z.amplitude.append(zu)
        }
        var clutter = RandomStream(seed: seed, step: step, panel: UInt32(panel), purpose: .falseAlarms)
        for _ in 0..<clutter.nextPoisson(mean: radio.falseAlarmMean) {
            let ude = radio.detectionThreshold
            z.amplitude.append((ude * ude - log(clutter.nextUniformOpen())).squareRoot())
            z.distance.append(radio.maxDistance * clutter.nextUniform())
            z.aoa.append(-Double.pi + 2 * Double.pi * clutter.nextUniform())
        }
        return z
    }

    func run(filter: FilterParameters, seed: UInt64, steps: Int) -> ChainRun {
        runInProcessChain(setup(filter: filter), seed: seed, steps: steps) { n, j in
            measurements(seed: seed, step: n, panel: j)
        }
    }

    func errors(_ run: ChainRun) -> [Double] {
        RunStatistics.positionErrors(estimates: run.estimates, truth: (0..<run.stepCount).map(position))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
