// BenchReport: `dmimo-downlink bench`'s rows (Swift vs numpy, ratio, target), its JSON and its text report.
import Downlink
import Foundation

/// One compared row: Swift and numpy time (s), ratio numpy/Swift, and whether it meets the target.
public struct DownlinkBenchRow: Encodable, Sendable {
    public var name: String
    public var headline: Bool
    public var swift_s: Double
    public var numpy_s: Double?
    public var ratio: Double?
    public var meets_target: Bool?
}

struct DownlinkBenchJSON: Encodable {
    var swift: DownlinkBenchTimings
    var baseline: DownlinkBenchTimings?
    var rows: [DownlinkBenchRow]
    var target: Double
    var estimates: Int
    var repeats: Int
    var build: String
    var clock: String
    var estimator_comparison: [EstimatorComparison]
}

/// The bench's output: its rows, the JSON (--json) and the text report.
public struct DownlinkBenchReport {
    public var rows: [DownlinkBenchRow]
    public var json: any Encodable
    public var lines: [String]
}

/// The rows (name, headline, Swift time, numpy time): the numpy reference has one figure per item; it is compared with
/// the headline (one-shot) Swift figure and, for information, with the reuse figure.
func benchRows(_ swift: DownlinkBenchTimings, baseline base: DownlinkBenchTimings?, target: Double) -> [DownlinkBenchRow] {
    var rows: [DownlinkBenchRow] = []
    func add(_ name: String, headline: Bool, _ ours: Double?, _ theirs: Double?) {
        guard let ours else { return }
        let ratio = theirs.map { $0 / ours }
        rows.append(DownlinkBenchRow(name: name, headline: headline, swift_s: ours, numpy_s: theirs, ratio: ratio,
                                     meets_target: ratio.map { $0 >= target }))
    }
    let oneShotTimes = swift.estimate_with_model_build_s ?? [:], pebOneShotTimes = swift.peb_one_shot_s ?? [:]
    let pebDirectTimes = swift.peb_direct_reused_s ?? [:]
    let processingNames = [("coherent", "coherent"), ("noncoherent", "non-coherent")]
    for proto in ["P1", "P2"] {
        add("hybrid estimate \(proto), one-shot (builds cost model)", headline: true, oneShotTimes[proto], base?.estimate_s[proto])
    }
    for proto in ["P1", "P2"] {
        for (key, label) in processingNames {
            add("PEB \(proto) \(label), one-shot", headline: true, pebOneShotTimes["\(proto)_\(key)"], base?.peb_s["\(proto)_\(key)"])
        }
    }
    for proto in ["P1", "P2"] {
        add("hybrid estimate \(proto), cost model reused", headline: false, swift.estimate_s[proto], base?.estimate_s[proto])
    }
    for proto in ["P1", "P2"] {
        for (key, label) in processingNames {
            add("PEB \(proto) \(label), evaluator reused" + (proto == "P2" ? ", Gram blocks" : ""), headline: false,
                swift.peb_s["\(proto)_\(key)"], base?.peb_s["\(proto)_\(key)"])
            if proto == "P2" {
                add("PEB \(proto) \(label), direct sums, evaluator reused", headline: false, pebDirectTimes["\(proto)_\(key)"],
                    base?.peb_s["\(proto)_\(key)"])
            }
        }
    }
    for proto in ["P1", "P2"] {
        for (key, label) in processingNames {
            add("coarse grid pass \(proto) \(label)", headline: false, swift.coarse_pass_s["\(proto)_\(key)"],
                base?.coarse_pass_s["\(proto)_\(key)"])
        }
    }
    return rows
}

