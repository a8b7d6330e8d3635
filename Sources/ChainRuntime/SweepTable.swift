// SweepTable: the sweep's CSV (a row per point and run: resolved keys and metrics) from the unit folders, and the merge of shard CSVs.
import Foundation

/// A CSV as header and rows of text fields.
public struct CSVTable: Sendable {
    public var header: [String]
    public var rows: [[String]]
    /// '#' lines above the header (without the '#').
    public var comments: [String] = []

    public init(header: [String], rows: [[String]] = []) { self.header = header; self.rows = rows }

    public var text: String {
        comments.map { "# " + $0 + "\n" }.joined() + ([header] + rows).map { $0.map(csvField).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// Reads a CSV (quoted fields allowed; lines starting with '#' skipped).
    public init(path: String) throws(RuntimeError) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw RuntimeError("cannot read \(path)") }
        let all = text.split(separator: "\n", omittingEmptySubsequences: true)
        comments = all.filter { $0.hasPrefix("#") }.map { String($0.dropFirst()).trimmingCharacters(in: .whitespaces) }
        var lines = all.filter { !$0.hasPrefix("#") }.map(parseCSVLine)
        guard !lines.isEmpty else { throw RuntimeError("\(path): no header line") }
        header = lines.removeFirst()
        for (i, row) in lines.enumerated() where row.count != header.count {
            throw RuntimeError("\(path): data row \(i + 1) has \(row.count) fields, the header \(header.count)")
        }
        rows = lines
    }

    public func write(to path: String) throws(RuntimeError) {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path)) } catch {
            throw RuntimeError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}

func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}

func parseCSVLine(_ line: Substring) -> [String] {
    var fields: [String] = [], field = "", quoted = false, previousQuote = false
    for c in line {
        if quoted {
            if c == "\"" { quoted = false; previousQuote = true } else { field.append(c) }
        } else if c == "\"" {
            if previousQuote { field.append("\"") }
            quoted = true; previousQuote = false
        } else if c == "," { fields.append(field); field = ""; previousQuote = false }
        else { field.append(c); previousQuote = false }
    }
    fields.append(field)
    return fields
}

/// Chain metrics: CSV column ← path in summary.json (latencies in µs; in-process "latency" is the chain's compute time).
let chainMetrics: [(column: String, path: [String])] = [
    ("rmse_m", ["rmse_m"]), ("rmse_overall_m", ["rmse_overall_m"]), ("error_p50_m", ["error_p50_m"]),
    ("error_p90_m", ["error_p90_m"]), ("error_max_m", ["error_max_m"]), ("frac_error_gt_1m", ["frac_error_gt_1m"]),
    ("diverged", ["runs_diverged"]), ("los_detection_rate", ["los_detection_rate"]), ("false_los_rate", ["false_los_rate"]),
    ("steps_delivered", ["steps_delivered"]), ("steps_degraded", ["steps_degraded"]), ("steps_abandoned", ["steps_abandoned"]),
    ("latency_p50_us", ["latency_us", "p50"]), ("latency_p90_us", ["latency_us", "p90"]), ("latency_p99_us", ["latency_us", "p99"]),
    ("latency_mean_us", ["latency_us", "mean"]), ("compute_p50_us", ["compute_us", "p50"]), ("link_p50_us", ["link_us", "p50"]),
    ("ack_rtt_p50_us", ["ack_rtt_us", "p50"]), ("measurements_mean", ["measurements_per_panel_mean"]),
    ("eq10_m6_us", ["fpga_model_us"]), ("eq10_measured_m_us", ["fpga_model", "us_at_measured_mean_m"]), ("mode", ["mode"]),
    ("projected_us", ["projected_deployment_us"]), ("eq10_streamed_m6_us", ["fpga_model_streamed_us"]),
]

func jsonObject(_ path: String) -> [String: Any]? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
}

func jsonText(_ value: Any?) -> String {
    switch value {
    case let n as NSNumber: n.stringValue
    case let s as String: s
    default: ""
    }
}

