// FastPEBTests: the structured PEB evaluator and the dense Schur path against the eigenvalue reference (docs/MODEL.md §DL.6).
import Foundation
import Scenario
import Testing
@testable import Downlink

/// The reference PEB of a setup: Fisher information by `information` (direct sums over every pulse), then
/// eigenvalues for the singularity test and a full inverse (the implementation before the Schur evaluator).
func referencePEB(_ setup: FisherSetup) -> PositionErrorBound {
    DownlinkFisher.referencePositionErrorBound(fisher: DownlinkFisher.information(setup), dimension: setup.parameterCount)
}

/// Test points: uniform in a 14 m square around the origin (inside the AP square, well away from the APs).
func randomUsers(count: Int, step: Int) -> [Point2] {
    var stream = RandomStream(seed: 9_001, step: step, panel: noPanel, purpose: .downlinkSearch)
    return (0..<count).map { _ in Point2(-7 + 14 * stream.nextUniform(), -7 + 14 * stream.nextUniform()) }
}

@Suite struct FastPEBTests {
    static let cases: [(DownlinkProtocol, DownlinkProcessing, AmplitudeModel)] =
        DownlinkProtocol.allCases.flatMap { proto in
            DownlinkProcessing.allCases.flatMap { processing in AmplitudeModel.allCases.map { (proto, processing, $0) } }
        }

    /// Evaluator (reused across points, with precomputed Gram blocks and with direct sums), one-shot
    /// `positionErrorBound(setup)` and the dense Schur path all equal the eigenvalue reference to 1e−9 relative at random
    /// points, on the default and on non-default geometries (odd and even K).
    @Test(arguments: 0..<8)
    func evaluatorMatchesReference(index: Int) {
        let (proto, processing, amplitudeModel) = Self.cases[index]
        let networks: [(String, DownlinkNetwork)] = [
            ("default", makeNetwork()),
            ("mirrored, corners, K = 25", makeNetwork { $0.mirroredArray = true; $0.layout = .corners; $0.illuminationPoints = 25 }),
            ("normal orientation, centred grid, K = 49", makeNetwork { $0.orientation = .edgeNormal; $0.illuminationGrid = .cellCentred
                                                                         $0.illuminationPoints = 49 }),
        ]
        for (networkIndex, (name, network)) in networks.enumerated() {
            let power = watts(fromDBm: -7.5 + 5 * Double(networkIndex))
            let evaluator = PositionErrorBoundEvaluator(network: network, protocol: proto, processing: processing, perAPPower: power,
                                                        amplitudeModel: amplitudeModel, p2Products: .precoderGram)
            let direct = PositionErrorBoundEvaluator(network: network, protocol: proto, processing: processing, perAPPower: power,
                                                     amplitudeModel: amplitudeModel, p2Products: .directSums)
            for (pointIndex, user) in randomUsers(count: 12, step: 10 * index + networkIndex).enumerated() {
                let phase = -1.2 + 0.3 * Double(pointIndex)
                let setup = FisherSetup(network: network, protocol: proto, processing: processing, user: user, phaseOffset: phase,
                                        perAPPower: power, amplitudeModel: amplitudeModel)
                let reference = referencePEB(setup).value
                let fast = evaluator.positionErrorBound(at: user, phaseOffset: phase)
                let fastDirect = direct.positionErrorBound(at: user, phaseOffset: phase)
                let oneShot = DownlinkFisher.positionErrorBound(setup).value
                let dense = DownlinkFisher.positionErrorBound(fisher: DownlinkFisher.information(setup), dimension: setup.parameterCount).value
                #expect(reference.isFinite, "\(name) \(proto) \(processing) \(amplitudeModel) at \(user)")
                #expect(relative(fast, reference) < 1e-9, "\(name) \(proto) \(processing) \(amplitudeModel) at \(user): \(fast) vs \(reference)")
                #expect(relative(fastDirect, reference) < 1e-9, "\(name) \(proto) \(processing) \(amplitudeModel) at \(user): \(fastDirect)")
                #expect(relative(oneShot, reference) < 1e-9, "\(name) \(proto) \(processing) \(amplitudeModel) at \(user): \(oneShot)")
                #expect(relative(dense, reference) < 1e-9, "\(name) \(proto) \(processing) \(amplitudeModel) at \(user): \(dense)")
            }
            #expect(evaluator.referenceFallbackCount == 0, "the pivot test and the norm bound decided every point")
            #expect(direct.referenceFallbackCount == 0, "the pivot test and the norm bound decided every point (direct sums)")
        }
    }

