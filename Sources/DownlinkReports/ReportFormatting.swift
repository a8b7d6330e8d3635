// ReportFormatting: what every dmimo-downlink report shares — number formats, CSV tables, the reading and §8 gaps lines.
import Downlink
import Foundation

/// Shortest round-trip text of a number ("1", "0.25", "8.612e-07").
public func formatted(_ value: Double) -> String {
    if value.isInfinite { return value > 0 ? "inf" : "-inf" }
    if value.isNaN { return "nan" }
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    return "\(value)"
}

/// A duration in seconds.
public func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// 10·log10 of a ratio (dB).
public func db10(_ ratio: Double) -> Double { 10 * log10(ratio) }
/// `digits` significant digits, "nan" / "inf" for non-finite values.
public func fmt(_ value: Double, _ digits: Int = 4) -> String {
    value.isFinite ? String(format: "%.\(digits)g", value) : (value.isNaN ? "nan" : "inf")
}
/// A signed dB value with two decimals, "n/a" when not finite.
public func fmtDB(_ value: Double) -> String { value.isFinite ? String(format: "%+.2f", value) : "n/a" }

/// A CSV file's content: "# " comment lines (self-description), a header, and rows.
public struct DownlinkTable: Sendable, Equatable {
    public var comments: [String]
    public var header: [String]
    public var rows: [[String]]

    public init(comments: [String], header: [String], rows: [[String]]) {
        self.comments = comments
        self.header = header
        self.rows = rows
    }

    /// The file's text.
    public var text: String {
        var text = comments.map { "# \($0)\n" }.joined()
        text += header.joined(separator: ",") + "\n"
        for row in rows { text += row.joined(separator: ",") + "\n" }
        return text
    }
}

/// What a study command gives out: the CSV (written with --out), the JSON (--json) and the text report (otherwise).
public struct StudyReport {
    public var table: DownlinkTable
    public var json: any Encodable
    public var lines: [String]
}

/// Report lines shared by the studies: the reading and the §8 gaps at u = (1, 1) m, K = 36, 0 dBm under it.
public func readingReport(_ reading: DownlinkReading) throws -> (lines: [String], gaps: ProtocolGaps) {
    var atReference = reading
    atReference.network.illuminationPoints = DownlinkConstants.illuminationPoints
    let gaps = try ProtocolGaps.atPoint(atReference)
    let lines = ["reading: \(reading.summary)",
                 "PEB gaps at u = (1, 1) m, K = 36 under this reading vs the paper (Sec. IV-B):"] + gaps.comparisonLines()
    return (lines, gaps)
}

/// The §8 PEB gaps (dB) beside the paper's, as the studies' JSON writes them.
public struct GapsJSON: Encodable, Sendable {
    var p2c_minus_p1c_db: Double
    var p1nc_minus_p1c_db: Double
    var p2nc_minus_p2c_db: Double
    var p2nc_minus_p1nc_db: Double
    var paper_p2c_minus_p1c_db = -6.0
    var paper_p1nc_minus_p1c_db = 24.0
    var paper_p2nc_minus_p2c_db = 30.0
    var paper_p2nc_minus_p1nc_db = 0.0
    var note = "10*log10 of PEB ratios; the paper's 24 dB P1 gap is not reproduced under any reading (docs/MODEL.md §DL.8)"
    public init(_ gaps: ProtocolGaps) {
        p2c_minus_p1c_db = gaps.p2CoherentMinusP1Coherent
        p1nc_minus_p1c_db = gaps.p1NonCoherentMinusCoherent
        p2nc_minus_p2c_db = gaps.p2NonCoherentMinusCoherent
        p2nc_minus_p1nc_db = gaps.p2NonCoherentMinusP1NonCoherent
    }
}
