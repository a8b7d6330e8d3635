// AdaptiveEstimatorTests: the adaptive estimator's uncertainty, lower bound, work bound and accuracy below the hybrid's threshold.
import ComplexModule
import Foundation
import Scenario
import Testing
@testable import Downlink

@Suite struct AdaptiveEstimatorTests {
    static let network = makeNetwork()
    static let user = Point2(-2.3, 1.8)
    static let phase = 10 * Double.pi / 180

    static func snapshot(_ proto: DownlinkProtocol, powerDBm: Double, run: Int, seed: UInt64 = 77) -> [Complex<Double>] {
        DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: user, phaseOffset: phase,
                                          perAPPower: watts(fromDBm: powerDBm), noiseVariance: DownlinkConstants.noiseVariance,
                                          seed: seed, runIndex: run)
    }

    /// The curvature-based standard deviation √trace(σ̂² H⁻¹) of û_nc agrees with the non-coherent PEB (the Fisher
    /// information of the same model) on average, and the residual noise variance with the true one.
    @Test(arguments: DownlinkProtocol.allCases)
    func uncertaintyMatchesNonCoherentPEB(_ proto: DownlinkProtocol) throws {
        let powerDBm = -20.0
        let estimators = try DownlinkEstimators(network: Self.network, protocol: proto)
        var deviations: [Double] = [], variances: [Double] = []
        for run in 0..<12 {
            let evaluator = try DownlinkCostEvaluator(model: estimators.model, samples: Self.snapshot(proto, powerDBm: powerDBm, run: run))
            let e = AdaptiveEstimator.run(evaluator: evaluator, settings: estimators.adaptiveSettings)
            #expect(e.uncertainty.valid)
            deviations.append(e.uncertainty.standardDeviation)
            variances.append(e.uncertainty.noiseVariance)
        }
        let peb = DownlinkReading().peb(network: Self.network, protocol: proto, processing: .nonCoherent, user: Self.user,
                                        phaseOffset: Self.phase, powerDBm: powerDBm)
        let meanDeviation = deviations.reduce(0, +) / Double(deviations.count)
        #expect(abs(meanDeviation / peb - 1) < 0.15, "mean √trace Σ̂ \(meanDeviation) m vs non-coherent PEB \(peb) m")
        // 12 snapshots × (S − M − 1) residual degrees of freedom: 12 × 15 for P2, so ~7 % standard error of the mean
        let meanVariance = variances.reduce(0, +) / Double(variances.count)
        #expect(abs(meanVariance / DownlinkConstants.noiseVariance - 1) < 0.25, "σ̂² \(meanVariance) W vs \(DownlinkConstants.noiseVariance) W")
    }

    /// The pruning bound: the non-coherent cost never exceeds the coherent one (the coherent model is a special case).
    @Test(arguments: DownlinkProtocol.allCases)
    func nonCoherentCostBoundsCoherentCost(_ proto: DownlinkProtocol) throws {
        let evaluator = try DownlinkCostEvaluator(network: Self.network, protocol: proto, samples: Self.snapshot(proto, powerDBm: -35, run: 1))
        var stream = RandomStream(seed: 9, step: 0, panel: noPanel, purpose: .downlinkSearch)
        for _ in 0..<500 {
            let u = Point2(Self.user.x + 0.6 * stream.nextGaussian(), Self.user.y + 0.6 * stream.nextGaussian())
            let nc = evaluator.evaluate(.nonCoherent, at: u).cost, c = evaluator.evaluate(.coherent, at: u).cost
            #expect(nc <= c * (1 + 1e-12), "C_nc \(nc) > C_coh \(c) at \(u)")
        }
    }

    /// The lattice search never evaluates more coherent costs than its budget, and searches a smaller Mahalanobis radius
    /// when the budget cuts the ellipse.
    @Test func latticeWorkIsBounded() throws {
        var settings = AdaptiveEstimatorSettings.standard()
        settings.maximumLatticePoints = 3000
        let estimator = try AdaptiveEstimator(network: Self.network, protocol: .p1, settings: settings)
        let e = try estimator.estimate(samples: Self.snapshot(.p1, powerDBm: -50, run: 0))
        #expect(e.latticeEvaluations <= 3000)
        #expect(e.searchedConfidence < settings.confidence)
        let high = try estimator.estimate(samples: Self.snapshot(.p1, powerDBm: 0, run: 0))
        #expect(high.searchedConfidence == settings.confidence)
        #expect(high.latticeEvaluations < 3000)
    }

    /// Below the hybrid's threshold (P1 −40 dBm, P2 −35 dBm at (−2.3, 1.8) m) the adaptive estimator stays at the
    /// coherent PEB on the same snapshots on which the hybrid's fixed ±0.1 m search misses.
    @Test(arguments: [(DownlinkProtocol.p1, -40.0), (.p2, -35.0)])
    func reachesCoherentPEBBelowHybridThreshold(_ proto: DownlinkProtocol, _ powerDBm: Double) throws {
        let estimators = try DownlinkEstimators(network: Self.network, protocol: proto)
        let peb = DownlinkReading().peb(network: Self.network, protocol: proto, processing: .coherent, user: Self.user,
                                        phaseOffset: Self.phase, powerDBm: powerDBm)
        var adaptive: [Double] = [], hybridOutliers = 0
        for run in 0..<16 {
            let y = Self.snapshot(proto, powerDBm: powerDBm, run: run)
            adaptive.append(try estimators.estimate(.adaptive, samples: y).position.distance(to: Self.user))
            if try estimators.estimate(.hybrid, samples: y).position.distance(to: Self.user) > 5 * peb { hybridOutliers += 1 }
        }
        #expect(hybridOutliers >= 1, "the hybrid should miss here (its threshold)")
        #expect(adaptive.allSatisfy { $0 <= 5 * peb }, "adaptive errors \(adaptive) m, coherent PEB \(peb) m")
        #expect(rms(adaptive) < 1.5 * peb)
    }

    /// With early refinements the non-coherent bound prunes tiles, and the estimate stays in the same lobe.
    @Test func earlyRefinementsLetTheBoundPrune() throws {
        var settings = AdaptiveEstimatorSettings.standard()
        let plain = try AdaptiveEstimator(network: Self.network, protocol: .p1, settings: settings)
        settings.earlyRefinements = 3
        let early = try AdaptiveEstimator(network: Self.network, protocol: .p1, settings: settings)
        var pruned = 0
        for run in 0..<6 {
            let y = Self.snapshot(.p1, powerDBm: -40, run: run)
            let a = try plain.estimate(samples: y), b = try early.estimate(samples: y)
            pruned += b.tilesPruned
            #expect(a.position.distance(to: b.position) < 1e-6)
        }
        #expect(pruned > 0)
    }

    @Test func estimatorNames() {
        for kind in DownlinkEstimatorKind.allCases { #expect(DownlinkEstimatorKind(name: kind.rawValue) == kind) }
        #expect(DownlinkEstimatorKind(name: "Non-Coherent") == .nonCoherent)
        #expect(DownlinkEstimatorKind(name: "fast") == nil)
        #expect(DownlinkEstimatorKind.allowedNames == "coherent, noncoherent, hybrid, adaptive")
        #expect(DownlinkEstimatorKind.hybrid.processing == .coherent && DownlinkEstimatorKind.nonCoherent.processing == .nonCoherent)
    }

    @Test func rejectsBadSettings() {
        var settings = AdaptiveEstimatorSettings.standard()
        settings.confidence = 0
        #expect(throws: DownlinkError.self) { _ = try AdaptiveEstimator(network: Self.network, protocol: .p1, settings: settings) }
    }
}
