// Study: the `study` subcommands — the paper's Figs. 4–6 as CSV / JSON with a report against the paper's claims.
import ArgumentParser
import ChainLog
import Downlink
import Foundation

struct Study: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The paper's studies: RMSE vs power (Fig. 4), PEB vs x (Fig. 5), average PEB vs K (Fig. 6).",
        subcommands: [RmseVsPower.self, PebVsX.self, PebVsK.self])
}

/// Options every study shares.
struct StudyOutputOptions: ParsableArguments {
    @Option(help: "Write the results as CSV to this file ('#' comment lines name the reading and the command).")
    var out: String?

    @Flag(help: "Print JSON (rows, reading, gaps vs the paper) instead of the text report.")
    var json = false

    @Flag(help: "Do not draw the progress line on standard error.")
    var quiet = false
}

/// Report lines shared by the studies: the reading and the §8 gaps at u = (1, 1) m, K = 36, 0 dBm under it.
func readingReport(_ reading: DownlinkReading) throws -> (lines: [String], gaps: ProtocolGaps) {
    var atReference = reading
    atReference.network.illuminationPoints = DownlinkConstants.illuminationPoints
    let gaps = try ProtocolGaps.atPoint(atReference)
    let lines = ["reading: \(reading.summary)",
                 "PEB gaps at u = (1, 1) m, K = 36 under this reading vs the paper (Sec. IV-B):"] + gaps.comparisonLines()
    return (lines, gaps)
}

struct GapsJSON: Encodable {
    var p2c_minus_p1c_db: Double
    var p1nc_minus_p1c_db: Double
    var p2nc_minus_p2c_db: Double
    var p2nc_minus_p1nc_db: Double
    var paper_p2c_minus_p1c_db = -6.0
    var paper_p1nc_minus_p1c_db = 24.0
    var paper_p2nc_minus_p2c_db = 30.0
    var paper_p2nc_minus_p1nc_db = 0.0
    var note = "10*log10 of PEB ratios; the paper's 24 dB P1 gap is not reproduced under any reading (docs/MODEL.md §DL.8)"
    init(_ gaps: ProtocolGaps) {
        p2c_minus_p1c_db = gaps.p2CoherentMinusP1Coherent
        p1nc_minus_p1c_db = gaps.p1NonCoherentMinusCoherent
        p2nc_minus_p2c_db = gaps.p2NonCoherentMinusCoherent
        p2nc_minus_p1nc_db = gaps.p2NonCoherentMinusP1NonCoherent
    }
}

func db10(_ ratio: Double) -> Double { 10 * log10(ratio) }
func fmt(_ value: Double, _ digits: Int = 4) -> String {
    value.isFinite ? String(format: "%.\(digits)g", value) : (value.isNaN ? "nan" : "inf")
}
func fmtDB(_ value: Double) -> String { value.isFinite ? String(format: "%+.2f", value) : "n/a" }

/// Parses a comma-separated list of estimator names.
func parseEstimators(_ text: String, option: String = "--estimator") throws -> [DownlinkEstimatorKind] {
    let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    var kinds: [DownlinkEstimatorKind] = []
    for name in names {
        guard let kind = DownlinkEstimatorKind(name: name) else {
            throw ValidationError("\(option): unknown estimator '\(name)'; allowed: \(DownlinkEstimatorKind.allowedNames)")
        }
        if !kinds.contains(kind) { kinds.append(kind) }
    }
    guard !kinds.isEmpty else { throw ValidationError("\(option) needs at least one of \(DownlinkEstimatorKind.allowedNames)") }
    return kinds
}

/// Parses "a:step:b" or "a,b,c" into numbers.
func parseList(_ text: String, option: String) throws -> [Double] {
    let fail = ValidationError("\(option) must be a comma-separated list of numbers or start:step:stop; got '\(text)'")
    if text.contains(":") {
        let parts = text.split(separator: ":").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let a = parts[0], let step = parts[1], let b = parts[2], step != 0,
              (b - a) / step >= 0, (b - a) / step < 1e6 else { throw fail }
        let count = Int(((b - a) / step + 1e-9).rounded(.down)) + 1
        // rounded to 1e-9 so that 0.6 prints as 0.6, not 0.5999999999999996
        return (0..<count).map { ((a + Double($0) * step) * 1e9).rounded() / 1e9 }
    }
    let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw fail }
    return values.map { $0! }
}

// MARK: - rmse-vs-power

