// ResultComparison: reads two result folders (summary.json, per_step.csv) and compares them (chain-controller compare).
import Foundation

/// The comparison of two result folders.
public struct ResultComparison: Sendable, Codable {
    public var schemaVersion = resultsSchemaVersion
    public var a: String
    public var b: String
    /// One line per folder: mode, method, J, N_p, runs × steps.
    public var describeA: String
    public var describeB: String
    public var quantities: [ComparedQuantity]
    public var resamples: Int
    public var level: Double

    /// Quantities whose difference exceeds the spread.
    public var significant: [ComparedQuantity] { quantities.filter(\.significant) }

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", a, b, describeA = "describe_a", describeB = "describe_b", quantities
        case resamples, level
    }
}

/// Per-step columns of a per_step.csv, grouped by run.
struct PerStepColumns {
    var errors: StepSamples
    var latencies: StepSamples

    init(folder: String) throws(RuntimeError) {
        let table = try CSVTable(path: folder + "/per_step.csv")
        guard let run = table.header.firstIndex(of: "run"), let error = table.header.firstIndex(of: "error_m"),
              let latency = table.header.firstIndex(of: "latency_us") else {
            throw RuntimeError("\(folder)/per_step.csv lacks the run, error_m or latency_us column")
        }
        var e: [Int: [Double]] = [:], l: [Int: [Double]] = [:]
        for row in table.rows {
            let r = Int(row[run]) ?? 0
            if let x = Double(row[error]) { e[r, default: []].append(x) }
            if let x = Double(row[latency]) { l[r, default: []].append(x) }
        }
        errors = StepSamples(byRun: e.keys.sorted().map { e[$0]! })
        latencies = StepSamples(byRun: l.keys.sorted().map { l[$0]! })
    }
}

