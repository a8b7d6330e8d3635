// PebVsKReport: the rows, CSV, JSON and text report of `study peb-vs-k` (the paper's Fig. 6).
import Downlink
import Foundation

/// One K's average PEBs (m) at fixed per-AP power and at fixed network energy, as the JSON writes them.
struct PebVsKRow: Encodable {
    var k: Int
    var fixed_power: [String: Double]
    var fixed_energy: [String: Double]
}

struct PebVsKJSON: Encodable {
    var study = "peb-vs-k"
    var reading: String
    var power_dbm: Double
    var reference_k: Int
    var gaps_vs_paper: GapsJSON
    var rows: [PebVsKRow]
}

/// The report of a PEB-vs-K study of `config` that gave `rows`; `commandLine` is named in the CSV.
public func pebVsKReport(_ config: PebVersusKConfiguration, rows: [PebVersusKRow], commandLine: String) throws -> StudyReport {
    let gridPoints = config.gridPointsPerAxis, powerDbm = config.powerDBm, referenceK = config.referenceK
    let (readingLines, gaps) = try readingReport(config.reading)
    let names = PEBQuad.columnNames
    let table = DownlinkTable(comments: ["dmimo-downlink study peb-vs-k", "command: \(commandLine)", readingLines[0],
                                         "mean over \(gridPoints)x\(gridPoints) cell-centred grid; fixed energy: per-AP power "
                                         + "\(formatted(powerDbm)) dBm x \(referenceK)/K"],
                              header: ["k"] + names.map { "fixed_power_" + $0 } + names.map { "fixed_energy_" + $0 },
                              rows: rows.map { [String($0.k)] + $0.fixedPower.values.map(formatted) + $0.fixedEnergy.values.map(formatted) })
    let out = rows.map { r in
        PebVsKRow(k: r.k, fixed_power: Dictionary(uniqueKeysWithValues: zip(names, r.fixedPower.values)),
                  fixed_energy: Dictionary(uniqueKeysWithValues: zip(names, r.fixedEnergy.values)))
    }
    let json = PebVsKJSON(reading: config.reading.summary, power_dbm: powerDbm, reference_k: referenceK,
                          gaps_vs_paper: GapsJSON(gaps), rows: out)
    var lines = [
        "Average PEB over the region vs K (\(gridPoints)x\(gridPoints) grid), \(formatted(powerDbm)) dBm per AP at K = \(referenceK)",
        "   K   fixed per-AP power: P1c        P2c        P1nc       P2nc     | fixed energy: P1c        P2c        P2c−P1c[dB10]",
    ]
    func cell(_ value: Double) -> String { fmt(value).padding(toLength: 10, withPad: " ", startingAt: 0) }
    for r in rows {
        lines.append(String(format: "%4d   %@ %@ %@ %@ | %@ %@ %@", r.k,
                            cell(r.fixedPower.p1Coherent), cell(r.fixedPower.p2Coherent),
                            cell(r.fixedPower.p1NonCoherent), cell(r.fixedPower.p2NonCoherent),
                            cell(r.fixedEnergy.p1Coherent), cell(r.fixedEnergy.p2Coherent),
                            fmtDB(db10(r.fixedEnergy.p2Coherent / r.fixedEnergy.p1Coherent))))
    }
    // The paper's Fig. 6 claims.
    let p1 = rows.map(\.fixedEnergy.p1Coherent)
    if let lo = p1.min(), let hi = p1.max() {
        lines.append("  P1 coherent at fixed energy spans \(fmt(lo))–\(fmt(hi)) m (\(fmtDB(db10(hi / lo))) dB over K); paper: nearly constant in K.")
    }
    if let firstFinite = rows.first(where: { $0.fixedPower.p2Coherent.isFinite }) {
        lines.append("  P2 coherent: first finite PEB at K = \(firstFinite.k) of the K values swept"
                     + (config.reading.amplitudeModel == .free ? " (free alpha: singular while 2K < M + 3)" : ""))
    }
    if let last = rows.last(where: { $0.fixedEnergy.p2Coherent.isFinite }) {
        let gap = db10(last.fixedEnergy.p2Coherent / last.fixedEnergy.p1Coherent)
        lines.append("  at K = \(last.k): P2 − P1 = \(fmtDB(gap)) dB; paper: P2 stabilises slightly below P1 ("
                     + (gap < 0 ? "below under this reading)." : "not reproduced under this reading; see docs/MODEL.md §DL.8)."))
    }
    lines += readingLines
    return StudyReport(table: table, json: json, lines: lines)
}
