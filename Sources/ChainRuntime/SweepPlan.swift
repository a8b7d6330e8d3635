// SweepPlan: a sweep file expanded into points (resolved configurations) and units (point × run), each with a stable id and its command.
import Config
import Foundation

/// One grid point: its configuration and the resolved values of the sweep's key columns.
public struct SweepPoint: Sendable {
    public var index: Int
    public var config: ExperimentConfig
    /// (key, resolved value) for every key the file sets or sweeps, in column order.
    public var values: [(key: String, value: String)]
}

/// One unit of work: a point (and, for chain sweeps, one run of it).
public struct SweepUnit: Sendable {
    public var index: Int
    public var point: Int
    /// Run r (seed = run.seed + r) of a chain sweep; nil for downlink studies (they do their runs themselves).
    public var run: Int?
    /// Folder name under `<out>/units/`: stable across grid edits (the run and a hash of the resolved configuration).
    public var id: String
}

/// A sweep file's chosen variant, expanded and checked.
public struct SweepPlan: Sendable {
    public var file: SweepFile
    public var quick: Bool
    public var variant: SweepVariant
    /// The key columns: the fixed keys, then the grid keys.
    public var keys: [String]
    public var points: [SweepPoint]
    public var units: [SweepUnit]

    /// Expands the grid (axes crossed, zipped keys together) and checks every point as a whole (cross-key rules, runnable).
    public init(file: SweepFile, quick: Bool) throws(SweepError) {
        self.file = file
        self.quick = quick
        variant = try file.variant(quick: quick)
        let gridKeys = variant.grid.flatMap(\.keys)
        keys = variant.set.map(\.key).filter { !gridKeys.contains($0) } + gridKeys
        try Self.checkKeys(file: file, variant: variant)
        var combos: [[SweepEntry]] = [[]]
        for axis in variant.grid { combos = combos.flatMap { prefix in axis.values.map { prefix + $0 } } }
        var points: [SweepPoint] = []
        let setEntries = variant.set
        for (index, combo) in combos.enumerated() {
            var config = ExperimentConfig()
            for entry in variant.set where !gridKeys.contains(entry.key) { try SweepFile.check(entry, in: &config, file: file.path) }
            for entry in combo { try SweepFile.check(entry, in: &config, file: file.path) }
            let where_ = "grid point " + combo.map { "\($0.key)=\($0.value.text)" }.joined(separator: ", ")
            // a rule across keys names its keys: report the line of the first entry whose key the message names
            func blame(_ message: String) -> SweepError {
                let entry = (setEntries + combo).first { message.contains($0.key) } ?? combo.first
                return SweepError(file: file.path, line: entry?.line, key: entry?.key, "\(where_): \(message)")
            }
            do { try config.validate() } catch { throw blame("\(error)") }
            if file.kind == .chain {
                do { _ = try Experiment(config: config) } catch { throw blame("\(error)") }
            }
            let values = keys.map { key in (key, Self.plain(ExperimentConfig.key(named: key)!.render(config))) }
            points.append(SweepPoint(index: index, config: config, values: values))
        }
        self.points = points
        var units: [SweepUnit] = []
        for point in points {
            let runs: [Int?] = file.kind == .chain ? (0..<variant.runs).map { $0 } : [nil]
            for run in runs {
                let identity = ([file.kind.rawValue, file.distributed ? "distributed" : "in-process"]
                    + point.config.yaml().split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("  #") }.map(String.init)
                    + variant.options.map { "--\($0.name)=\($0.value)" }
                    + [file.kind == .chain ? "run=\(run!)" : "runs=\(variant.runs)"]).joined(separator: "\n")
                let id = (run.map { "r\($0)-" } ?? "") + fnv1aHex(identity)
                units.append(SweepUnit(index: units.count, point: point.index, run: run, id: id))
            }
        }
        self.units = units
    }

    /// Keys a downlink study can take, and the study option each one becomes.
    static func studyOption(_ kind: SweepKind, key: String) -> String? {
        switch (kind, key) {
        case (.chain, _): key
        case (.downlinkRmseVsPower, "downlink.protocol"): "protocols"
        case (.downlinkRmseVsPower, "downlink.power_dbm"): "powers-dbm"
        case (.downlinkRmseVsPower, "run.seed"): "seed"
        case (.downlinkPebVsX, "downlink.power_dbm"), (.downlinkPebVsK, "downlink.power_dbm"): "power-dbm"
        case (.downlinkPebVsK, "downlink.illumination_points"): "ks"
        case (.downlinkRmseVsPower, "downlink.illumination_points"), (.downlinkPebVsX, "downlink.illumination_points"):
            "illumination-points"
        case (_, "downlink.phase_offset_deg"): "phase-offset-deg"
        default: nil
        }
    }

    static func checkKeys(file: SweepFile, variant: SweepVariant) throws(SweepError) {
        let entries = variant.set + variant.grid.flatMap { $0.values.first ?? [] }
        for entry in entries where studyOption(file.kind, key: entry.key) == nil {
            throw SweepError(file: file.path, line: entry.line, key: entry.key,
                             "has no effect on a \(file.kind.rawValue) sweep (keys it takes: downlink.protocol, downlink.power_dbm, "
                             + "downlink.illumination_points, downlink.phase_offset_deg, run.seed, as the study allows)")
        }
        if file.kind == .chain, let option = variant.options.first {
            throw SweepError(file: file.path, line: option.line, key: "options." + option.name,
                             "options: are for downlink studies; a chain sweep sets configuration keys")
        }
    }

    /// The command of one unit: executable name (a sibling of chain-controller) and arguments.
    public func command(_ unit: SweepUnit, directory: String) -> (executable: String, arguments: [String]) {
        let point = points[unit.point]
        if file.kind == .chain {
            return ("chain-controller", ["run", "--config", directory + "/input.yaml", "--out", directory]
                    + (file.distributed ? [] : ["--in-process"]))
        }
        let study = String(file.kind.rawValue.dropFirst("downlink-".count))
        var arguments = ["study", study, "--out", directory + "/study.csv", "--quiet"]
        if file.kind == .downlinkRmseVsPower { arguments += ["--runs", "\(variant.runs)"] }
        for (key, value) in point.values { arguments += ["--" + Self.studyOption(file.kind, key: key)!, value] }
        for option in variant.options { arguments += option.value == "true" ? ["--" + option.name] : ["--" + option.name, option.value] }
        return ("dmimo-downlink", arguments)
    }

    /// Relative cost of a unit for the ETA: J × N_p × steps × the method's `relativeCost` (Loca-MPC 5); 1 for studies.
    public func weight(_ unit: SweepUnit) -> Double {
        guard file.kind == .chain else { return 1 }
        let c = points[unit.point].config
        return Double(c.scenario.panels) * Double(c.filter.particles) * Double(c.run.steps) * c.filter.method.relativeCost
    }

    /// The configuration file of a chain unit: the point with one run of seed run.seed + r.
    public func unitConfigYAML(_ unit: SweepUnit) -> String {
        var config = points[unit.point].config
        config.run.seed = config.runSeed(unit.run ?? 0)
        config.run.runs = 1
        return config.yaml()
    }

    /// A rendered YAML value as plain CSV / command-line text ("\"P1\"" → "P1").
    static func plain(_ rendered: String) -> String {
        if rendered.count >= 2, rendered.hasPrefix("\""), rendered.hasSuffix("\"") { return String(rendered.dropFirst().dropLast()) }
        return rendered
    }
}

/// FNV-1a hash of a text, 16 hex digits (cheap, stable across runs and hosts).
func fnv1aHex(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

/// Parses "K/N" (1 ≤ K ≤ N).
public func parseShard(_ text: String) -> (index: Int, count: Int)? {
    let parts = text.split(separator: "/")
    guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else { return nil }
    return (k, n)
}
