// TraceCSVReader: the CSV form of a trace (docs/TRACES.md) from bytes to a Trace, or an error with file, line and reason.

/// Why a trace was rejected: where (file, 1-based line) and why.
public struct TraceFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line number (0: the file as a whole).
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
}

/// Reads the CSV form of a trace. No I/O: the caller reads the file and passes its bytes.
public enum TraceCSVReader {
    /// Parses a whole trace. `file` only names the source in errors.
    public static func parse(_ bytes: [UInt8], file: String) throws(TraceFileError) -> Trace {
        var parser = Parser(bytes: bytes, file: file)
        return try parser.trace()
    }

    /// Parses a whole trace from text.
    public static func parse(text: String, file: String) throws(TraceFileError) -> Trace {
        try parse(Array(text.utf8), file: file)
    }
}

/// The columns a section accepts: name → required; and the quantity each unit-carrying column measures,
/// so that `aoa_deg` or `distance` are told apart from unknown columns.
private struct SectionSpec {
    var name: String
    var columns: [(name: String, required: Bool)]
    /// Quantity (the part before the unit) → accepted column names.
    var quantities: [String: [String]]

    static let trace = SectionSpec(name: "trace", columns: [("key", true), ("value", true)], quantities: [:])
    static let panels = SectionSpec(
        name: "panels",
        columns: [("panel", true), ("x_m", true), ("y_m", true), ("orientation_rad", false), ("array_size", false)],
        quantities: ["x": ["x_m"], "y": ["y_m"], "orientation": ["orientation_rad"]])
    static let walls = SectionSpec(
        name: "walls", columns: [("wall", true), ("x1_m", true), ("y1_m", true), ("x2_m", true), ("y2_m", true)],
        quantities: ["x1": ["x1_m"], "y1": ["y1_m"], "x2": ["x2_m"], "y2": ["y2_m"]])
    static let prior = SectionSpec(
        name: "prior", columns: [("x_m", true), ("y_m", true), ("vx_mps", true), ("vy_mps", true)],
        quantities: ["x": ["x_m"], "y": ["y_m"], "vx": ["vx_mps"], "vy": ["vy_mps"]])
    static let agent = SectionSpec(
        name: "agent", columns: [("step", true), ("x_m", true), ("y_m", true)],
        quantities: ["x": ["x_m"], "y": ["y_m"]])
    static let paths = SectionSpec(
        name: "paths",
        columns: [("step", true), ("panel", true), ("distance_m", false), ("delay_s", false), ("aoa_rad", true),
                  ("amplitude", false), ("gain_re", false), ("gain_im", false), ("kind", false), ("wall", false)],
        quantities: ["distance": ["distance_m", "delay_s"], "delay": ["delay_s", "distance_m"], "aoa": ["aoa_rad"]])
}

private struct Parser {
    let bytes: [UInt8]
    let file: String
    var position = 0
    var lineNumber = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    func fail(_ reason: String, line: Int? = nil) -> TraceFileError {
        TraceFileError(file: file, line: line ?? lineNumber, reason: reason)
    }

    /// The next line that is neither blank nor a `#` comment, without its line end; nil at the end.
    mutating func nextLine() -> ArraySlice<UInt8>? {
        while position < bytes.count {
            let start = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            var end = position
            if position < bytes.count { position += 1 }
            lineNumber += 1
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            var first = start
            while first < end, bytes[first] == UInt8(ascii: " ") || bytes[first] == UInt8(ascii: "\t") { first += 1 }
            if first == end || bytes[first] == UInt8(ascii: "#") { continue }
            return bytes[start..<end]
        }
        return nil
    }

    /// Peeks whether the next meaningful line starts a section, without consuming it.
    mutating func peekLine() -> ArraySlice<UInt8>? {
        let (p, l) = (position, lineNumber)
        defer { (position, lineNumber) = (p, l) }
        return nextLine()
    }

    static func fields(_ line: ArraySlice<UInt8>) -> [Substring] {
        String(decoding: line, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace() }
    }

