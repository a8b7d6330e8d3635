// RmseVsPowerReport: the rows, CSV, JSON and text report of `study rmse-vs-power` (the paper's Fig. 4).
import Downlink
import Foundation

/// One (protocol, power, estimator) row as the CSV and the JSON write it (lengths in m, angles in rad).
public struct RmseVsPowerRow: Encodable, Sendable {
    var protocol_: String, power_dbm: Double, runs: Int, rmse_m: Double, rmse_inliers_m: Double, outliers: Int
    var outlier_rate: Double, median_error_m: Double, rmse_noncoherent_stage_m: Double, phase_rmse_rad: Double
    var peb_coherent_m: Double, peb_noncoherent_m: Double, rmse_over_peb_db10: Double, rmse_over_peb_db20: Double
    var mean_cost_evaluations: Double
    var estimator: String
    enum CodingKeys: String, CodingKey {
        case protocol_ = "protocol", power_dbm, runs, rmse_m, rmse_inliers_m, outliers, outlier_rate, median_error_m,
             rmse_noncoherent_stage_m, phase_rmse_rad, peb_coherent_m, peb_noncoherent_m, rmse_over_peb_db10,
             rmse_over_peb_db20, mean_cost_evaluations, estimator
    }
    static let header = ["protocol", "power_dbm", "runs", "rmse_m", "rmse_inliers_m", "outliers", "outlier_rate", "median_error_m",
                         "rmse_noncoherent_stage_m", "phase_rmse_rad", "peb_coherent_m", "peb_noncoherent_m",
                         "rmse_over_peb_db10", "rmse_over_peb_db20", "mean_cost_evaluations", "estimator"]

    init(_ r: RmseRow) {
        self.init(protocol_: r.protocol.rawValue, power_dbm: r.powerDBm, runs: r.runs, rmse_m: r.rmse, rmse_inliers_m: r.rmseInliers,
                  outliers: r.outliers, outlier_rate: r.outlierRate, median_error_m: r.medianError,
                  rmse_noncoherent_stage_m: r.rmseNonCoherentStage, phase_rmse_rad: r.phaseRMSE, peb_coherent_m: r.pebCoherent,
                  peb_noncoherent_m: r.pebNonCoherent, rmse_over_peb_db10: db10(r.rmse / r.pebCoherent),
                  rmse_over_peb_db20: 2 * db10(r.rmse / r.pebCoherent), mean_cost_evaluations: r.meanEvaluations,
                  estimator: r.estimator.rawValue)
    }

    init(protocol_: String, power_dbm: Double, runs: Int, rmse_m: Double, rmse_inliers_m: Double, outliers: Int,
         outlier_rate: Double, median_error_m: Double, rmse_noncoherent_stage_m: Double, phase_rmse_rad: Double,
         peb_coherent_m: Double, peb_noncoherent_m: Double, rmse_over_peb_db10: Double, rmse_over_peb_db20: Double,
         mean_cost_evaluations: Double, estimator: String) {
        self.protocol_ = protocol_; self.power_dbm = power_dbm; self.runs = runs; self.rmse_m = rmse_m
        self.rmse_inliers_m = rmse_inliers_m; self.outliers = outliers; self.outlier_rate = outlier_rate
        self.median_error_m = median_error_m; self.rmse_noncoherent_stage_m = rmse_noncoherent_stage_m
        self.phase_rmse_rad = phase_rmse_rad; self.peb_coherent_m = peb_coherent_m; self.peb_noncoherent_m = peb_noncoherent_m
        self.rmse_over_peb_db10 = rmse_over_peb_db10; self.rmse_over_peb_db20 = rmse_over_peb_db20
        self.mean_cost_evaluations = mean_cost_evaluations; self.estimator = estimator
    }

    var csv: [String] {
        [protocol_, formatted(power_dbm), String(runs), formatted(rmse_m), formatted(rmse_inliers_m), String(outliers),
         formatted(outlier_rate), formatted(median_error_m), formatted(rmse_noncoherent_stage_m), formatted(phase_rmse_rad),
         formatted(peb_coherent_m), formatted(peb_noncoherent_m), formatted(rmse_over_peb_db10), formatted(rmse_over_peb_db20),
         formatted(mean_cost_evaluations), estimator]
    }
}