/// The sweep's tables from the finished units among `units`: the main CSV and, when the file asks for it, the per-step CSV.
public func sweepTables(_ plan: SweepPlan, units: [SweepUnit], settings: SweepSettings) throws(RuntimeError) -> (main: CSVTable, steps: CSVTable?) {
    let keyColumns = plan.points.first?.values.map(\.key) ?? []
    var main = CSVTable(header: ["unit", "point", "run"] + keyColumns)
    var steps = plan.file.perStep && plan.file.kind == .chain ? CSVTable(header: ["unit", "point", "run"] + keyColumns + ["step", "error_m", "outcome"]) : nil
    var studyColumns: [String] = []
    for unit in units {
        let dir = unitDirectory(settings, unit)
        guard unitIsDone(dir) else { continue }
        let lead = [unit.id, "\(unit.point)", unit.run.map(String.init) ?? ""] + plan.points[unit.point].values.map(\.value)
        let wall = jsonText(jsonObject(dir + "/done.json")?["wall_s"])
        if plan.file.kind == .chain {
            guard let summary = jsonObject(dir + "/summary.json") else { throw RuntimeError("\(dir)/summary.json is unreadable") }
            let metrics = chainMetrics.map { metric -> String in
                var value: Any? = summary
                for part in metric.path { value = (value as? [String: Any])?[part] }
                return jsonText(value)
            }
            main.rows.append(lead + metrics + [wall])
            if steps != nil {
                let perStep = try CSVTable(path: dir + "/per_step.csv")
                guard let s = perStep.header.firstIndex(of: "step"), let e = perStep.header.firstIndex(of: "error_m"),
                      let o = perStep.header.firstIndex(of: "outcome") else { throw RuntimeError("\(dir)/per_step.csv lacks step/error_m/outcome") }
                // 6 significant digits (µm at cm errors) keep the per-step file small enough to commit
                for row in perStep.rows { steps!.rows.append(lead + [row[s], Double(row[e]).map { String(format: "%.6g", $0) } ?? row[e], row[o]]) }
            }
        } else {
            let study = try CSVTable(path: dir + "/study.csv")
            for column in study.header where !studyColumns.contains(column) { studyColumns.append(column) }
            for comment in study.comments where !comment.hasPrefix("command:") && !main.comments.contains(comment) { main.comments.append(comment) }
            for row in study.rows {
                let byName = Dictionary(zip(study.header, row), uniquingKeysWith: { a, _ in a })
                main.rows.append(lead + studyColumns.map { byName[$0] ?? "" } + [wall])
            }
        }
    }
    main.header += (plan.file.kind == .chain ? chainMetrics.map(\.column) : studyColumns.map { studyColumn($0, keyColumns) }) + ["wall_s"]
    // rows written before a later unit added a column get empty fields for it
    main.rows = main.rows.map { $0.count < main.header.count ? Array($0.dropLast()) + Array(repeating: "", count: main.header.count - $0.count) + [$0.last!] : $0 }
    return (main, steps)
}

/// A study column that repeats a key column's name gets a "study." prefix.
func studyColumn(_ name: String, _ keys: [String]) -> String { keys.contains(name) ? "study." + name : name }

/// The output names of a sweep: `<name>.csv`, or `<name>.shard-K-of-N.csv` for a shard.
public func sweepCSVName(_ plan: SweepPlan, shard: (index: Int, count: Int)?, steps: Bool = false) -> String {
    plan.file.name + (plan.quick ? "-quick" : "") + (steps ? "_steps" : "") + (shard.map { ".shard-\($0.index)-of-\($0.count)" } ?? "") + ".csv"
}

/// Merges shard CSVs (same header; a unit appearing twice is kept once) and says which units of the plan are still missing.
public func mergeSweepCSVs(_ paths: [String], plan: SweepPlan) throws(RuntimeError) -> (table: CSVTable, missing: [String]) {
    var merged: CSVTable?
    var seen = Set<String>()
    for path in paths {
        let table = try CSVTable(path: path)
        if merged == nil { merged = CSVTable(header: table.header); merged!.comments = table.comments }
        guard table.header == merged!.header else { throw RuntimeError("\(path): its header differs from \(paths[0])'s") }
        guard table.header.contains("unit") else { throw RuntimeError("\(path): no 'unit' column (not a sweep CSV)") }
        let wall = table.header.firstIndex(of: "wall_s")
        for row in table.rows {
            // the same unit from two shards differs only in its wall time
            let identity = row.enumerated().filter { $0.offset != wall }.map(\.element).joined(separator: ",")
            if seen.insert(identity).inserted { merged!.rows.append(row) }
        }
    }
    guard let result = merged else { throw RuntimeError("no CSV to merge") }
    let present = Set(result.rows.map { $0[result.header.firstIndex(of: "unit")!] })
    return (result, plan.units.map(\.id).filter { !present.contains($0) })
}