    static func sectionName(_ line: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: line, as: UTF8.self).trimmingWhitespace()
        guard text.first == "[", text.last == "]" else { return nil }
        return String(text.dropFirst().dropLast())
    }

    /// Reads a section's header row and maps every accepted column to its index.
    mutating func header(_ spec: SectionSpec) throws(TraceFileError) -> [String: Int] {
        guard let line = nextLine(), Parser.sectionName(line) == nil else {
            throw fail("section [\(spec.name)] has no header row")
        }
        var index: [String: Int] = [:]
        for (i, name) in Parser.fields(line).enumerated() {
            let column = String(name)
            if spec.columns.contains(where: { $0.name == column }) {
                guard index[column] == nil else { throw fail("[\(spec.name)]: column \(column) appears twice") }
                index[column] = i
                continue
            }
            let quantity = column.split(separator: "_", maxSplits: 1).first.map(String.init) ?? column
            if let accepted = spec.quantities[quantity] {
                let unit = column.dropFirst(quantity.count).drop { $0 == "_" }
                throw fail(unit.isEmpty
                    ? "[\(spec.name)]: column \(column) declares no unit (write \(accepted.joined(separator: " or ")))"
                    : "[\(spec.name)]: column \(column): unit '\(unit)' is not accepted (write \(accepted.joined(separator: " or ")))")
            }
            throw fail("[\(spec.name)]: unknown column '\(column)' (known: \(spec.columns.map(\.name).joined(separator: ", ")))")
        }
        for (name, required) in spec.columns where required && index[name] == nil {
            throw fail("[\(spec.name)]: missing column \(name)")
        }
        return index
    }

    /// The data rows of the current section (up to the next section header), each split into fields.
    mutating func rows(_ spec: SectionSpec, width: Int, _ body: (inout Parser, [Substring]) throws(TraceFileError) -> Void) throws(TraceFileError) {
        while let line = peekLine(), Parser.sectionName(line) == nil {
            _ = nextLine()
            let fields = Parser.fields(line)
            guard fields.count == width else {
                throw fail("[\(spec.name)]: \(fields.count) fields where the header has \(width)")
            }
            try body(&self, fields)
        }
    }

    func real(_ fields: [Substring], _ column: String, _ index: [String: Int]) throws(TraceFileError) -> Double {
        let text = fields[index[column]!]
        guard !text.isEmpty else { throw fail("column \(column) is empty") }
        guard let value = Double(text) else { throw fail("column \(column): '\(text)' is not a number") }
        guard value.isFinite else { throw fail("column \(column): \(text) is not a finite number (NaN and infinities are rejected)") }
        return value
    }

    func integer(_ fields: [Substring], _ column: String, _ index: [String: Int]) throws(TraceFileError) -> Int {
        let text = fields[index[column]!]
        guard let value = Int(text) else { throw fail("column \(column): '\(text)' is not an integer") }
        return value
    }

    mutating func trace() throws(TraceFileError) -> Trace {
        guard let first = nextLine(), Parser.sectionName(first) == "trace" else {
            throw fail("a trace starts with the section [trace] (docs/TRACES.md)", line: max(lineNumber, 1))
        }
        // [trace]: key,value
        let metaIndex = try header(.trace)
        var meta: [String: (String, Int)] = [:]
        try rows(.trace, width: 2) { (p: inout Parser, f: [Substring]) throws(TraceFileError) in
            let key = String(f[metaIndex["key"]!])
            guard meta[key] == nil else { throw p.fail("[trace]: key \(key) given twice") }
            meta[key] = (String(f[metaIndex["value"]!]), p.lineNumber)
        }
        let known = ["format", "version", "level", "steps", "time_step_s", "source"]
        for (key, (_, line)) in meta where !known.contains(key) {
            let hint = key.hasPrefix("time_step") ? " (the interval is time_step_s)" : ""
            throw fail("[trace]: unknown key '\(key)'\(hint) (known: \(known.joined(separator: ", ")))", line: line)
        }
        guard let format = meta["format"], format.0 == "dmimo-trace" else {
            throw fail("[trace]: key format must be dmimo-trace", line: meta["format"]?.1 ?? lineNumber)
        }
        guard let version = meta["version"], version.0 == "1" else {
            throw fail("[trace]: version \(meta["version"]?.0 ?? "(missing)") is not supported (this reader reads version 1)",
                       line: meta["version"]?.1 ?? format.1)
        }
        guard let levelText = meta["level"], let level = TraceLevel(rawValue: levelText.0) else {
            throw fail("[trace]: level must be true-paths or measurements", line: meta["level"]?.1 ?? version.1)
        }
        guard let stepsText = meta["steps"], let steps = Int(stepsText.0), steps >= 0 else {
            throw fail("[trace]: steps must be a count ≥ 0", line: meta["steps"]?.1 ?? levelText.1)
        }
        var timeStep: Double?
        if let (text, line) = meta["time_step_s"] {
            guard let value = Double(text), value.isFinite, value > 0 else {
                throw fail("[trace]: time_step_s '\(text)' is not a positive number of seconds", line: line)
            }
            timeStep = value
        }

        var panels: [TracePanel] = []
        var walls: [Wall] = []
        var prior: TracePrior?
        var agent = [SIMD2<Double>?](repeating: nil, count: steps)
        var counts: [Int] = []
        var paths: [TracePath] = []
        var seen: Set<String> = ["trace"]
        while let line = nextLine() {
            guard let name = Parser.sectionName(line) else {
                throw fail("expected a section header such as [panels]")
            }
            guard !seen.contains(name) else { throw fail("section [\(name)] appears twice") }
            seen.insert(name)
            switch name {
            case "panels":
                let index = try header(.panels)
                try rows(.panels, width: index.count) { (p: inout Parser, f: [Substring]) throws(TraceFileError) in
                    let k = try p.integer(f, "panel", index)
                    guard k == panels.count else {
                        throw p.fail("[panels]: unknown panel \(k): panels are numbered 0, 1, … in chain order, expected \(panels.count)")
                    }
                    var panel = TracePanel(position: SIMD2(try p.real(f, "x_m", index), try p.real(f, "y_m", index)))
                    if index["orientation_rad"] != nil { panel.orientation = try p.real(f, "orientation_rad", index) }
                    if index["array_size"] != nil {
                        let n = try p.integer(f, "array_size", index)
                        guard n >= 4 else { throw p.fail("[panels]: array_size \(n) is below 4 elements") }
                        panel.arraySize = n
                    }
                    panels.append(panel)
                }
            case "walls":
                let index = try header(.walls)
                try rows(.walls, width: index.count) { (p: inout Parser, f: [Substring]) throws(TraceFileError) in
                    let w = try p.integer(f, "wall", index)
                    guard w == walls.count else { throw p.fail("[walls]: wall \(w) where wall \(walls.count) is expected") }
                    let a = SIMD2(try p.real(f, "x1_m", index), try p.real(f, "y1_m", index))
                    let b = SIMD2(try p.real(f, "x2_m", index), try p.real(f, "y2_m", index))
                    guard a != b else { throw p.fail("[walls]: wall \(w) has zero length") }
                    walls.append(Wall(start: a, end: b, isInterior: false, name: "W\(w + 1)"))
                }
            case "prior":
                let index = try header(.prior)
                try rows(.prior, width: index.count) { (p: inout Parser, f: [Substring]) throws(TraceFileError) in
                    guard prior == nil else { throw p.fail("[prior]: more than one row") }
                    prior = TracePrior(centre: SIMD2(try p.real(f, "x_m", index), try p.real(f, "y_m", index)),
                                       velocity: SIMD2(try p.real(f, "vx_mps", index), try p.real(f, "vy_mps", index)))
                }
            case "agent":
                let index = try header(.agent)
                var last = -1
                try rows(.agent, width: index.count) { (p: inout Parser, f: [Substring]) throws(TraceFileError) in
                    let n = try p.integer(f, "step", index)
                    guard n > last else { throw p.fail("[agent]: step \(n) out of order (after step \(last))") }
                    guard n < steps else { throw p.fail("[agent]: step \(n) outside 0..<\(steps) (the [trace] steps)") }
                    last = n
                    agent[n] = SIMD2(try p.real(f, "x_m", index), try p.real(f, "y_m", index))
                }
            case "paths":
                guard !panels.isEmpty else { throw fail("[paths] before [panels]: the panels must be listed first") }
                (counts, paths) = try pathRows(level: level, steps: steps, panels: panels.count, walls: walls.count)
            default:
                throw fail("unknown section [\(name)] (known: trace, panels, walls, prior, agent, paths)")
            }
        }
        guard !panels.isEmpty else { throw fail("the trace lists no panels (section [panels])", line: 0) }
        if counts.isEmpty { counts = Array(repeating: 0, count: steps * panels.count) }
        return Trace(level: level, panels: panels, walls: walls, prior: prior, timeStep: timeStep,
                     source: meta["source"]?.0 ?? "", stepCount: steps, agent: agent, counts: counts, paths: paths)
    }

    /// `[paths]`: one row per path, steps in nondecreasing order.
    mutating func pathRows(level: TraceLevel, steps: Int, panels: Int, walls: Int) throws(TraceFileError) -> ([Int], [TracePath]) {
        let index = try header(.paths)
        let hasDistance = index["distance_m"] != nil, hasDelay = index["delay_s"] != nil
        guard hasDistance != hasDelay else {
            throw fail(hasDistance ? "[paths]: both distance_m and delay_s given (give one)"
                                   : "[paths]: missing column distance_m (or delay_s)")
        }
        let hasAmplitude = index["amplitude"] != nil
        let hasGain = index["gain_re"] != nil || index["gain_im"] != nil
        if hasGain, index["gain_re"] == nil || index["gain_im"] == nil {
            throw fail("[paths]: missing column \(index["gain_re"] == nil ? "gain_re" : "gain_im") (a complex gain has both)")
        }
        if hasGain, hasAmplitude { throw fail("[paths]: both amplitude and gain_re/gain_im given (give one)") }
        if level == .measurements, !hasAmplitude {
            throw fail("[paths]: missing column amplitude (a measurements trace gives the measured normalized amplitude z_u)")
        }
        var counts = [Int](repeating: 0, count: steps * panels)
        var paths: [TracePath] = []
        var lastStep = 0, lastPair = 0
        try rows(.paths, width: index.count) { (p: inout Parser, f: [Substring]) throws(TraceFileError) in
            let n = try p.integer(f, "step", index)
            guard n >= lastStep else { throw p.fail("[paths]: step \(n) out of order (after step \(lastStep)): rows are in step order") }
            guard n < steps else { throw p.fail("[paths]: step \(n) outside 0..<\(steps) (the [trace] steps)") }
            let j = try p.integer(f, "panel", index)
            guard j >= 0, j < panels else { throw p.fail("[paths]: path on unknown panel \(j) (the trace lists panels 0..<\(panels))") }
            let pair = n * panels + j
            guard pair >= lastPair else {
                throw p.fail("[paths]: panel \(j) out of order within step \(n): rows of a step are in panel order")
            }
            lastStep = n
            lastPair = pair
            let distance = hasDistance ? try p.real(f, "distance_m", index) : speedOfLight * (try p.real(f, "delay_s", index))
            guard distance >= 0 else { throw p.fail("[paths]: negative \(hasDistance ? "distance" : "delay")") }
            let amplitude: TraceAmplitude
            if hasAmplitude {
                let u = try p.real(f, "amplitude", index)
                guard u >= 0 else { throw p.fail("[paths]: negative amplitude \(u)") }
                amplitude = .normalized(u)
            } else if hasGain {
                amplitude = .complexGain(re: try p.real(f, "gain_re", index), im: try p.real(f, "gain_im", index))
            } else {
                amplitude = .model
            }
            var path = TracePath(distance: distance, aoa: try p.real(f, "aoa_rad", index), amplitude: amplitude)
            if let k = index["kind"], !f[k].isEmpty {
                guard let kind = TracePathKind(text: f[k]) else {
                    throw p.fail("[paths]: kind '\(f[k])' is not los, r1, r2, … or fa")
                }
                path.kind = kind
            }
            if let k = index["wall"], !f[k].isEmpty {
                guard let w = Int(f[k]), w >= 0, w < walls else {
                    throw p.fail("[paths]: wall '\(f[k])' is not one of the \(walls) walls of [walls]")
                }
                path.wall = w
            }
            counts[pair] += 1
            paths.append(path)
        }
        return (counts, paths)
    }
}

extension Substring {
    func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}

extension String {
    func trimmingWhitespace() -> Substring { Substring(self).trimmingWhitespace() }
}
