// LatencySummary: every latency percentile the tools report — an HdrHistogram of durations and its summary.
import Histogram

/// Measured durations in nanoseconds, kept as an HdrHistogram (3 significant digits: values within 0.1 %) plus the
/// exact count, sum and maximum. Its memory depends on the range of the values, not on how many were recorded, so a
/// run of any length keeps the same footprint. The one source of the percentiles in summary.json, the printed
/// tables, latency.hgrm, the probe's JSON and the Prometheus histograms.
public struct LatencyHistogram: Sendable {
    public private(set) var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
    /// Samples recorded.
    public private(set) var count = 0
    /// Sum of the samples (ns), for the exact mean.
    public private(set) var sumNs = 0.0
    /// Largest sample (ns), exact.
    public private(set) var maxNs: UInt64 = 0

    public init() {}

    public init(nanoseconds: some Sequence<UInt64>) {
        for ns in nanoseconds { record(ns) }
    }

    /// Records one duration (ns; 0 is recorded as 1 ns, the histogram's lowest discernible value).
    public mutating func record(_ ns: UInt64) {
        _ = histogram.record(Swift.max(1, ns))
        count += 1
        sumNs += Double(ns)
        maxNs = Swift.max(maxNs, ns)
    }

    /// Adds every sample of another histogram.
    public mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
        count += other.count
        sumNs += other.sumNs
        maxNs = Swift.max(maxNs, other.maxNs)
    }

    /// The value (ns) at or below which `quantile` (0...1) of the samples lie, to the histogram's resolution;
    /// NaN when empty.
    public func quantileNs(_ quantile: Double) -> Double {
        count == 0 ? .nan : Double(histogram.valueAtPercentile(quantile * 100))
    }

    /// Cumulative counts of the samples at most each bound (ns, ascending; to the histogram's resolution), for
    /// Prometheus buckets: one pass over the histogram's counts.
    public func cumulativeCounts(upperBoundsNs bounds: [UInt64]) -> [UInt64] {
        guard count > 0 else { return bounds.map { _ in 0 } }
        var total: UInt64 = 0, lower: UInt64 = 0
        return bounds.map { bound in
            if bound >= lower, lower <= Swift.max(1, maxNs) {  // above the largest sample: nothing more to add
                total += histogram.count(within: lower...bound)
                lower = histogram.nextNonEquivalentForValue(bound)
            }
            return total
        }
    }

    public var summary: LatencySummary { LatencySummary(self) }
}

/// Percentiles of a set of durations, in microseconds, from a ``LatencyHistogram``: p50…p999 to 0.1 %, max and mean
/// exact. Every field is NaN (JSON `null`) when there are no samples.
public struct LatencySummary: Sendable, Equatable, Codable {
    /// Samples.
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    enum CodingKeys: String, CodingKey { case count = "n", p50, p90, p99, p999, max, mean }

    public init(_ h: LatencyHistogram) {
        count = h.count
        p50 = h.quantileNs(0.5) / 1000; p90 = h.quantileNs(0.9) / 1000
        p99 = h.quantileNs(0.99) / 1000; p999 = h.quantileNs(0.999) / 1000
        max = h.count == 0 ? .nan : Double(h.maxNs) / 1000
        mean = h.count == 0 ? .nan : h.sumNs / Double(h.count) / 1000
    }

    /// - Parameter nanoseconds: durations in nanoseconds.
    public init(nanoseconds: some Sequence<UInt64>) { self.init(LatencyHistogram(nanoseconds: nanoseconds)) }

    /// Field by field equal, NaN equal to NaN (a summary of no samples equals another).
    public static func == (a: LatencySummary, b: LatencySummary) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return a.count == b.count && same(a.p50, b.p50) && same(a.p90, b.p90) && same(a.p99, b.p99)
            && same(a.p999, b.p999) && same(a.max, b.max) && same(a.mean, b.mean)
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