struct RmseVsPower: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmse-vs-power",
        abstract: "Monte-Carlo RMSE of the estimators and the PEBs vs per-AP power (the paper's Fig. 4).",
        discussion: "Every estimator of --estimator runs on the same noisy snapshots (common random numbers); the CSV has one row per (protocol, power, estimator), named in its last column 'estimator'.")

    @OptionGroup var logging: LogOptions

    @Option(help: "Protocols, comma-separated (P1,P2).")
    var protocols: String = "P1,P2"

    @Option(help: "Estimators, comma-separated: \(DownlinkEstimatorKind.allowedNames) (hybrid: the paper's, the default of the paper-figure sweeps; adaptive: a coherent search sized by the non-coherent stage's uncertainty).")
    var estimator: String = "hybrid"

    @Option(parsing: .unconditional, help: "Per-AP powers (dBm): start:step:stop or a comma-separated list.")
    var powersDbm: String = "-60:10:20"

    @Option(help: "Monte-Carlo runs per (protocol, power).")
    var runs: Int = 200

    @Option(help: "Run seed; run r draws its noise from RandomStream(seed, step r, noPanel, downlinkNoise) at every power.")
    var seed: UInt64 = 2025

    @Option(help: "A run is an outlier if its position error exceeds this many coherent PEBs.")
    var outlierFactor: Double = 5

    @OptionGroup var user: UserOptions
    @OptionGroup var options: ReadingOptions
    @OptionGroup var output: StudyOutputOptions

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1; got \(runs)") }
        guard outlierFactor > 0 else { throw ValidationError("--outlier-factor must be positive") }
        _ = try parsedProtocols()
        _ = try parseEstimators(estimator)
        for p in try parseList(powersDbm, option: "--powers-dbm") { try validatePower(p, option: "--powers-dbm") }
    }

    func parsedProtocols() throws -> [DownlinkProtocol] {
        let list = protocols.split(separator: ",").map { DownlinkProtocol(argument: $0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--protocols must be a comma-separated list of P1 and P2; got '\(protocols)'")
        }
        return list.map { $0! }
    }

    struct Row: Encodable {
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
        var csv: [String] {
            [protocol_, formatted(power_dbm), String(runs), formatted(rmse_m), formatted(rmse_inliers_m), String(outliers),
             formatted(outlier_rate), formatted(median_error_m), formatted(rmse_noncoherent_stage_m), formatted(phase_rmse_rad),
             formatted(peb_coherent_m), formatted(peb_noncoherent_m), formatted(rmse_over_peb_db10), formatted(rmse_over_peb_db20),
             formatted(mean_cost_evaluations), estimator]
        }
    }

    struct Output: Encodable {
        var study = "rmse-vs-power"
        var reading: String
        var seed: UInt64
        var elapsed_s: Double
        var gaps_vs_paper: GapsJSON
        var rows: [Row]
    }

    func run() throws {
        var config = RmseStudyConfiguration()
        config.reading = options.reading
        config.user = user.ue
        config.phaseOffset = user.phaseOffset
        config.protocols = try parsedProtocols()
        config.powersDBm = try parseList(powersDbm, option: "--powers-dbm")
        config.runs = runs
        config.seed = seed
        config.outlierFactor = outlierFactor
        config.estimators = try parseEstimators(estimator)
        let progress = ProgressLine(label: "rmse-vs-power", enabled: !output.quiet)
        let start = ContinuousClock.now
        let rows = try RmseStudy.run(config) { progress.update($0, $1) }
        progress.finish()
        let elapsed = seconds(ContinuousClock.now - start)
        let out = rows.map { r in
            Row(protocol_: r.protocol.rawValue, power_dbm: r.powerDBm, runs: r.runs, rmse_m: r.rmse, rmse_inliers_m: r.rmseInliers,
                outliers: r.outliers, outlier_rate: r.outlierRate, median_error_m: r.medianError,
                rmse_noncoherent_stage_m: r.rmseNonCoherentStage, phase_rmse_rad: r.phaseRMSE, peb_coherent_m: r.pebCoherent,
                peb_noncoherent_m: r.pebNonCoherent, rmse_over_peb_db10: db10(r.rmse / r.pebCoherent),
                rmse_over_peb_db20: 2 * db10(r.rmse / r.pebCoherent), mean_cost_evaluations: r.meanEvaluations,
                estimator: r.estimator.rawValue)
        }
        let (lines, gaps) = try readingReport(config.reading)
        if let path = output.out {
            try writeCSV(path: path, comments: ["dmimo-downlink study rmse-vs-power", "command: \(commandLine)", lines[0],
                                                "outlier: error > \(formatted(outlierFactor)) x coherent PEB; seed \(seed)"],
                         header: Row.header, rows: out.map(\.csv))
        }
        if output.json {
            try printJSON(Output(reading: config.reading.summary, seed: seed, elapsed_s: elapsed, gaps_vs_paper: GapsJSON(gaps), rows: out))
            return
        }
        print("RMSE vs per-AP power: u = (\(formatted(user.ue.x)), \(formatted(user.ue.y))) m, \(runs) runs per point, seed \(seed), "
              + "\(String(format: "%.1f", elapsed)) s")
        print("protocol  estimator    P[dBm]  RMSE[m]     PEBc[m]     RMSE/PEBc[dB10]  outliers  RMSE-inliers[m]  RMSE-nc-stage[m]  PEBnc[m]   phase-RMSE[deg]")
        for r in out {
            print(String(format: "%-8@  %-11@  %6.1f  %-10@  %-10@  %+8.2f        %4d (%4.1f%%)  %-15@  %-16@  %-10@ %.4g",
                         r.protocol_ as NSString, r.estimator as NSString, r.power_dbm, fmt(r.rmse_m) as NSString, fmt(r.peb_coherent_m) as NSString,
                         r.rmse_over_peb_db10, r.outliers, 100 * r.outlier_rate, fmt(r.rmse_inliers_m) as NSString,
                         fmt(r.rmse_noncoherent_stage_m) as NSString, fmt(r.peb_noncoherent_m) as NSString,
                         r.phase_rmse_rad * 180 / Double.pi))
        }
        for line in lines { print(line) }
        // The paper's protocol comparison on RMSE (P2 "outperforms P1 in both RMSE and PEB").
        let first = config.estimators[0].rawValue
        let p1 = Dictionary(out.filter { $0.protocol_ == "P1" && $0.estimator == first }.map { ($0.power_dbm, $0) },
                            uniquingKeysWith: { a, _ in a })
        let p2 = out.filter { $0.protocol_ == "P2" && $0.estimator == first }
        if !p1.isEmpty && !p2.isEmpty {
            print("RMSE P2 − P1 (dB10, \(first)) per power, paper: P2 better (PEB ≈ −6 dB):")
            for r in p2 { if let q = p1[r.power_dbm] { print("  \(formatted(r.power_dbm)) dBm: \(fmtDB(db10(r.rmse_m / q.rmse_m))) dB") } }
        }
        // The threshold: the lowest power from which on RMSE stays within 3 dB (10·log10 of the RMSE/PEB ratio, the
        // table's column) of the coherent PEB.
        for proto in config.protocols {
            for kind in config.estimators {
                let sel = out.filter { $0.protocol_ == proto.rawValue && $0.estimator == kind.rawValue }.sorted { $0.power_dbm < $1.power_dbm }
                var threshold: Double? = nil
                for r in sel.reversed() { if r.rmse_over_peb_db10 <= 3 { threshold = r.power_dbm } else { break } }
                print("  \(proto) \(kind): RMSE within 3 dB (dB10) of the coherent PEB from "
                      + (threshold.map { "\(formatted($0)) dBm up" } ?? "no power swept"))
            }
        }
        print("outlier: error > \(formatted(outlierFactor)) x coherent PEB (a wrong carrier-phase basin, or a non-coherent stage "
              + "outside the searched coherent region)")
    }
}

