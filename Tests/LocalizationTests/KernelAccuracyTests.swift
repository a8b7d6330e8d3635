// KernelAccuracyTests: the Float32 SIMD log β kernel against the Double reference on random particle clouds.
import Scenario
import Testing
@testable import Localization

@Suite struct KernelAccuracyTests {
    /// For every M in 0…10 (the specialised kernels 0…8 and the generic loop), 64 particles from 1 cm to 3 m
    /// around an agent, amplitudes over [0.05, 160], measurements from the LoS, bounces and clutter. The
    /// Float32 result must agree with the Double reference within a bound derived from Float32 resolution:
    /// 1e−5·max(1, |b|) for the arithmetic, plus the largest sensitivity of any ℓ_m to a distance error of
    /// 8e−6 m (four ulps at 30 m) and to an angle error of 1e−6 rad.
    @Test func float32KernelAgreesWithDoubleReference() {
        var rng = RandomStream(seed: 314, step: 0, panel: 0, purpose: .shuffle)
        var worstExcess = 0.0
        for bandwidth in [40e6, 400e6] {
            var radio = RadioParameters()
            radio.bandwidthHz = bandwidth
            let model = PanelModel(position: SIMD2(15, 0), radio: radio, filter: FilterParameters())
            let agent = SIMD2<Double>(11.3, 17.9)
            let trueDistance = ((agent - model.position) * (agent - model.position)).sum().squareRoot()
            let trueAngle = atan2(agent.y - model.position.y, agent.x - model.position.x)
            for m in 0...10 {
                var z = PanelMeasurements()
                for k in 0..<m {
                    switch k % 3 {
                    case 0:  // LoS-like
                        z.distance.append(trueDistance + 0.01 * rng.nextGaussian())
                        z.aoa.append(trueAngle + 0.01 * rng.nextGaussian())
                        z.amplitude.append(8 + 4 * rng.nextUniform())
                    case 1:  // bounce-like
                        z.distance.append(trueDistance + 5 * rng.nextUniform())
                        z.aoa.append(LocaLoSReference.wrapAngle(trueAngle + 2 * rng.nextGaussian()))
                        z.amplitude.append(3 + 5 * rng.nextUniform())
                    default:  // clutter
                        z.distance.append(radio.maxDistance * rng.nextUniform())
                        z.aoa.append(-Double.pi + 2 * Double.pi * rng.nextUniform())
                        z.amplitude.append((4 - log(rng.nextUniformOpen())).squareRoot())
                    }
                }
                var particles: [[Double]] = [], amplitudes: [Double] = []
                for i in 0..<64 {
                    let spread = [0.01, 0.1, 1, 3][i % 4]
                    particles.append([agent.x + spread * rng.nextGaussian(), agent.y + spread * rng.nextGaussian()])
                    amplitudes.append(0.05 + 160 * rng.nextUniform())
                }
                let got = float32LogBeta(model: model, particles: particles, amplitudes: amplitudes, measurements: z)
                for i in particles.indices {
                    // evaluate the reference at the Float32-rounded inputs
                    let x = Double(Float(particles[i][0])), y = Double(Float(particles[i][1]))
                    let u = Double(Float(amplitudes[i]))
                    let zr = PanelMeasurements(distance: z.distance.map { Double(Float($0)) },
                                               aoa: z.aoa.map { Double(Float($0)) },
                                               amplitude: z.amplitude.map { Double(Float($0)) })
                    let reference = LocaLoSReference.logPseudoLikelihood(x: x, y: y, amplitude: u,
                                                                         measurements: zr, model: model)
                    let d = ((SIMD2(x, y) - model.position) * (SIMD2(x, y) - model.position)).sum().squareRoot()
                    let phi = atan2(y - model.position.y, x - model.position.x)
                    var sensitivity = 0.0
                    for k in 0..<m {
                        let dPart = u * u * abs(zr.distance[k] - d) / model.distanceVarianceTimesU2 * 8e-6
                        let aPart = u * u * abs(LocaLoSReference.wrapAngle(zr.aoa[k] - phi))
                            / model.aoaVarianceTimesU2 * 1e-6
                        sensitivity = max(sensitivity, dPart + aPart)
                    }
                    let bound = 1e-5 * max(1, abs(reference)) + sensitivity
                    let error = abs(got[i] - reference)
                    #expect(error <= bound, "B=\(bandwidth) M=\(m) i=\(i): \(got[i]) vs \(reference), bound \(bound)")
                    worstExcess = max(worstExcess, error / bound)
                }
            }
        }
        print("Float32 kernel: worst error / bound = \(worstExcess)")
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