struct RmseVsPowerJSON: Encodable {
    var study = "rmse-vs-power"
    var reading: String
    var seed: UInt64
    var elapsed_s: Double
    var gaps_vs_paper: GapsJSON
    var rows: [RmseVsPowerRow]
}

/// The report of an RMSE-vs-power study of `config` that gave `rows` in `elapsed` seconds; `commandLine` is named in
/// the CSV.
public func rmseVsPowerReport(_ config: RmseStudyConfiguration, rows: [RmseRow], elapsed: Double,
                              commandLine: String) throws -> StudyReport {
    let out = rows.map(RmseVsPowerRow.init)
    let (readingLines, gaps) = try readingReport(config.reading)
    let table = DownlinkTable(comments: ["dmimo-downlink study rmse-vs-power", "command: \(commandLine)", readingLines[0],
                                         "outlier: error > \(formatted(config.outlierFactor)) x coherent PEB; seed \(config.seed)"],
                              header: RmseVsPowerRow.header, rows: out.map(\.csv))
    let json = RmseVsPowerJSON(reading: config.reading.summary, seed: config.seed, elapsed_s: elapsed,
                               gaps_vs_paper: GapsJSON(gaps), rows: out)
    var lines: [String] = []
    lines.append("RMSE vs per-AP power: u = (\(formatted(config.user.x)), \(formatted(config.user.y))) m, \(config.runs) runs per point, "
                 + "seed \(config.seed), \(String(format: "%.1f", elapsed)) s")
    lines.append("protocol  estimator    P[dBm]  RMSE[m]     PEBc[m]     RMSE/PEBc[dB10]  outliers  RMSE-inliers[m]  RMSE-nc-stage[m]  PEBnc[m]   phase-RMSE[deg]")
    for r in out {
        lines.append(String(format: "%-8@  %-11@  %6.1f  %-10@  %-10@  %+8.2f        %4d (%4.1f%%)  %-15@  %-16@  %-10@ %.4g",
                            r.protocol_ as NSString, r.estimator as NSString, r.power_dbm, fmt(r.rmse_m) as NSString,
                            fmt(r.peb_coherent_m) as NSString, r.rmse_over_peb_db10, r.outliers, 100 * r.outlier_rate,
                            fmt(r.rmse_inliers_m) as NSString, fmt(r.rmse_noncoherent_stage_m) as NSString,
                            fmt(r.peb_noncoherent_m) as NSString, r.phase_rmse_rad * 180 / Double.pi))
    }
    lines += readingLines
    // The paper's protocol comparison on RMSE (P2 "outperforms P1 in both RMSE and PEB").
    let first = config.estimators[0].rawValue
    let p1 = Dictionary(out.filter { $0.protocol_ == "P1" && $0.estimator == first }.map { ($0.power_dbm, $0) },
                        uniquingKeysWith: { a, _ in a })
    let p2 = out.filter { $0.protocol_ == "P2" && $0.estimator == first }
    if !p1.isEmpty && !p2.isEmpty {
        lines.append("RMSE P2 − P1 (dB10, \(first)) per power, paper: P2 better (PEB ≈ −6 dB):")
        for r in p2 {
            if let q = p1[r.power_dbm] { lines.append("  \(formatted(r.power_dbm)) dBm: \(fmtDB(db10(r.rmse_m / q.rmse_m))) dB") }
        }
    }
    // The threshold: the lowest power from which on RMSE stays within 3 dB (10·log10 of the RMSE/PEB ratio, the
    // table's column) of the coherent PEB.
    for proto in config.protocols {
        for kind in config.estimators {
            let sel = out.filter { $0.protocol_ == proto.rawValue && $0.estimator == kind.rawValue }.sorted { $0.power_dbm < $1.power_dbm }
            var threshold: Double? = nil
            for r in sel.reversed() { if r.rmse_over_peb_db10 <= 3 { threshold = r.power_dbm } else { break } }
            lines.append("  \(proto) \(kind): RMSE within 3 dB (dB10) of the coherent PEB from "
                         + (threshold.map { "\(formatted($0)) dBm up" } ?? "no power swept"))
        }
    }
    lines.append("outlier: error > \(formatted(config.outlierFactor)) x coherent PEB (a wrong carrier-phase basin, or a non-coherent stage "
                 + "outside the searched coherent region)")
    return StudyReport(table: table, json: json, lines: lines)
}
