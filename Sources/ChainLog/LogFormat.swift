// LogFormat: one log record as one line of logfmt or of JSON (pure text formatting, no I/O).
import Logging

/// How a log record is written: `logfmt` (key=value pairs) or `json` (one JSON object per line).
public enum LogFormat: String, Sendable, CaseIterable {
    case logfmt
    case json
}

/// One log record, everything its line shows.
public struct LogRecord: Sendable {
    public var time: LogTimestamp
    public var level: Logger.Level
    /// The node that wrote it: `controller`, `panel-3`, `downlink`, … (the logger's label).
    public var node: String
    public var message: String
    public var metadata: Logger.Metadata

    public init(time: LogTimestamp, level: Logger.Level, node: String, message: String, metadata: Logger.Metadata = [:]) {
        self.time = time
        self.level = level
        self.node = node
        self.message = message
        self.metadata = metadata
    }
}

/// Metadata keys written right after `node`, in this order, when present; the others follow `msg`, sorted by key.
public let leadingMetadataKeys = ["run_id", "run", "step"]

extension LogRecord {
    /// The record as one line (no trailing newline) in `format`:
    /// `time=… level=… node=… run=… step=… msg="…" key=value …` or `{"time":"…","level":"…",…}`.
    public func line(_ format: LogFormat) -> String {
        var fields: [(String, Logger.Metadata.Value)] = [
            ("time", .string(time.iso8601)), ("level", .string(level.rawValue)), ("node", .string(node)),
        ]
        for key in leadingMetadataKeys { if let value = metadata[key] { fields.append((key, value)) } }
        fields.append(("msg", .string(message)))
        for key in metadata.keys.sorted() where !leadingMetadataKeys.contains(key) { fields.append((key, metadata[key]!)) }
        switch format {
        case .logfmt:
            return fields.map { logfmtKey($0.0) + "=" + logfmtValue($0.1) }.joined(separator: " ")
        case .json:
            return "{" + fields.map { jsonString($0.0) + ":" + jsonValue($0.1) }.joined(separator: ",") + "}"
        }
    }
}

// MARK: logfmt

/// A key with every character that would break the pair (space, `=`, `"`, control) replaced by `_`.
func logfmtKey(_ key: String) -> String {
    let cleaned = String(String.UnicodeScalarView(key.unicodeScalars.map {
        $0.value <= 0x20 || $0.value == 0x7f || $0 == "=" || $0 == "\"" ? "_" : $0
    }))
    return cleaned.isEmpty ? "_" : cleaned
}

/// A value bare if it has no space, `=`, quote, backslash or control character (and is not empty), else quoted with
/// `\"`, `\\`, `\n`, `\r`, `\t` and `\u00XX` escapes.
func logfmtValue(_ value: Logger.Metadata.Value) -> String {
    let text = plainText(value)
    let needsQuotes = text.isEmpty || text.unicodeScalars.contains {
        $0.value <= 0x20 || $0.value == 0x7f || $0 == "=" || $0 == "\"" || $0 == "\\"
    }
    return needsQuotes ? "\"" + escaped(text) + "\"" : text
}

/// A metadata value as plain text: strings as they are, lists `[a, b]`, dictionaries `[k: v]` (keys sorted).
func plainText(_ value: Logger.Metadata.Value) -> String {
    switch value {
    case .string(let s): return s
    case .stringConvertible(let c): return c.description
    case .array(let items): return "[" + items.map(plainText).joined(separator: ", ") + "]"
    case .dictionary(let d): return "[" + d.keys.sorted().map { "\($0): \(plainText(d[$0]!))" }.joined(separator: ", ") + "]"
    }
}

// MARK: JSON

/// A metadata value as JSON: integers (given with `.stringConvertible`) as numbers, lists as arrays, dictionaries as
/// objects, everything else as a string.
func jsonValue(_ value: Logger.Metadata.Value) -> String {
    switch value {
    case .string(let s): return jsonString(s)
    case .stringConvertible(let c):
        return c is any BinaryInteger ? c.description : jsonString(c.description)
    case .array(let items): return "[" + items.map(jsonValue).joined(separator: ",") + "]"
    case .dictionary(let d): return "{" + d.keys.sorted().map { jsonString($0) + ":" + jsonValue(d[$0]!) }.joined(separator: ",") + "}"
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String { "\"" + escaped(text) + "\"" }

/// `\"`, `\\`, `\n`, `\r`, `\t` and `\u00XX` for the other control characters; the rest unchanged (UTF-8). Valid in
/// both a logfmt quoted value and a JSON string.
func escaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}