    /// Structurally singular and barely regular Fisher information (P2 with few illumination points, docs/MODEL.md §DL.6):
    /// the same verdicts as the eigenvalue reference, and equal values where finite.
    @Test func structuralSingularitiesMatchReference() {
        for k in [4, 9, 16, 25] {
            let network = makeNetwork { $0.illuminationPoints = k }
            for processing in DownlinkProcessing.allCases {
                for amplitudeModel in AmplitudeModel.allCases {
                    let evaluator = PositionErrorBoundEvaluator(network: network, protocol: .p2, processing: processing,
                                                                perAPPower: watts(fromDBm: 0), amplitudeModel: amplitudeModel,
                                                                p2Products: .precoderGram)
                    for user in randomUsers(count: 4, step: 100 + k) {
                        let setup = FisherSetup(network: network, protocol: .p2, processing: processing, user: user,
                                                perAPPower: watts(fromDBm: 0), amplitudeModel: amplitudeModel)
                        let reference = referencePEB(setup).value
                        let fast = evaluator.positionErrorBound(at: user)
                        let dense = DownlinkFisher.positionErrorBound(setup).value
                        let label = "K = \(k) P2 \(processing) \(amplitudeModel) at \(user)"
                        #expect(fast.isFinite == reference.isFinite, "\(label): \(fast) vs \(reference)")
                        #expect(dense.isFinite == reference.isFinite, "\(label): \(dense) vs \(reference)")
                        if reference.isFinite {
                            #expect(relative(fast, reference) < 1e-9, "\(label): \(fast) vs \(reference)")
                            #expect(relative(dense, reference) < 1e-9, "\(label): \(dense) vs \(reference)")
                        }
                    }
                    #expect(evaluator.referenceFallbackCount == 0, "K = \(k) \(processing) \(amplitudeModel)")
                }
            }
        }
    }

    /// Synthetic information matrices with a prescribed spectrum around the threshold σ_min/σ_max = 1e−12: clearly
    /// singular (1e−14), in the undecided band (1.5e−12, 5e−12: the exact eigenvalue test decides), and near-singular
    /// but regular (1e−7): the dense Schur path gives the reference's verdict and value. The position entries are
    /// mixed into the near-null direction so that the PEB depends on it.
    @Test func nearSingularSyntheticMatrices() {
        let p = 9
        for smallest in [1e-14, 1.5e-12, 5e-12, 1e-7, 1e-3] {
            let spectrum = (0..<p).map { $0 == 4 ? smallest * 3 : 0.5 + Double($0) * 0.25 }
            var fisher = symmetricMatrix(eigenvalues: spectrum)
            // unequal parameter scales, as in the real Fisher information (position ~1e4 × the nuisance scale)
            let scales = (0..<p).map { $0 < 2 ? 1e4 : 1 + Double($0) }
            for i in 0..<p { for j in 0..<p { fisher[i * p + j] *= scales[i] * scales[j] } }
            let reference = DownlinkFisher.referencePositionErrorBound(fisher: fisher, dimension: p)
            let fast = DownlinkFisher.positionErrorBound(fisher: fisher, dimension: p)
            #expect(fast.isSingular == reference.isSingular, "σ_min = \(smallest): \(fast.value) vs \(reference.value)")
            if !reference.isSingular {
                // the rounding of either method is ~κ·ε ≈ 1e−16/σ_min relative
                #expect(relative(fast.value, reference.value) < max(1e-9, 1e-14 / smallest), "σ_min = \(smallest)")
                #expect(relative(fast.conditionNumber, reference.conditionNumber) < 1e-9)
            }
        }
        // the verdicts themselves: below 1e−12 singular, above regular
        #expect(DownlinkFisher.positionErrorBound(fisher: symmetricMatrix(eigenvalues: [2, 1, 1e-14 * 2, 1]), dimension: 4).isSingular)
        #expect(!DownlinkFisher.positionErrorBound(fisher: symmetricMatrix(eigenvalues: [2, 1, 1e-7, 1]), dimension: 4).isSingular)
    }

    /// The condition number (a diagnostic, recomputed on request) equals the reference's.
    @Test func conditionNumberMatchesReference() {
        let network = makeNetwork()
        for proto in DownlinkProtocol.allCases {
            for processing in DownlinkProcessing.allCases {
                let setup = FisherSetup(network: network, protocol: proto, processing: processing, user: Point2(0.3, -1.1),
                                        perAPPower: watts(fromDBm: 0))
                let reference = referencePEB(setup)
                let fast = DownlinkFisher.positionErrorBound(setup)
                #expect(relative(fast.conditionNumber, reference.conditionNumber) < 1e-9, "\(proto) \(processing)")
                #expect(reference.conditionNumber > 1 && reference.conditionNumber.isFinite)
            }
        }
    }

    /// A dependent nuisance column (two identical amplitude parameters) makes F exactly singular.
    @Test func duplicatedParameterIsSingular() {
        let network = makeNetwork()
        let setup = FisherSetup(network: network, protocol: .p2, processing: .coherent, user: Point2(1, 1), perAPPower: watts(fromDBm: 0))
        let p = setup.parameterCount
        let fisher = DownlinkFisher.information(setup)
        // duplicate parameter 5 as a new last parameter
        let q = p + 1
        var extended = [Double](repeating: 0, count: q * q)
        func source(_ i: Int) -> Int { i == p ? 5 : i }
        for i in 0..<q { for j in 0..<q { extended[i * q + j] = fisher[source(i) * p + source(j)] } }
        #expect(DownlinkFisher.referencePositionErrorBound(fisher: extended, dimension: q).isSingular)
        #expect(DownlinkFisher.positionErrorBound(fisher: extended, dimension: q).isSingular)
    }
}
