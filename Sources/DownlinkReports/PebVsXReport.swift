// PebVsXReport: the rows, CSV, JSON and text report of `study peb-vs-x` (the paper's Fig. 5).
import Downlink
import Foundation

/// One UE position's four PEBs (m) as the JSON writes them.
struct PebVsXRow: Encodable {
    var x_m: Double, peb_p1_coherent_m: Double, peb_p1_noncoherent_m: Double, peb_p2_coherent_m: Double, peb_p2_noncoherent_m: Double
}

struct PebVsXJSON: Encodable {
    var study = "peb-vs-x"
    var reading: String
    var y_m: Double
    var power_dbm: Double
    var gaps_vs_paper: GapsJSON
    var rows: [PebVsXRow]
}

/// The report of a PEB-vs-x study of `config` that gave `rows`; `commandLine` is named in the CSV.
public func pebVsXReport(_ config: PebVersusXConfiguration, rows: [PebVersusXRow], commandLine: String) throws -> StudyReport {
    let y = config.y, powerDbm = config.powerDBm
    let out = rows.map { PebVsXRow(x_m: $0.x, peb_p1_coherent_m: $0.peb.p1Coherent, peb_p1_noncoherent_m: $0.peb.p1NonCoherent,
                                   peb_p2_coherent_m: $0.peb.p2Coherent, peb_p2_noncoherent_m: $0.peb.p2NonCoherent) }
    let (readingLines, gaps) = try readingReport(config.reading)
    let table = DownlinkTable(comments: ["dmimo-downlink study peb-vs-x", "command: \(commandLine)", readingLines[0],
                                         "y = \(formatted(y)) m, \(formatted(powerDbm)) dBm per AP; region half-width "
                                         + "\(formatted(config.reading.network.regionSide / 2)) m around x = \(formatted(config.reading.network.regionCentre.x)) m"],
                              header: ["x_m"] + PEBQuad.columnNames,
                              rows: rows.map { [formatted($0.x)] + $0.peb.values.map(formatted) })
    let json = PebVsXJSON(reading: config.reading.summary, y_m: y, power_dbm: powerDbm, gaps_vs_paper: GapsJSON(gaps), rows: out)
    var lines = ["PEB vs x at y = \(formatted(y)) m, \(formatted(powerDbm)) dBm per AP, \(rows.count) points"]
    // Summary: where each curve is smallest, and centre vs edge of the illumination region.
    let centre = config.reading.network.regionCentre.x, half = config.reading.network.regionSide / 2
    let names = ["P1 coherent", "P1 non-coherent", "P2 coherent", "P2 non-coherent"]
    func nearest(_ x: Double) -> PebVersusXRow? { rows.min { abs($0.x - x) < abs($1.x - x) } }
    for (i, name) in names.enumerated() {
        let finite = rows.filter { $0.peb.values[i].isFinite }
        guard let best = finite.min(by: { $0.peb.values[i] < $1.peb.values[i] }) else { continue }
        var line = "  \(name): min \(fmt(best.peb.values[i])) m at x = \(formatted(best.x)) m"
        if let c = nearest(centre), let e = nearest(centre + half) {
            line += "; centre \(fmt(c.peb.values[i])) m, region edge x = \(formatted(e.x)): \(fmt(e.peb.values[i])) m"
        }
        lines.append(line)
    }
    lines.append("  paper: coherent PEBs are smallest at the region's centre; non-coherent PEBs are higher at the centre than at")
    lines.append("  the edges; all grow outside the region. P2 fluctuates by 10–30 % over centimetres (focal spots, docs/MODEL.md §DL.7).")
    lines += readingLines
    return StudyReport(table: table, json: json, lines: lines)
}
