// FisherTests: analytic Fisher information vs a central finite-difference Jacobian of the noise-free mean.
import ComplexModule
import Foundation
import Testing
@testable import Downlink

/// The noise-free mean μ(η) of a Fisher setup as a function of its real parameter vector η, built from the
/// signal model's direct (array-factor) path — independent of the analytic derivatives in `DownlinkFisher`.
func meanFunction(_ setup: FisherSetup) -> (initial: [Double], mean: ([Double]) -> [Complex<Double>]) {
    let network = setup.network, m = network.apCount, power = setup.perAPPower
    let alpha0 = DownlinkSignalModel.channelAmplitudes(network: network, user: setup.user)
    let distance0 = (0..<m).map { network.geometry(ap: $0, point: setup.user).distance }
    func model(_ u: Point2) -> [Complex<Double>] {
        setup.processing == .coherent
            ? DownlinkSignalModel.coherentModel(network: network, user: u, perAPPower: power)
            : DownlinkSignalModel.nonCoherentModel(network: network, user: u, perAPPower: power)
    }
    func unit(_ phase: Double) -> Complex<Double> { Complex(cos(phase), sin(phase)) }
    let u0 = [setup.user.x, setup.user.y]
    switch (setup.processing, setup.amplitudeModel) {
    case (.coherent, .free):
        return (u0 + [setup.phaseOffset] + alpha0, { eta in
            let u = Point2(eta[0], eta[1])
            return DownlinkSignalModel.mean(network: network, protocol: setup.protocol, model: model(u),
                                            gains: (0..<m).map { unit(eta[2]) * Complex(eta[3 + $0]) })
        })
    case (.coherent, .structured):
        return (u0 + [setup.phaseOffset], { eta in
            let u = Point2(eta[0], eta[1])
            let alpha = DownlinkSignalModel.channelAmplitudes(network: network, user: u)
            return DownlinkSignalModel.mean(network: network, protocol: setup.protocol, model: model(u),
                                            gains: alpha.map { unit(eta[2]) * Complex($0) })
        })
    case (.nonCoherent, .free):
        let beta = (0..<m).map { unit(setup.phaseOffset - 2 * Double.pi * distance0[$0] / network.wavelength) * Complex(alpha0[$0]) }
        return (u0 + beta.flatMap { [$0.real, $0.imaginary] }, { eta in
            DownlinkSignalModel.mean(network: network, protocol: setup.protocol, model: model(Point2(eta[0], eta[1])),
                                     gains: (0..<m).map { Complex(eta[2 + 2 * $0], eta[3 + 2 * $0]) })
        })
    case (.nonCoherent, .structured):
        let phases = (0..<m).map { setup.phaseOffset - 2 * Double.pi * distance0[$0] / network.wavelength }
        return (u0 + phases, { eta in
            let u = Point2(eta[0], eta[1])
            let alpha = DownlinkSignalModel.channelAmplitudes(network: network, user: u)
            return DownlinkSignalModel.mean(network: network, protocol: setup.protocol, model: model(u),
                                            gains: (0..<m).map { unit(eta[2 + $0]) * Complex(alpha[$0]) })
        })
    }
}

/// F = (2/σ²) Re{Jᴴ J} with J from central differences of μ(η).
func finiteDifferenceFisher(_ setup: FisherSetup) -> [Double] {
    let (eta0, mean) = meanFunction(setup)
    let p = eta0.count
    var columns: [[Complex<Double>]] = []
    let amplitudeScale = DownlinkSignalModel.channelAmplitudes(network: setup.network, user: setup.user).reduce(0, +)
        / Double(setup.network.apCount)
    for i in 0..<p {
        // Steps: 3e-6 m for position (carrier phase (2π/λ)·h ≈ 2e-4 rad, truncation error ≈ 1e-8 relative),
        // 1e-5 rad for phases, 1e-5 × the mean α for amplitudes (μ is linear in them).
        let isAmplitude = setup.amplitudeModel == .free && (setup.processing == .coherent ? i >= 3 : i >= 2)
        let step = i < 2 ? 3e-6 : (isAmplitude ? 1e-5 * amplitudeScale : 1e-5)
        var plus = eta0, minus = eta0
        plus[i] += step; minus[i] -= step
        let a = mean(plus), b = mean(minus)
        columns.append(zip(a, b).map { ($0 - $1) / Complex(2 * step) })
    }
    var fisher = [Double](repeating: 0, count: p * p)
    for i in 0..<p {
        for j in 0..<p {
            fisher[i * p + j] = 2 / setup.noiseVariance * zip(columns[i], columns[j]).reduce(0) { $0 + ($1.0.conjugate * $1.1).real }
        }
    }
    return fisher
}

