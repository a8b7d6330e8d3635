// SpecReference: reads the downlink reference values (docs/MODEL.md §DL.1–§DL.8) as printed, from Tests/Fixtures.
import Foundation
import TestFixtures

/// The reference values in their printed form (`Tests/Fixtures/downlink_reference.md`): the tests compare to the
/// printed digits, so the fixture keeps them as printed.
enum SpecReference {
    private static let loaded = Result { try Fixtures.text("downlink_reference.md") }

    /// The fixture's text; a missing fixture is an error naming the file (a test failure, not a crash).
    static var text: String { get throws { try loaded.get() } }

    static var lines: [String] { get throws { try text.components(separatedBy: "\n") } }

    /// Parses a spec number: Unicode minus, "e−6" exponents, "∞", a leading "+".
    static func number(_ raw: String) -> Double? {
        var s = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{2212}", with: "-")
        if s.hasPrefix("∞") { return .infinity }
        if s.hasPrefix("+") { s.removeFirst() }
        return Double(s)
    }

    /// Number of significant digits printed in `raw` ("8.612e−6" → 4, "0.4055" → 4, "+0.97" → 2 decimals).
    static func printedResolution(_ raw: String) -> Double {
        let s = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{2212}", with: "-")
        let mantissa = s.split(separator: "e").first.map(String.init) ?? s
        let exponent = s.split(separator: "e").count > 1 ? Int(s.split(separator: "e")[1]) ?? 0 : 0
        let decimals = mantissa.split(separator: ".").count > 1 ? mantissa.split(separator: ".")[1].count : 0
        return pow(10, Double(exponent - decimals))
    }

    /// True if `value` rounds to the printed `raw` (|value − printed| ≤ half a unit of the last printed digit).
    static func agrees(_ value: Double, _ raw: String) -> Bool {
        guard let printed = number(raw) else { return false }
        if printed.isInfinite { return value.isInfinite }
        return abs(value - printed) <= 0.5 * printedResolution(raw) * (1 + 1e-9)
    }

    /// The markdown table that follows the first line containing `heading`: rows of trimmed cells, without the
    /// header row and the separator.
    static func table(after heading: String) throws -> [[String]] {
        let all = try lines
        guard let start = all.firstIndex(where: { $0.contains(heading) }) else { return [] }
        var rows: [[String]] = []
        var index = start
        while index < all.count && !all[index].hasPrefix("|") { index += 1 }
        while index < all.count && all[index].hasPrefix("|") {
            var cells = all[index].split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            cells.removeFirst(); cells.removeLast()
            rows.append(cells)
            index += 1
        }
        return Array(rows.dropFirst(2))
    }

    /// The first line containing `marker`.
    static func line(containing marker: String) throws -> String? { try lines.first { $0.contains(marker) } }

    /// The text from the first occurrence of `marker` to the next blank line.
    static func paragraph(startingWith marker: String) throws -> String? {
        let all = try lines
        guard let start = all.firstIndex(where: { $0.contains(marker) }) else { return nil }
        var out: [String] = []
        var index = start
        while index < all.count && !all[index].trimmingCharacters(in: .whitespaces).isEmpty { out.append(all[index]); index += 1 }
        let joined = out.joined(separator: " ")
        return String(joined[joined.range(of: marker)!.lowerBound...])
    }

    /// All regex matches of `pattern` in `text`, as capture-group strings.
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: pattern)
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { match in
            (1..<match.numberOfRanges).map { i in
                let r = match.range(at: i)
                return r.location == NSNotFound ? "" : ns.substring(with: r)
            }
        }
    }

    /// A value the spec should print but does not.
    struct Missing: Error, CustomStringConvertible {
        var name: String
        var description: String { "Tests/Fixtures/downlink_reference.md does not print \(name) where expected" }
    }

    /// A spec-format number pattern: −5.449012e−2, 0.4055, 8.494, ∞.
    static let numberPattern = "[−+-]?[0-9]+(?:\\.[0-9]+)?(?:e[−-]?[0-9]+)?"
}
