// VectorisedCostTests: the two-lane (SIMD2) P2 cost path gives the scalar path's results bit for bit.
import ComplexModule
import Foundation
import Scenario
import Testing
@testable import Downlink

@Suite struct VectorisedCostTests {
    /// Every P2 cost, normalised cost and phase estimate of the vectorised evaluator equals the scalar one exactly, on
    /// random points and on a grid through the truth, for K ≥ M and for K < M (rank-deficient Gram matrix: the
    /// Cholesky factorisations drop dependent columns).
    @Test(arguments: [36, 16, 49])
    func vectorisedEqualsScalarBitForBit(k: Int) throws {
        let network = makeNetwork { $0.illuminationPoints = k }
        let model = DownlinkCostModel(network: network, protocol: .p2)
        var y = DownlinkSignalModel.noiseFreeObservation(network: network, protocol: .p2, user: Point2(0.4, -0.9),
                                                         phaseOffset: 0.3, perAPPower: watts(fromDBm: -10))
        var stream = RandomStreamFactory.noise(seed: 31, run: k)
        DownlinkSignalModel.addNoise(to: &y, network: network, protocol: .p2, noiseVariance: DownlinkConstants.noiseVariance,
                                     stream: &stream)
        let scalar = try DownlinkCostEvaluator(model: model, samples: y, vectorised: false)
        let vectorised = try DownlinkCostEvaluator(model: model, samples: y, vectorised: true)
        var points = randomUsers(count: 40, step: 500 + k)
        for i in 0..<5 { for j in 0..<5 { points.append(Point2(0.4 + 0.013 * Double(i - 2), -0.9 + 0.013 * Double(j - 2))) } }
        for processing in DownlinkProcessing.allCases {
            for u in points {
                let a = scalar.evaluate(processing, at: u), b = vectorised.evaluate(processing, at: u)
                #expect(a.cost.bitPattern == b.cost.bitPattern, "K = \(k) \(processing) at \(u): \(a.cost) vs \(b.cost)")
                #expect(a.normalised.bitPattern == b.normalised.bitPattern)
                #expect(a.phaseOffset?.bitPattern == b.phaseOffset?.bitPattern)
            }
        }
    }

    /// The whole hybrid estimate is the same bit for bit (positions, phase, stage outputs, evaluation counts).
    @Test func vectorisedEstimateEqualsScalar() throws {
        let network = makeNetwork()
        let estimator = try HybridEstimator(network: network, protocol: .p2)
        let y = DownlinkSignalModel.noisySnapshot(network: network, protocol: .p2, user: Point2(1, 1),
                                                  phaseOffset: DownlinkConstants.phaseOffset, perAPPower: watts(fromDBm: -20),
                                                  noiseVariance: DownlinkConstants.noiseVariance, seed: 12, runIndex: 3)
        let a = HybridEstimator.run(evaluator: try DownlinkCostEvaluator(model: estimator.model, samples: y, vectorised: false),
                                    settings: estimator.settings)
        let b = HybridEstimator.run(evaluator: try DownlinkCostEvaluator(model: estimator.model, samples: y, vectorised: true),
                                    settings: estimator.settings)
        #expect(a.position == b.position)
        #expect(a.phaseOffset.bitPattern == b.phaseOffset.bitPattern)
        #expect(a.normalisedCost.bitPattern == b.normalisedCost.bitPattern)
        #expect(a.coarse.minimiser == b.coarse.minimiser && a.fine.minimiser == b.fine.minimiser)
        #expect(a.nonCoherent.minimiser == b.nonCoherent.minimiser)
        #expect(a.costEvaluations == b.costEvaluations)
    }
}
