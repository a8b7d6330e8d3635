// SweepFile: a sweep over experiment keys (configs/experiments/*.yaml), read with line numbers, every key checked before anything runs.
import Yams

/// Why a sweep file was rejected: the file, the line and the key it concerns.
public struct SweepError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var key: String?
    public var message: String

    public init(file: String, line: Int?, key: String?, _ message: String) {
        self.file = file; self.line = line; self.key = key; self.message = message
    }

    public var description: String {
        file + (line.map { ":\($0)" } ?? "") + ": " + (key.map { "\($0): " } ?? "") + message
    }
}

/// What one sweep point runs.
public enum SweepKind: String, Sendable, CaseIterable {
    /// `chain-controller run`, one unit per point and run.
    case chain
    /// `dmimo-downlink study rmse-vs-power|peb-vs-x|peb-vs-k`, one unit per point (the study does its own runs).
    case downlinkRmseVsPower = "downlink-rmse-vs-power"
    case downlinkPebVsX = "downlink-peb-vs-x"
    case downlinkPebVsK = "downlink-peb-vs-k"
}

/// One `key: value` of a sweep file, with the line it is on.
public struct SweepEntry: Sendable, Equatable {
    public var key: String
    public var value: ConfigValue
    public var line: Int?
}

/// One axis of the grid: one key, or several keys zipped (their i-th values go together).
public struct SweepAxis: Sendable {
    public var keys: [String]
    /// values[i][k]: the i-th value of keys[k].
    public var values: [[SweepEntry]]
    public var line: Int?
}

/// The runs, fixed keys, grid and study options of the full sweep or of its `quick:` variant.
public struct SweepVariant: Sendable {
    public var runs: Int
    public var set: [SweepEntry]
    public var grid: [SweepAxis]
    /// Extra command-line options of a downlink study (`--name value`; value "true" = a bare flag).
    public var options: [(name: String, value: String, line: Int?)]
}

/// A parsed and key-checked sweep file.
public struct SweepFile: Sendable {
    public var path: String
    /// File name without folder and extension (the CSV and PNG are named after it).
    public var name: String
    public var figure: String
    public var title: String
    public var kind: SweepKind
    /// Chain sweeps: run the chain in one process (parallel units) or as J panel processes (one unit at a time).
    public var distributed: Bool
    /// Also write `<name>_steps.csv` (error of every step of every run).
    public var perStep: Bool
    public var full: SweepVariant
    public var quick: SweepVariant?

    static let topLevel = ["figure", "title", "kind", "mode", "runs", "per_step", "set", "grid", "options", "quick"]
    static let variantLevel = ["runs", "set", "grid", "options"]