/// The report of `measurement` under `settings`, against the numpy reference `baseline` (read from `baselinePath`) if given.
public func downlinkBenchReport(_ measurement: DownlinkBenchMeasurement, settings: DownlinkBenchSettings,
                                baseline base: DownlinkBenchTimings?, baselinePath: String?) -> DownlinkBenchReport {
    let rows = benchRows(measurement.timings, baseline: base, target: settings.target)
    let comparison = measurement.comparison
    let clockName = Stopwatch(cpu: settings.cpuTime).name
    #if DEBUG
    let build = "debug (timings not meaningful: use swift build -c release)"
    #else
    let build = "release"
    #endif
    let json = DownlinkBenchJSON(swift: measurement.timings, baseline: base, rows: rows, target: settings.target,
                                 estimates: settings.estimates, repeats: settings.repeats, build: build, clock: clockName,
                                 estimator_comparison: comparison)
    var lines: [String] = []
    lines.append("dmimo-downlink bench (\(build), \(clockName)): M = 20, N = 4, K = \(settings.illuminationPoints), 0 dBm, u = (1, 1) m; medians, one thread")
    if let base {
        let baseClock = base.clock ?? "unknown clock"
        lines.append("numpy reference: \(baselinePath ?? "") (\(baseClock), BLAS threads \(base.blas_threads ?? "not recorded"))"
                     + (baseClock == clockName ? "" : "  WARNING: measured with a different clock"))
    } else {
        lines.append("no --baseline: Swift times only (run scripts/downlink_numpy_reference.py --out FILE on this machine for ratios)")
    }
    func format(_ seconds: Double, _ name: String) -> String {
        let (unit, unitName) = name.hasPrefix("PEB") ? (1e-6, "us") : (1e-3, "ms")
        return String(format: "%10.3f %@", seconds / unit, unitName)
    }
    let targetText = String(format: "%g", settings.target)
    func rowLines(_ headline: Bool) -> [String] {
        var out = ["  " + "row".padding(toLength: 50, withPad: " ", startingAt: 0)
                   + "     Swift".padding(toLength: 14, withPad: " ", startingAt: 0)
                   + "     numpy".padding(toLength: 14, withPad: " ", startingAt: 0) + "    ratio  target \(targetText)x"]
        for row in rows where row.headline == headline {
            var text = "  " + row.name.padding(toLength: 50, withPad: " ", startingAt: 0) + format(row.swift_s, row.name)
            if let numpy = row.numpy_s, let ratio = row.ratio, let met = row.meets_target {
                text += "  " + format(numpy, row.name) + String(format: " %8.1fx  ", ratio) + (met ? "met" : "NOT MET")
            }
            out.append(text)
        }
        return out
    }
    lines.append("Headline (one-shot, the same work as the numpy reference):")
    lines += rowLines(true)
    lines.append("For information (Swift reuses per-network precomputation across snapshots / points; numpy does not):")
    lines += rowLines(false)
    lines.append("  " + "network build (geometry, focusing/steering phasors)".padding(toLength: 50, withPad: " ", startingAt: 0)
                 + String(format: "%10.3f us", measurement.networkBuild / 1e-6)
                 + "  (outside the rows above; numpy recomputes the phasors in each PEB call)")
    if !comparison.isEmpty {
        lines.append("Estimators (ms per snapshot, cost model reused, \(settings.estimates) snapshots each, timed alternately, u = (1, 1) m):")
        lines.append("  protocol  P[dBm]   hybrid median/mean   adaptive median/mean   adaptive/hybrid median, mean   evaluations hybrid, adaptive")
        for r in comparison {
            lines.append("  \(r.protocol_)" + String(format: "        %6.1f   %8.2f / %8.2f    %8.2f / %8.2f      %6.2fx, %6.2fx               %8.0f, %8.0f",
                                                     r.power_dbm, r.hybrid_median_s * 1e3, r.hybrid_mean_s * 1e3, r.adaptive_median_s * 1e3,
                                                     r.adaptive_mean_s * 1e3, r.ratio_median, r.ratio_mean, r.hybrid_evaluations,
                                                     r.adaptive_evaluations))
        }
    }
    if base != nil {
        let missed = rows.filter { $0.headline && $0.meets_target == false }.map(\.name)
        lines.append(missed.isEmpty ? "All headline rows meet the \(targetText)x target."
                                    : "Headline rows below the \(targetText)x target: \(missed.joined(separator: "; ")).")
    }
    return DownlinkBenchReport(rows: rows, json: json, lines: lines)
}