@Suite struct FisherTests {
    static let cases: [(DownlinkProtocol, DownlinkProcessing, AmplitudeModel)] =
        DownlinkProtocol.allCases.flatMap { proto in
            DownlinkProcessing.allCases.flatMap { processing in AmplitudeModel.allCases.map { (proto, processing, $0) } }
        }

    /// Every entry of the equilibrated analytic FIM matches the finite-difference FIM, and so does the PEB.
    @Test(arguments: 0..<8)
    func fisherMatchesFiniteDifferences(index: Int) {
        let (proto, processing, amplitudeModel) = Self.cases[index]
        for (user, mirrored) in [(Point2(1, 1), false), (Point2(-3.2, 2.7), true)] {
            let network = makeNetwork { $0.mirroredArray = mirrored }
            let setup = FisherSetup(network: network, protocol: proto, processing: processing, user: user,
                                    perAPPower: watts(fromDBm: 0), amplitudeModel: amplitudeModel)
            let analytic = DownlinkFisher.information(setup)
            let numeric = finiteDifferenceFisher(setup)
            let p = setup.parameterCount
            var worst = 0.0
            for i in 0..<p {
                for j in 0..<p {
                    let scale = (analytic[i * p + i] * analytic[j * p + j]).squareRoot()
                    worst = max(worst, abs(analytic[i * p + j] - numeric[i * p + j]) / scale)
                }
            }
            #expect(worst < 1e-6, "\(proto) \(processing) \(amplitudeModel) at \(user): worst equilibrated entry error \(worst)")
            let pebAnalytic = DownlinkFisher.positionErrorBound(fisher: analytic, dimension: p).value
            let pebNumeric = DownlinkFisher.positionErrorBound(fisher: numeric, dimension: p).value
            #expect(relative(pebAnalytic, pebNumeric) < 1e-6, "\(proto) \(processing) \(amplitudeModel): \(pebAnalytic) vs \(pebNumeric)")
        }
    }

    /// PEB ∝ P^{−1/2} exactly (docs/MODEL.md §DL.6).
    @Test func pebScalesWithPower() {
        let network = makeNetwork()
        for proto in DownlinkProtocol.allCases {
            for processing in DownlinkProcessing.allCases {
                let low = peb(network, proto, processing, powerDBm: -17)
                let high = peb(network, proto, processing, powerDBm: 3)
                #expect(relative(low, high * 10) < 1e-9)
            }
        }
    }

    /// Structural singularities of §6: P2 coherent needs 2K ≥ M + 3, P2 non-coherent 2K ≥ 2M + 2.
    @Test func structuralSingularities() {
        for (k, coherentFinite, nonCoherentFinite) in [(9, false, false), (16, true, false), (25, true, true)] {
            let network = makeNetwork { $0.illuminationPoints = k }
            let user = Point2(0.37, -0.81)
            #expect(peb(network, .p2, .coherent, user: user).isFinite == coherentFinite, "K = \(k)")
            #expect(peb(network, .p2, .nonCoherent, user: user).isFinite == nonCoherentFinite, "K = \(k)")
            #expect(peb(network, .p1, .coherent, user: user).isFinite)
            #expect(peb(network, .p1, .nonCoherent, user: user).isFinite)
        }
    }
}
