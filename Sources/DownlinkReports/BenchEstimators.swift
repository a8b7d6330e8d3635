// BenchEstimators: the bench's estimator comparison — adaptive vs hybrid time per estimate on the same snapshots.
import Downlink

/// Adaptive vs hybrid at one (protocol, power): times per estimate (s) over the same snapshots, timed alternately.
public struct EstimatorComparison: Encodable, Sendable {
    public var protocol_: String
    public var power_dbm: Double
    public var estimates: Int
    /// Medians and means of the time per estimate (s), cost model reused (`DownlinkEstimators`).
    public var hybrid_median_s: Double, adaptive_median_s: Double
    public var hybrid_mean_s: Double, adaptive_mean_s: Double
    /// adaptive / hybrid, of the medians and of the means (the means include the slow snapshots that use the budget).
    public var ratio_median: Double, ratio_mean: Double
    /// Mean cost evaluations per estimate.
    public var hybrid_evaluations: Double, adaptive_evaluations: Double
    enum CodingKeys: String, CodingKey {
        case protocol_ = "protocol", power_dbm, estimates, hybrid_median_s, adaptive_median_s, hybrid_mean_s, adaptive_mean_s,
             ratio_median, ratio_mean, hybrid_evaluations, adaptive_evaluations
    }
}

/// Times both estimators on `estimates` noisy snapshots per (protocol, power), UE at `user` (m), alternating which
/// one runs first per snapshot so that a drifting machine speed affects both alike.
func compareEstimators(network: DownlinkNetwork, powersDBm: [Double], estimates: Int, seed: UInt64, user: Point2,
                       phaseOffset: Double, clock: Stopwatch) throws -> [EstimatorComparison] {
    var rows: [EstimatorComparison] = []
    var sink = 0.0
    for proto in DownlinkProtocol.allCases {
        let estimators = try DownlinkEstimators(network: network, protocol: proto)
        for powerDBm in powersDBm {
            var times: [DownlinkEstimatorKind: [Double]] = [:]
            var evaluations: [DownlinkEstimatorKind: Int] = [:]
            for run in 0..<estimates {
                let y = DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: user, phaseOffset: phaseOffset,
                                                          perAPPower: watts(fromDBm: powerDBm), noiseVariance: DownlinkConstants.noiseVariance,
                                                          seed: seed, runIndex: run)
                if run == 0 { sink += try estimators.estimate(.adaptive, samples: y).position.x }   // warm-up
                let order: [DownlinkEstimatorKind] = run % 2 == 0 ? [.hybrid, .adaptive] : [.adaptive, .hybrid]
                for kind in order {
                    let start = clock.now()
                    let e = try estimators.estimate(kind, samples: y)
                    times[kind, default: []].append(clock.now() - start)
                    evaluations[kind, default: 0] += e.costEvaluations
                    sink += e.position.x
                }
            }
            func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }
            let h = times[.hybrid] ?? [], a = times[.adaptive] ?? []
            rows.append(EstimatorComparison(
                protocol_: proto.rawValue, power_dbm: powerDBm, estimates: estimates, hybrid_median_s: median(h),
                adaptive_median_s: median(a), hybrid_mean_s: mean(h), adaptive_mean_s: mean(a), ratio_median: median(a) / median(h),
                ratio_mean: mean(a) / mean(h), hybrid_evaluations: Double(evaluations[.hybrid] ?? 0) / Double(estimates),
                adaptive_evaluations: Double(evaluations[.adaptive] ?? 0) / Double(estimates)))
        }
    }
    keepAlive(sink)
    return rows
}
