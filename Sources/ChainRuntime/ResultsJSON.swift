// ResultsJSON: the one JSON encoding every tool writes — sorted keys, and a non-finite number written as `null`.
import Foundation

/// The JSON convention of every file and every `--json` output of chain-controller and dmimo-downlink:
/// keys sorted, pretty-printed, and a number that is not finite (NaN: "undefined", e.g. a percentile of no samples;
/// ±infinity) written as `null`. JSON has no NaN; `null` is what every JSON reader (Python's json, pandas, jq,
/// MATLAB's jsondecode) reads natively as a missing value, while a string such as "nan" turns a number field into a
/// text field. A `null` therefore always stands for a number; optional sections are left out instead.
public enum ResultsJSON {
    /// Placeholder a non-finite number is encoded as before it becomes `null` (no field of the tools holds it).
    static let placeholder = "__dmimo_non_finite_number__"
    static var quotedPlaceholder: String { "\"" + placeholder + "\"" }

    /// Encodes `value` with the convention above.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: placeholder, negativeInfinity: placeholder, nan: placeholder)
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        return Data(text.replacingOccurrences(of: quotedPlaceholder, with: "null").utf8)
    }

    /// Decodes a file written with this convention: a `null` where a `Double` is expected reads as NaN.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        // null → placeholder string → NaN (JSONSerialization keeps the structure; only numbers are ever null)
        let tree = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        func replaceNull(_ v: Any) -> Any {
            switch v {
            case is NSNull: return placeholder
            case let a as [Any]: return a.map(replaceNull)
            case let o as [String: Any]: return o.mapValues(replaceNull)
            default: return v
            }
        }
        let rewritten = try JSONSerialization.data(withJSONObject: replaceNull(tree), options: [.fragmentsAllowed])
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: placeholder + "+", negativeInfinity: placeholder + "-", nan: placeholder)
        return try decoder.decode(type, from: rewritten)
    }

    /// Reads and decodes a file, with an error naming it.
    public static func read<T: Decodable>(_ type: T.Type, path: String) throws(RuntimeError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else { throw RuntimeError("cannot read \(path)") }
        do { return try decode(type, from: data) } catch {
            throw RuntimeError("\(path) does not match the results schema (docs/RESULTS-FORMAT.md): \(describe(error))")
        }
    }

    /// A decoding error as one line: the JSON path and what was wrong.
    public static func describe(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: return "missing field \(path(c.codingPath + [key]))"
        case .typeMismatch(_, let c)?: return "wrong type at \(path(c.codingPath)): \(c.debugDescription)"
        case .valueNotFound(_, let c)?: return "missing value at \(path(c.codingPath))"
        case .dataCorrupted(let c)?: return "invalid data at \(path(c.codingPath)): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}