// MARK: - peb-vs-x

struct PebVsX: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "peb-vs-x",
        abstract: "The four PEB curves vs the UE's x coordinate at fixed y (the paper's Fig. 5).")

    @OptionGroup var logging: LogOptions

    @Option(parsing: .unconditional, help: "UE x positions (m): start:step:stop or a comma-separated list.")
    var xs: String = "-10:0.02:10"

    @Option(parsing: .unconditional, help: "UE y coordinate (m).")
    var y: Double = 1

    @Option(parsing: .unconditional, help: "True UE phase offset (degrees).")
    var phaseOffsetDeg: Double = 10

    @Option(parsing: .unconditional, help: "Per-AP transmit power (dBm); P2 uses it times --p2-power-scale.")
    var powerDbm: Double = 0

    @OptionGroup var options: ReadingOptions
    @OptionGroup var output: StudyOutputOptions

    func validate() throws {
        try validatePower(powerDbm)
        _ = try parseList(xs, option: "--xs")
        guard y.isFinite else { throw ValidationError("--y must be finite") }
    }

    struct Row: Encodable {
        var x_m: Double, peb_p1_coherent_m: Double, peb_p1_noncoherent_m: Double, peb_p2_coherent_m: Double, peb_p2_noncoherent_m: Double
    }
    struct Output: Encodable {
        var study = "peb-vs-x"
        var reading: String
        var y_m: Double
        var power_dbm: Double
        var gaps_vs_paper: GapsJSON
        var rows: [Row]
    }

    func run() throws {
        var config = PebVersusXConfiguration()
        config.reading = options.reading
        config.xs = try parseList(xs, option: "--xs")
        config.y = y
        config.phaseOffset = phaseOffsetDeg * Double.pi / 180
        config.powerDBm = powerDbm
        let progress = ProgressLine(label: "peb-vs-x", enabled: !output.quiet)
        let rows = try PebVersusXStudy.run(config) { progress.update($0, $1) }
        progress.finish()
        let out = rows.map { Row(x_m: $0.x, peb_p1_coherent_m: $0.peb.p1Coherent, peb_p1_noncoherent_m: $0.peb.p1NonCoherent,
                                 peb_p2_coherent_m: $0.peb.p2Coherent, peb_p2_noncoherent_m: $0.peb.p2NonCoherent) }
        let (lines, gaps) = try readingReport(config.reading)
        if let path = output.out {
            try writeCSV(path: path, comments: ["dmimo-downlink study peb-vs-x", "command: \(commandLine)", lines[0],
                                                "y = \(formatted(y)) m, \(formatted(powerDbm)) dBm per AP; region half-width "
                                                + "\(formatted(config.reading.network.regionSide / 2)) m around x = \(formatted(config.reading.network.regionCentre.x)) m"],
                         header: ["x_m"] + PEBQuad.columnNames,
                         rows: rows.map { [formatted($0.x)] + $0.peb.values.map(formatted) })
        }
        if output.json {
            try printJSON(Output(reading: config.reading.summary, y_m: y, power_dbm: powerDbm, gaps_vs_paper: GapsJSON(gaps), rows: out))
            return
        }
        print("PEB vs x at y = \(formatted(y)) m, \(formatted(powerDbm)) dBm per AP, \(rows.count) points")
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
            print(line)
        }
        print("  paper: coherent PEBs are smallest at the region's centre; non-coherent PEBs are higher at the centre than at")
        print("  the edges; all grow outside the region. P2 fluctuates by 10–30 % over centimetres (focal spots, docs/MODEL.md §DL.7).")
        for line in lines { print(line) }
    }
}

