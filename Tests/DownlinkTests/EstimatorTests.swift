// EstimatorTests: the hybrid estimator's stages, input validation, and its accuracy against the coherent PEB.
import ComplexModule
import Foundation
import Testing
@testable import Downlink

@Suite struct EstimatorTests {
    static let network = makeNetwork()

    @Test func rejectsBadInput() {
        #expect(throws: DownlinkError.illuminationPointsNotSquare(10)) {
            var options = DownlinkNetworkOptions(); options.illuminationPoints = 10
            _ = try DownlinkNetwork(options: options)
        }
        #expect(throws: DownlinkError.illuminationPointsNotSquare(0)) {
            var options = DownlinkNetworkOptions(); options.illuminationPoints = 0
            _ = try DownlinkNetwork(options: options)
        }
        #expect(throws: DownlinkError.nonCoherentP2NeedsMorePoints(k: 16, m: 20)) {
            _ = try HybridEstimator(network: makeNetwork { $0.illuminationPoints = 16 }, protocol: .p2)
        }
        #expect(throws: DownlinkError.sampleCountMismatch(expected: 36, got: 720)) {
            _ = try estimateDownlink(samples: [Complex<Double>](repeating: .zero, count: 720), network: Self.network, protocol: .p2)
        }
        // P1 works for any perfect-square K, including a single illumination point.
        #expect(throws: Never.self) { _ = try HybridEstimator(network: makeNetwork { $0.illuminationPoints = 1 }, protocol: .p1) }
    }

    @Test func fineGridMatchesSpec() {
        let grid = SearchGrid.fine(wavelength: DownlinkConstants.wavelength)
        #expect(grid.count == 48)
        #expect(abs(grid.step - 4.2827e-3) < 1e-7)
        #expect(SearchGrid.coarse.offset(40) == 5)
    }

    /// Running the stages one by one gives the same estimate as `estimate(samples:)`.
    @Test func stagesAreSeparable() throws {
        let y = DownlinkSignalModel.noisySnapshot(network: Self.network, protocol: .p1, user: Point2(0.4, -1.3), phaseOffset: 0.3,
                                                  perAPPower: watts(fromDBm: -10), noiseVariance: DownlinkConstants.noiseVariance,
                                                  seed: 3, runIndex: 1)
        let estimator = try HybridEstimator(network: Self.network, protocol: .p1)
        let whole = try estimator.estimate(samples: y)
        let evaluator = try DownlinkCostEvaluator(model: estimator.model, samples: y)
        let settings = estimator.settings
        let coarse = HybridEstimator.gridSearch(evaluator: evaluator, processing: .nonCoherent, centre: .zero, grid: settings.coarseGrid)
        let descent = HybridEstimator.localDescent(evaluator: evaluator, processing: .nonCoherent, from: coarse.minimiser,
                                                   settings: settings.nonCoherentDescent)
        let fine = HybridEstimator.gridSearch(evaluator: evaluator, processing: .coherent, centre: descent.minimiser, grid: settings.fineGrid)
        let refined = HybridEstimator.localDescent(evaluator: evaluator, processing: .coherent, from: fine.minimiser,
                                                   settings: settings.coherentRefinement)
        #expect(coarse.minimiser == whole.coarse.minimiser)
        #expect(descent.minimiser == whole.nonCoherent.minimiser)
        #expect(fine.minimiser == whole.fine.minimiser)
        #expect(refined.minimiser == whole.position)
        #expect(whole.nonCoherent.converged && whole.coherent.converged)
        // the coarse stage lands on the grid point nearest the truth at this SNR
        #expect(whole.coarse.minimiser.distance(to: Point2(0.5, -1.25)) < 1e-12)
    }

    @Test func phaseErrorIsModuloPi() {
        #expect(abs(phaseErrorModuloPi(0.1 + Double.pi, 0.1)) < 1e-12)
        #expect(abs(phaseErrorModuloPi(-1.5, 1.5) - (Double.pi - 3)) < 1e-12)
        #expect(abs(phaseErrorModuloPi(0.2, 0.1) - 0.1) < 1e-12)
    }

    /// At high SNR (20 dBm per AP) the hybrid estimator is efficient: RMSE within 1 dB (10·log10) of the coherent PEB,
    /// no outliers (error > 5 PEB), phase offset recovered. 24 runs per protocol here (the 200-run figure is measured
    /// in release by `dmimo-downlink study rmse-vs-power`).
    @Test(arguments: DownlinkProtocol.allCases)
    func efficientAtHighSNR(proto: DownlinkProtocol) throws {
        var config = RmseStudyConfiguration()
        config.protocols = [proto]
        config.powersDBm = [20]
        config.runs = 24
        config.seed = 2025
        let row = try #require(try RmseStudy.run(config).first)
        let ratioDB = 10 * log10(row.rmse / row.pebCoherent)
        #expect(abs(ratioDB) < 1, "\(proto): RMSE \(row.rmse) m vs PEB \(row.pebCoherent) m (\(ratioDB) dB)")
        #expect(row.outliers == 0)
        #expect(row.phaseRMSE < 1e-3)
    }
}
