// LatencySummary: exact percentiles of measured durations and the text table the reports print.

/// Percentiles of a set of durations, in microseconds (nearest-rank on the sorted samples).
public struct LatencySummary: Sendable, Equatable, Codable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    /// - Parameter nanoseconds: durations in nanoseconds.
    public init(nanoseconds: [UInt64]) {
        count = nanoseconds.count
        guard !nanoseconds.isEmpty else {
            p50 = .nan; p90 = .nan; p99 = .nan; p999 = .nan; max = .nan; mean = .nan
            return
        }
        let sorted = nanoseconds.sorted()
        func rank(_ q: Double) -> Double {
            let index = Swift.max(0, Swift.min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1000
        }
        p50 = rank(0.5); p90 = rank(0.9); p99 = rank(0.99); p999 = rank(0.999)
        max = Double(sorted.last!) / 1000
        mean = sorted.reduce(0.0) { $0 + Double($1) } / Double(sorted.count) / 1000
    }
}

/// A plain-text table with right-aligned numeric columns.
public func formatTable(header: [String], rows: [[String]]) -> String {
    let widths = header.indices.map { c in ([header[c]] + rows.map { c < $0.count ? $0[c] : "" }).map(\.count).max()! }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { c, cell in
            let pad = String(repeating: " ", count: widths[c] - cell.count)
            return c == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }
    return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
            + rows.map(line)).joined(separator: "\n")
}

/// A number with a fixed count of decimals.
public func fixed(_ value: Double, _ decimals: Int = 1) -> String {
    guard value.isFinite else { return "-" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    var text = "\(rounded)"
    if let dot = text.firstIndex(of: ".") {
        let have = text.distance(from: dot, to: text.endIndex) - 1
        if have < decimals { text += String(repeating: "0", count: decimals - have) }
        if decimals == 0 { text = String(text[..<dot]) }
    } else if decimals > 0 {
        text += "." + String(repeating: "0", count: decimals)
    }
    return text
}
