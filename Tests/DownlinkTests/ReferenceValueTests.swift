// ReferenceValueTests: every reference value of docs/MODEL.md §DL.1–§DL.8, parsed from the spec file and reproduced.
import ComplexModule
import Foundation
import Testing
@testable import Downlink

/// Builds a network, failing the test on error.
func makeNetwork(_ configure: (inout DownlinkNetworkOptions) -> Void = { _ in }) -> DownlinkNetwork {
    var options = DownlinkNetworkOptions()
    configure(&options)
    return try! DownlinkNetwork(options: options)
}

func peb(_ network: DownlinkNetwork, _ proto: DownlinkProtocol, _ processing: DownlinkProcessing, user: Point2 = Point2(1, 1),
         powerDBm: Double = 0, amplitudeModel: AmplitudeModel = .free) -> Double {
    DownlinkFisher.positionErrorBound(FisherSetup(network: network, protocol: proto, processing: processing, user: user,
                                                  perAPPower: watts(fromDBm: powerDBm), amplitudeModel: amplitudeModel)).value
}

/// Relative difference |a − b|/|b| (0 when both are infinite).
func relative(_ a: Double, _ b: Double) -> Double {
    if a.isInfinite && b.isInfinite { return 0 }
    return abs(a - b) / abs(b)
}

@Suite struct ReferenceValueTests {
    /// §1: λ and σ².
    @Test func constants() throws {
        let lambda = try #require(SpecReference.matches("λ = c/f0 = (\(SpecReference.numberPattern)) m", in: try SpecReference.text).first)
        #expect(SpecReference.agrees(DownlinkConstants.wavelength, lambda[0]))
        let noise = try #require(SpecReference.matches("σ² = (\(SpecReference.numberPattern)) W \\(", in: try SpecReference.text).first)
        #expect(SpecReference.agrees(DownlinkConstants.noiseVariance, noise[0]))
    }

    /// §2: AP positions (table) and orientations (degree list).
    @Test func geometry() throws {
        let network = makeNetwork()
        let row = try #require(try SpecReference.table(after: "**AP positions** p_m").first)
        let printed = row.dropFirst().joined(separator: " ")
        let pairs = SpecReference.matches("\\((\(SpecReference.numberPattern)),(\(SpecReference.numberPattern))\\)", in: printed)
        #expect(pairs.count == 20)
        for (m, pair) in pairs.enumerated() {
            #expect(network.apX[m] == SpecReference.number(pair[0]))
            #expect(network.apY[m] == SpecReference.number(pair[1]))
        }
        let list = try #require(try SpecReference.paragraph(startingWith: "Values in degrees:"))
        let degrees = SpecReference.matches("(\(SpecReference.numberPattern))[,.]", in: String(list.dropFirst("Values in degrees:".count)))
            .map { $0[0] }.prefix(20)
        #expect(degrees.count == 20)
        for (m, raw) in degrees.enumerated() {
            #expect(SpecReference.agrees(network.apOrientation[m] * 180 / Double.pi, raw), "o_\(m + 1)")
        }
        // §2 illumination grid, K = 36
        #expect(network.illuminationPoint(0) == Point2(-2.5, -2.5))
        #expect(network.illuminationPoint(1) == Point2(-1.5, -2.5))
        #expect(network.illuminationPoint(35) == Point2(2.5, 2.5))
    }

    /// §3: sample values of the signal model.
    @Test func signalModelSamples() throws {
        let network = makeNetwork()
        let power = watts(fromDBm: 0)
        let x = DownlinkSignalModel.coherentModel(network: network, user: Point2(1, 1), perAPPower: power)
        let z = DownlinkSignalModel.nonCoherentModel(network: network, user: Point2(1, 1), perAPPower: power)
        let paragraph = try #require(try SpecReference.paragraph(startingWith: "Sample values (u = (1,1)"))
        let n = SpecReference.numberPattern
        func complexValue(_ name: String) throws -> (String, String, Double) {
            let escaped = NSRegularExpression.escapedPattern(for: name)
            let found = SpecReference.matches("\(escaped) = (\(n)) ([−+]) (\(n)) j", in: paragraph).first
            guard let match = found else { throw SpecReference.Missing(name: name) }
            return (match[0], match[2], match[1] == "+" ? 1 : -1)
        }
        func check(_ value: Complex<Double>, _ name: String) throws {
            let (re, im, sign) = try complexValue(name)
            #expect(SpecReference.agrees(value.real, re), "\(name) real \(value.real)")
            #expect(SpecReference.agrees(value.imaginary * sign, im), "\(name) imaginary \(value.imaginary)")
        }
        try check(x[0], "x_1[0]")
        try check(z[0], "z_1[0]")
        try check(x[12 * 36 + 35], "x_13[35]")
        let p2 = DownlinkSignalModel.noiseFreeObservation(network: network, protocol: .p2, user: Point2(1, 1),
                                                          phaseOffset: DownlinkConstants.phaseOffset, perAPPower: power)
        try check(p2[0], "P2 y[0]")
        let alpha = try #require(SpecReference.matches("α_1 = (\(n))", in: paragraph).first)
        #expect(SpecReference.agrees(DownlinkSignalModel.channelAmplitudes(network: network, user: Point2(1, 1))[0], alpha[0]))
        let energies = try #require(SpecReference.matches("= (\(n)) W \\(P1\\), (\(n)) W \\(P2\\)", in: paragraph).first)
        for (index, proto) in [DownlinkProtocol.p1, .p2].enumerated() {
            let y = DownlinkSignalModel.noiseFreeObservation(network: network, protocol: proto, user: Point2(1, 1),
                                                             phaseOffset: DownlinkConstants.phaseOffset, perAPPower: power)
            let energy = y.reduce(0) { $0 + $1.lengthSquared }
            #expect(SpecReference.agrees(energy, energies[index]), "||y||² \(proto)")
        }
    }