/// Compares result folder `b` against `a`: accuracy and latency from the per-step data with bootstrap intervals,
/// faults and memory from summary.json (one value each, no spread).
public func compareResultFolders(_ a: String, _ b: String,
                                 settings: BootstrapSettings = BootstrapSettings()) throws(RuntimeError) -> ResultComparison {
    let sa = try ResultsJSON.read(RunSummary.self, path: a + "/summary.json")
    let sb = try ResultsJSON.read(RunSummary.self, path: b + "/summary.json")
    let pa = try PerStepColumns(folder: a), pb = try PerStepColumns(folder: b)
    var q: [ComparedQuantity] = []
    func steps(_ group: String, _ name: String, _ unit: String, _ stat: StepStatistic, _ x: StepSamples, _ y: StepSamples, scale: Double) {
        var c = compareSteps(group: group, name: name, unit: unit, statistic: stat,
                             a: StepSamples(byRun: x.byRun.map { $0.map { $0 * scale } }),
                             b: StepSamples(byRun: y.byRun.map { $0.map { $0 * scale } }), settings: settings)
        c.unit = unit
        q.append(c)
    }
    func value(_ group: String, _ name: String, _ unit: String, _ f: (RunSummary) -> Double) {
        q.append(compareValues(group: group, name: name, unit: unit, a: f(sa), b: f(sb)))
    }
    // accuracy: position error per step (cm)
    steps("accuracy", "error p50", "cm", .p50, pa.errors, pb.errors, scale: 100)
    steps("accuracy", "error p90", "cm", .p90, pa.errors, pb.errors, scale: 100)
    steps("accuracy", "RMSE over steps", "cm", .rmse, pa.errors, pb.errors, scale: 100)
    value("accuracy", "rmse_m (per-step RMSE over runs, averaged)", "cm") { $0.rmseM * 100 }
    value("accuracy", "LoS detection rate", "") { $0.losDetectionRate }
    value("accuracy", "false LoS rate", "") { $0.falseLosRate }
    value("accuracy", "runs diverged", "") { Double($0.runsDiverged) }
    // latency: end-to-end per step (distributed runs; in-process per_step.csv leaves it empty)
    if !pa.latencies.isEmpty || !pb.latencies.isEmpty {
        steps("latency", "end-to-end p50", "µs", .p50, pa.latencies, pb.latencies, scale: 1)
        steps("latency", "end-to-end p90", "µs", .p90, pa.latencies, pb.latencies, scale: 1)
        steps("latency", "end-to-end p99", "µs", .p99, pa.latencies, pb.latencies, scale: 1)
    } else {
        value("latency", "step compute p50 (in-process)", "µs") { $0.latencyUs.p50 }
        value("latency", "step compute p99 (in-process)", "µs") { $0.latencyUs.p99 }
    }
    value("latency", "end-to-end p99.9", "µs") { $0.latencyUs.p999 }
    value("latency", "per-panel compute p50", "µs") { $0.computeUs.p50 }
    value("latency", "per-hop link p50", "µs") { $0.linkUs.p50 }
    // faults
    value("faults", "steps delivered", "") { Double($0.stepsDelivered) }
    value("faults", "steps degraded", "") { Double($0.stepsDegraded) }
    value("faults", "steps abandoned", "") { Double($0.stepsAbandoned) }
    value("faults", "steps re-issued", "") { Double($0.stepsReissued) }
    value("faults", "faults", "") { Double($0.faults.count) }
    func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
    value("faults", "detection time, mean", "ms") { mean($0.faults.map(\.detectionMs).filter(\.isFinite)) }
    value("faults", "recovery time, mean", "ms") { mean($0.faults.map(\.recoveryMs).filter(\.isFinite)) }
    // memory
    value("memory", "controller peak RSS", "MiB") { $0.memory.controllerPeakRssMib }
    value("memory", "panel peak RSS, max", "MiB") { $0.memory.panelPeakRssMib.max() ?? .nan }
    value("memory", "panels peak RSS, total", "MiB") { $0.memory.panelsTotalPeakRssMib }
    func describe(_ s: RunSummary) -> String {
        "\(s.mode), \(s.method), J=\(s.panels), N_p=\(s.particles), \(s.runs) run(s) x \(s.stepsPerRun) steps, seed \(s.seed)"
    }
    return ResultComparison(a: a, b: b, describeA: describe(sa), describeB: describe(sb), quantities: q,
                            resamples: settings.resamples, level: settings.level)
}

extension ResultComparison {
    /// The side-by-side table with a closing verdict line.
    public var text: String {
        func num(_ x: Double) -> String {
            guard x.isFinite else { return "-" }
            return abs(x) >= 100 ? fixed(x, 1) : abs(x) >= 1 ? fixed(x, 3) : fixed(x, 4)
        }
        var rows: [[String]] = []
        for c in quantities {
            let interval = c.method == .none ? "" : "[\(num(c.low)), \(num(c.high))]"
            rows.append([c.group, c.name + (c.unit.isEmpty ? "" : " (\(c.unit))"), num(c.a), num(c.b),
                         c.a == c.b ? "0" : num(c.difference), interval, c.verdict])
        }
        let header = ["", "quantity", "A", "B", "B - A", "\(Int((level * 100).rounded())) % interval of B - A", "verdict"]
        let methods = Set(quantities.map(\.method)).subtracting([.none]).map(\.rawValue).sorted().joined(separator: ", ")
        let flagged = significant
        return ["A: \(a)  (\(describeA))", "B: \(b)  (\(describeB))", formatTable(header: header, rows: rows),
                "spread: \(methods.isEmpty ? "none" : methods), \(resamples) resamples; \"differs\": one value per set, no spread to judge by",
                flagged.isEmpty ? "no difference exceeds the run-to-run spread"
                    : "\(flagged.count) difference(s) exceed the run-to-run spread: " + flagged.map(\.name).joined(separator: ", ")]
            .joined(separator: "\n")
    }
}