    /// Parses `text` (the contents of `path`) and checks every key and value against the configuration's key table.
    public init(path: String, text: String) throws(SweepError) {
        self.path = path
        let base = path.split(separator: "/").last.map(String.init) ?? path
        name = base.hasSuffix(".yaml") ? String(base.dropLast(5)) : (base.hasSuffix(".yml") ? String(base.dropLast(4)) : base)
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw SweepError(file: path, line: nil, key: nil, "invalid YAML: \(error)")
        }
        guard case .mapping(let mapping)? = root else {
            throw SweepError(file: path, line: root?.mark?.line, key: nil, "the top level must be a mapping (figure, kind, runs, set, grid, quick, ...)")
        }
        let fields = try Self.fields(mapping, allowed: Self.topLevel, file: path, context: "")
        figure = try Self.text(fields["figure"], "figure", file: path) ?? name
        title = try Self.text(fields["title"], "title", file: path) ?? figure
        let kindText = try Self.text(fields["kind"], "kind", file: path) ?? "chain"
        guard let kind = SweepKind(rawValue: kindText) else {
            throw SweepError(file: path, line: fields["kind"]?.mark?.line, key: "kind",
                             "'\(kindText)' is not one of " + SweepKind.allCases.map(\.rawValue).joined(separator: " | "))
        }
        self.kind = kind
        let modeText = try Self.text(fields["mode"], "mode", file: path) ?? "in-process"
        guard modeText == "in-process" || modeText == "distributed" else {
            throw SweepError(file: path, line: fields["mode"]?.mark?.line, key: "mode", "'\(modeText)' is not in-process | distributed")
        }
        if kind != .chain && modeText == "distributed" {
            throw SweepError(file: path, line: fields["mode"]?.mark?.line, key: "mode", "downlink studies run in one process")
        }
        distributed = modeText == "distributed"
        perStep = try Self.flag(fields["per_step"], "per_step", file: path) ?? false
        full = try Self.variant(fields, base: nil, file: path, context: "")
        if let quickNode = fields["quick"] {
            guard case .mapping(let q) = quickNode else {
                throw SweepError(file: path, line: quickNode.mark?.line, key: "quick", "must be a mapping of runs, set, grid, options")
            }
            let quickFields = try Self.fields(q, allowed: Self.variantLevel, file: path, context: "quick.")
            quick = try Self.variant(quickFields, base: full, file: path, context: "quick.")
        }
    }

    /// The full grid, or the `quick:` variant (an error if the file has none).
    public func variant(quick wantQuick: Bool) throws(SweepError) -> SweepVariant {
        guard wantQuick else { return full }
        guard let quick else { throw SweepError(file: path, line: nil, key: "quick", "this sweep file has no quick: variant") }
        return quick
    }

    // MARK: - parsing helpers

    static func fields(_ mapping: Node.Mapping, allowed: [String], file: String, context: String) throws(SweepError) -> [String: Node] {
        var out: [String: Node] = [:]
        for (keyNode, value) in mapping {
            let key = keyNode.scalar?.string ?? ""
            guard allowed.contains(key) else {
                throw SweepError(file: file, line: keyNode.mark?.line, key: context + key,
                                 "unknown field (allowed here: \(allowed.joined(separator: ", ")))")
            }
            guard out[key] == nil else { throw SweepError(file: file, line: keyNode.mark?.line, key: context + key, "given twice") }
            out[key] = value
        }
        return out
    }

    static func text(_ node: Node?, _ key: String, file: String) throws(SweepError) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else { throw SweepError(file: file, line: node.mark?.line, key: key, "must be a single value") }
        return scalar.string
    }

    static func flag(_ node: Node?, _ key: String, file: String) throws(SweepError) -> Bool? {
        guard let text = try text(node, key, file: file) else { return nil }
        guard let value = parseFlag(text) else { throw SweepError(file: file, line: node?.mark?.line, key: key, "'\(text)' is not true | false") }
        return value
    }

    static func variant(_ fields: [String: Node], base: SweepVariant?, file: String, context: String) throws(SweepError) -> SweepVariant {
        var runs = base?.runs ?? 1
        if let node = fields["runs"] {
            let text = try text(node, context + "runs", file: file) ?? ""
            guard let value = Int(trimmed(text)), (1...1_000_000).contains(value) else {
                throw SweepError(file: file, line: node.mark?.line, key: context + "runs", "'\(text)' is out of range (an integer, 1...1000000)")
            }
            runs = value
        }
        var set = base?.set ?? []
        if let node = fields["set"] {
            for entry in try entries(node, file: file, context: context + "set") {
                set.removeAll { $0.key == entry.key }
                set.append(entry)
            }
        }
        var grid = base?.grid ?? []
        if let node = fields["grid"] { grid = try axes(node, file: file, context: context + "grid") }
        else if base == nil { throw SweepError(file: file, line: nil, key: "grid", "missing: a sweep needs a grid of at least one key") }
        var options = base?.options ?? []
        if let node = fields["options"] {
            guard case .mapping(let m) = node else {
                throw SweepError(file: file, line: node.mark?.line, key: context + "options", "must be a mapping of option names to values")
            }
            for (k, v) in m {
                let name = k.scalar?.string ?? ""
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }), let value = v.scalar?.string else {
                    throw SweepError(file: file, line: k.mark?.line, key: context + "options." + name,
                                     "an option is a name (letters, digits, '-') with one value")
                }
                options.removeAll { $0.name == name }
                options.append((name, value, k.mark?.line))
            }
        }
        // every fixed key is checked now, so that a bad value is reported with its line before anything runs
        var probe = ExperimentConfig()
        for entry in set { try check(entry, in: &probe, file: file) }
        for axis in grid { for row in axis.values { for entry in row { var p = ExperimentConfig(); try check(entry, in: &p, file: file) } } }
        if let duplicate = grid.flatMap(\.keys).first(where: { key in grid.flatMap(\.keys).filter { $0 == key }.count > 1 }) {
            throw SweepError(file: file, line: nil, key: duplicate, "appears in more than one grid axis")
        }
        return SweepVariant(runs: runs, set: set, grid: grid, options: options)
    }

    /// Assigns one entry to a configuration, as a SweepError with the entry's line and key.
    public static func check(_ entry: SweepEntry, in config: inout ExperimentConfig, file: String) throws(SweepError) {
        do { try config.assign(entry.key, entry.value) } catch {
            throw SweepError(file: file, line: entry.line, key: entry.key, "\(error)")
        }
    }

    static func value(_ node: Node, key: String, file: String) throws(SweepError) -> ConfigValue {
        switch node {
        case .scalar(let s): return .scalar(s.string)
        case .sequence(let seq):
            var items: [String] = []
            for item in seq {
                guard let s = item.scalar else { throw SweepError(file: file, line: item.mark?.line, key: key, "a nested list is not a value") }
                items.append(s.string)
            }
            return .list(items)
        default: throw SweepError(file: file, line: node.mark?.line, key: key, "a mapping is not a value")
        }
    }

    /// `set:` — a mapping of dotted keys (or sections of keys) to values.
    static func entries(_ node: Node, file: String, context: String) throws(SweepError) -> [SweepEntry] {
        guard case .mapping(let mapping) = node else {
            throw SweepError(file: file, line: node.mark?.line, key: context, "must be a mapping of configuration keys to values")
        }
        var out: [SweepEntry] = []
        for (k, v) in mapping {
            let key = k.scalar?.string ?? ""
            try known(key, line: k.mark?.line, file: file)
            out.append(SweepEntry(key: key, value: try value(v, key: key, file: file), line: v.mark?.line ?? k.mark?.line))
        }
        return out
    }

    static func known(_ key: String, line: Int?, file: String) throws(SweepError) {
        guard ExperimentConfig.key(named: key) != nil else {
            throw SweepError(file: file, line: line, key: key, "\(ExperimentConfig.unknown(key)) (keys: chain-controller config)")
        }
    }

    /// `grid:` — a list of axes (each a mapping of keys to equal-length value lists, zipped), or one mapping (each key its own axis).
    static func axes(_ node: Node, file: String, context: String) throws(SweepError) -> [SweepAxis] {
        var axisNodes: [[(Node, Node)]] = []
        switch node {
        case .mapping(let m):
            for (k, v) in m { axisNodes.append([(k, v)]) }
        case .sequence(let seq):
            for item in seq {
                guard case .mapping(let m) = item else {
                    throw SweepError(file: file, line: item.mark?.line, key: context, "each axis is a mapping of keys to lists of values")
                }
                axisNodes.append(m.map { ($0.key, $0.value) })
            }
        default:
            throw SweepError(file: file, line: node.mark?.line, key: context, "must be a list of axes (key: [values])")
        }
        guard !axisNodes.isEmpty else { throw SweepError(file: file, line: node.mark?.line, key: context, "empty grid: give at least one key with values") }
        var axes: [SweepAxis] = []
        for m in axisNodes {
            var keys: [String] = [], columns: [[SweepEntry]] = [], line: Int?
            for (k, v) in m {
                let key = k.scalar?.string ?? ""
                line = line ?? k.mark?.line
                try known(key, line: k.mark?.line, file: file)
                guard case .sequence(let seq) = v else {
                    throw SweepError(file: file, line: v.mark?.line, key: key, "a grid key takes a list of values, e.g. [1024, 4096]")
                }
                guard !seq.isEmpty else { throw SweepError(file: file, line: v.mark?.line ?? k.mark?.line, key: key, "empty grid: no values") }
                var column: [SweepEntry] = []
                for item in seq { column.append(SweepEntry(key: key, value: try value(item, key: key, file: file), line: item.mark?.line)) }
                if let first = columns.first, first.count != column.count {
                    throw SweepError(file: file, line: k.mark?.line, key: key,
                                     "zipped with \(keys[0]): \(column.count) values against \(first.count) (keys in one axis go together, index by index)")
                }
                keys.append(key); columns.append(column)
            }
            guard !keys.isEmpty else { throw SweepError(file: file, line: line, key: context, "empty axis") }
            axes.append(SweepAxis(keys: keys, values: (0..<columns[0].count).map { i in columns.map { $0[i] } }, line: line))
        }
        return axes
    }
}