    /// §7: PEB at u = (1, 1) vs per-AP power, all four columns.
    @Test func pebVersusPower() throws {
        let network = makeNetwork()
        let rows = try SpecReference.table(after: "**PEB at u = (1, 1) m vs per-AP power**")
        #expect(rows.count == 3)
        for row in rows {
            let power = try #require(SpecReference.number(row[0]))
            let values = [peb(network, .p1, .coherent, powerDBm: power), peb(network, .p1, .nonCoherent, powerDBm: power),
                          peb(network, .p2, .coherent, powerDBm: power), peb(network, .p2, .nonCoherent, powerDBm: power)]
            for (value, raw) in zip(values, row.dropFirst()) {
                #expect(SpecReference.agrees(value, raw), "P = \(power) dBm: \(value) vs \(raw)")
            }
        }
    }

    /// §7: PEB vs x at y = 1 m, 0 dBm.
    @Test func pebVersusX() throws {
        let network = makeNetwork()
        let rows = try SpecReference.table(after: "**PEB vs x at y = 1 m, P = 0 dBm**")
        #expect(rows.count == 6)
        for row in rows {
            let x = try #require(SpecReference.number(row[0]))
            let user = Point2(x, 1)
            let values = [peb(network, .p1, .coherent, user: user), peb(network, .p1, .nonCoherent, user: user),
                          peb(network, .p2, .coherent, user: user), peb(network, .p2, .nonCoherent, user: user)]
            for (value, raw) in zip(values, row.dropFirst()) {
                #expect(SpecReference.agrees(value, raw), "x = \(x): \(value) vs \(raw)")
            }
        }
    }

    /// §7: noiseless cost values at T1, T2 and at u.
    @Test func noiselessCosts() throws {
        let network = makeNetwork()
        let lambda = network.wavelength
        let points = [Point2(1.01, 0.99), Point2(1 + lambda / 8, 1)]
        let rows = try SpecReference.table(after: "**Noiseless cost values.**")
        #expect(rows.count == 4)
        let n = SpecReference.numberPattern
        for row in rows {
            let proto: DownlinkProtocol = row[0].hasPrefix("P1") ? .p1 : .p2
            let processing: DownlinkProcessing = row[0].contains("non-coh") ? .nonCoherent : .coherent
            let y = DownlinkSignalModel.noiseFreeObservation(network: network, protocol: proto, user: Point2(1, 1),
                                                             phaseOffset: DownlinkConstants.phaseOffset, perAPPower: watts(fromDBm: 0))
            let evaluator = try DownlinkCostEvaluator(network: network, protocol: proto, samples: y)
            for (point, cell) in zip(points, row.dropFirst()) {
                let parsed = try #require(SpecReference.matches("(\(n)) \\((\(n))\\)(?:, δ̂ = (\(n))°)?", in: cell).first)
                let value = evaluator.evaluate(processing, at: point)
                #expect(SpecReference.agrees(value.cost, parsed[0]), "\(row[0]) at \(point): \(value.cost) vs \(parsed[0])")
                #expect(SpecReference.agrees(value.normalised, parsed[1]), "\(row[0]) at \(point): \(value.normalised) vs \(parsed[1])")
                if processing == .coherent {
                    let degrees = try #require(value.phaseOffset) * 180 / Double.pi
                    #expect(SpecReference.agrees(degrees, parsed[2]), "\(row[0]) δ̂ at \(point): \(degrees) vs \(parsed[2])")
                } else {
                    #expect(value.phaseOffset == nil)
                }
            }
            // At u every cost vanishes up to rounding and δ̂ = 10°.
            let atTruth = evaluator.evaluate(processing, at: Point2(1, 1))
            #expect(abs(atTruth.cost) < 1e-21)
            if processing == .coherent {
                #expect(abs(try #require(atTruth.phaseOffset) - DownlinkConstants.phaseOffset) < 1e-9)
            }
        }
    }