// MARK: - peb-vs-k

struct PebVsK: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "peb-vs-k",
        abstract: "Average PEB over the illumination region vs the number of illumination points K (the paper's Fig. 6).")

    @OptionGroup var logging: LogOptions

    @Option(help: "Numbers of illumination points (perfect squares), comma-separated.")
    var ks: String = "4,9,16,25,36,49,64,81,100"

    @Option(parsing: .unconditional, help: "Per-AP transmit power (dBm) at the reference K; fixed-energy columns use P*K_ref/K.")
    var powerDbm: Double = 0

    @Option(help: "Reference K of the fixed-network-energy rule.")
    var referenceK: Int = 36

    @Option(help: "Points per axis of the cell-centred averaging grid over the region (20 gives the spec's 400 points).")
    var gridPoints: Int = 20

    @Option(parsing: .unconditional, help: "True UE phase offset (degrees).")
    var phaseOffsetDeg: Double = 10

    @OptionGroup var options: ReadingOptions
    @OptionGroup var output: StudyOutputOptions

    func parsedKs() throws -> [Int] {
        let list = ks.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ $0 != nil && $0! >= 1 && exactSquareRoot($0!) != nil }) else {
            throw ValidationError("--ks must be a comma-separated list of positive perfect squares; got '\(ks)'")
        }
        return list.map { $0! }
    }

    func validate() throws {
        try validatePower(powerDbm)
        _ = try parsedKs()
        guard referenceK >= 1 else { throw ValidationError("--reference-k must be at least 1") }
        guard gridPoints >= 1 && gridPoints <= 200 else { throw ValidationError("--grid-points must be in 1...200") }
    }

    struct Row: Encodable {
        var k: Int
        var fixed_power: [String: Double]
        var fixed_energy: [String: Double]
    }
    struct Output: Encodable {
        var study = "peb-vs-k"
        var reading: String
        var power_dbm: Double
        var reference_k: Int
        var gaps_vs_paper: GapsJSON
        var rows: [Row]
    }

    func run() throws {
        var config = PebVersusKConfiguration()
        config.reading = options.reading
        config.ks = try parsedKs()
        config.powerDBm = powerDbm
        config.referenceK = referenceK
        config.gridPointsPerAxis = gridPoints
        config.phaseOffset = phaseOffsetDeg * Double.pi / 180
        let progress = ProgressLine(label: "peb-vs-k", enabled: !output.quiet)
        let rows = try PebVersusKStudy.run(config) { progress.update($0, $1) }
        progress.finish()
        let (lines, gaps) = try readingReport(config.reading)
        let names = PEBQuad.columnNames
        if let path = output.out {
            try writeCSV(path: path, comments: ["dmimo-downlink study peb-vs-k", "command: \(commandLine)", lines[0],
                                                "mean over \(gridPoints)x\(gridPoints) cell-centred grid; fixed energy: per-AP power "
                                                + "\(formatted(powerDbm)) dBm x \(referenceK)/K"],
                         header: ["k"] + names.map { "fixed_power_" + $0 } + names.map { "fixed_energy_" + $0 },
                         rows: rows.map { [String($0.k)] + $0.fixedPower.values.map(formatted) + $0.fixedEnergy.values.map(formatted) })
        }
        if output.json {
            let out = rows.map { r in
                Row(k: r.k, fixed_power: Dictionary(uniqueKeysWithValues: zip(names, r.fixedPower.values)),
                    fixed_energy: Dictionary(uniqueKeysWithValues: zip(names, r.fixedEnergy.values)))
            }
            try printJSON(Output(reading: config.reading.summary, power_dbm: powerDbm, reference_k: referenceK,
                                 gaps_vs_paper: GapsJSON(gaps), rows: out))
            return
        }
        print("Average PEB over the region vs K (\(gridPoints)x\(gridPoints) grid), \(formatted(powerDbm)) dBm per AP at K = \(referenceK)")
        print("   K   fixed per-AP power: P1c        P2c        P1nc       P2nc     | fixed energy: P1c        P2c        P2c−P1c[dB10]")
        for r in rows {
            print(String(format: "%4d   %@ %@ %@ %@ | %@ %@ %@", r.k,
                         fmt(r.fixedPower.p1Coherent).padding(toLength: 10, withPad: " ", startingAt: 0),
                         fmt(r.fixedPower.p2Coherent).padding(toLength: 10, withPad: " ", startingAt: 0),
                         fmt(r.fixedPower.p1NonCoherent).padding(toLength: 10, withPad: " ", startingAt: 0),
                         fmt(r.fixedPower.p2NonCoherent).padding(toLength: 10, withPad: " ", startingAt: 0),
                         fmt(r.fixedEnergy.p1Coherent).padding(toLength: 10, withPad: " ", startingAt: 0),
                         fmt(r.fixedEnergy.p2Coherent).padding(toLength: 10, withPad: " ", startingAt: 0),
                         fmtDB(db10(r.fixedEnergy.p2Coherent / r.fixedEnergy.p1Coherent))))
        }
        // The paper's Fig. 6 claims.
        let p1 = rows.map(\.fixedEnergy.p1Coherent)
        if let lo = p1.min(), let hi = p1.max() {
            print("  P1 coherent at fixed energy spans \(fmt(lo))–\(fmt(hi)) m (\(fmtDB(db10(hi / lo))) dB over K); paper: nearly constant in K.")
        }
        if let firstFinite = rows.first(where: { $0.fixedPower.p2Coherent.isFinite }) {
            print("  P2 coherent: first finite PEB at K = \(firstFinite.k) of the K values swept"
                  + (config.reading.amplitudeModel == .free ? " (free alpha: singular while 2K < M + 3)" : ""))
        }
        if let last = rows.last(where: { $0.fixedEnergy.p2Coherent.isFinite }) {
            let gap = db10(last.fixedEnergy.p2Coherent / last.fixedEnergy.p1Coherent)
            print("  at K = \(last.k): P2 − P1 = \(fmtDB(gap)) dB; paper: P2 stabilises slightly below P1 ("
                  + (gap < 0 ? "below under this reading)." : "not reproduced under this reading; see docs/MODEL.md §DL.8)."))
        }
        for line in lines { print(line) }
    }
}