    /// §7: average coherent PEB over the 20 × 20 cell-centred grid vs K, fixed per-AP power and fixed energy.
    @Test(arguments: [4, 9, 16, 36, 64])
    func averagePEBVersusK(k: Int) throws {
        let rows = try SpecReference.table(after: "**Average PEB over the illumination region vs K**")
        let row = try #require(rows.first { $0[0] == String(k) })
        let network = makeNetwork { $0.illuminationPoints = k }
        for (column, proto) in [(1, DownlinkProtocol.p1), (2, .p2)] {
            let average = regionAveragePEB(network, proto, .coherent)
            #expect(SpecReference.agrees(average, row[column]), "K = \(k) \(proto): \(average) vs \(row[column])")
            // fixed network energy: per-AP power 0 dBm · 36/K
            let fixedEnergy = regionAveragePEB(network, proto, .coherent, power: watts(fromDBm: 0) * 36 / Double(k))
            #expect(SpecReference.agrees(fixedEnergy, row[column + 2]), "K = \(k) \(proto) fixed energy: \(fixedEnergy) vs \(row[column + 2])")
        }
    }

    /// §7: non-coherent averages (prose under the K table).
    @Test(arguments: [4, 9, 16, 36, 64])
    func averageNonCoherentPEBVersusK(k: Int) throws {
        let paragraph = try #require(try SpecReference.paragraph(startingWith: "Non-coherent averages (0 dBm):"))
        let n = SpecReference.numberPattern
        let network = makeNetwork { $0.illuminationPoints = k }
        let p1 = try #require(SpecReference.matches("P1 ((?:\(n), )+\(n)) for K = ((?:[0-9]+, )+[0-9]+);", in: paragraph).first)
        let p1Values = p1[0].components(separatedBy: ", ")
        let ks = p1[1].components(separatedBy: ", ").map { Int($0)! }
        #expect(p1Values.count == ks.count && ks.count == 5)
        let index = try #require(ks.firstIndex(of: k))
        let p1Average = regionAveragePEB(network, .p1, .nonCoherent)
        #expect(SpecReference.agrees(p1Average, p1Values[index]), "P1 K = \(k): \(p1Average) vs \(p1Values[index])")

        let p2Average = regionAveragePEB(network, .p2, .nonCoherent)
        let infinite = try #require(SpecReference.matches("P2 ∞ for K ≤ ([0-9]+)", in: paragraph).first)
        if k <= Int(infinite[0])! {
            #expect(p2Average.isInfinite, "P2 K = \(k): \(p2Average)")
        } else {
            let finite = SpecReference.matches("(\(n)) \\(K = ([0-9]+)\\)", in: paragraph)
            let printed = try #require(finite.first { Int($0[1]) == k }, "no P2 value for K = \(k)")
            #expect(SpecReference.agrees(p2Average, printed[0]), "P2 K = \(k): \(p2Average) vs \(printed[0])")
        }
    }

    /// §5: noiseless estimator check: û = (1, 1) to 1e−8 m, û_g = (0.998503, 0.998503) for P1, δ̂ = 10°.
    @Test(arguments: DownlinkProtocol.allCases)
    func noiselessEstimate(proto: DownlinkProtocol) throws {
        let network = makeNetwork()
        let y = DownlinkSignalModel.noiseFreeObservation(network: network, protocol: proto, user: Point2(1, 1),
                                                         phaseOffset: DownlinkConstants.phaseOffset, perAPPower: watts(fromDBm: 0))
        let estimate = try estimateDownlink(samples: y, network: network, protocol: proto)
        #expect(estimate.position.distance(to: Point2(1, 1)) < 1e-8, "\(estimate.position)")
        #expect(abs(estimate.phaseOffset - DownlinkConstants.phaseOffset) < 1e-6)
        if proto == .p1 {
            let printed = try #require(SpecReference.matches("û_g = \\((\(SpecReference.numberPattern)), (\(SpecReference.numberPattern))\\) for P1",
                                                             in: try SpecReference.text).first)
            #expect(SpecReference.agrees(estimate.fine.minimiser.x, printed[0]), "\(estimate.fine.minimiser)")
            #expect(SpecReference.agrees(estimate.fine.minimiser.y, printed[1]), "\(estimate.fine.minimiser)")
        }
    }
}

/// Mean PEB over the 20 × 20 cell-centred grid of the 5 m region (docs/MODEL.md §DL.7); +∞ if any point is singular.
func regionAveragePEB(_ network: DownlinkNetwork, _ proto: DownlinkProtocol, _ processing: DownlinkProcessing,
                      power: Double = watts(fromDBm: 0), amplitudeModel: AmplitudeModel = .free) -> Double {
    var sum = 0.0
    for iy in 0..<20 {
        for ix in 0..<20 {
            let user = Point2(-2.5 + (Double(ix) + 0.5) * 0.25, -2.5 + (Double(iy) + 0.5) * 0.25)
            let value = DownlinkFisher.positionErrorBound(FisherSetup(network: network, protocol: proto, processing: processing,
                                                                      user: user, perAPPower: power,
                                                                      amplitudeModel: amplitudeModel)).value
            if value.isInfinite { return .infinity }
            sum += value
        }
    }
    return sum / 400
}
