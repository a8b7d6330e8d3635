// Study: the `study` subcommands — the paper's Figs. 4–6 as CSV / JSON with a report against the paper's claims.
import ArgumentParser
import ChainLog
import Downlink
import DownlinkReports
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

/// Writes a study's CSV (with --out), then prints its JSON (--json) or its text report.
func emit(_ report: StudyReport, _ output: StudyOutputOptions) throws {
    if let path = output.out { try writeCSV(path: path, table: report.table) }
    if output.json { try printJSON(report.json) } else { for line in report.lines { print(line) } }
}

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
    let values = text.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.count == text.split(separator: ",").count, values.allSatisfy(\.isFinite) else { throw fail }
    return values
}

// MARK: - rmse-vs-power

struct RmseVsPower: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "rmse-vs-power",
        abstract: "Monte-Carlo RMSE of the estimators and the PEBs vs per-AP power (the paper's Fig. 4).",
        discussion: "Every estimator of --estimator runs on the same noisy snapshots (common random numbers); the CSV has one row per (protocol, power, estimator), named in its last column 'estimator'.")

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

    @OptionGroup var logging: LogOptions

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1; got \(runs)") }
        guard outlierFactor > 0 else { throw ValidationError("--outlier-factor must be positive") }
        _ = try parsedProtocols()
        _ = try parseEstimators(estimator)
        for p in try parseList(powersDbm, option: "--powers-dbm") { try validatePower(p, option: "--powers-dbm") }
    }

    func parsedProtocols() throws -> [DownlinkProtocol] {
        let names = protocols.split(separator: ",")
        let list = names.compactMap { DownlinkProtocol(argument: $0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.count == names.count else {
            throw ValidationError("--protocols must be a comma-separated list of P1 and P2; got '\(protocols)'")
        }
        return list
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
        try emit(rmseVsPowerReport(config, rows: rows, elapsed: elapsed, commandLine: commandLine), output)
    }
}

// MARK: - peb-vs-x

struct PebVsX: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "peb-vs-x",
        abstract: "The four PEB curves vs the UE's x coordinate at fixed y (the paper's Fig. 5).")

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

    @OptionGroup var logging: LogOptions

    func validate() throws {
        try validatePower(powerDbm)
        _ = try parseList(xs, option: "--xs")
        guard y.isFinite else { throw ValidationError("--y must be finite") }
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
        try emit(pebVsXReport(config, rows: rows, commandLine: commandLine), output)
    }
}

// MARK: - peb-vs-k

struct PebVsK: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "peb-vs-k",
        abstract: "Average PEB over the illumination region vs the number of illumination points K (the paper's Fig. 6).")

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

    @OptionGroup var logging: LogOptions

    func parsedKs() throws -> [Int] {
        let items = ks.split(separator: ",")
        let list = items.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.count == items.count, list.allSatisfy({ $0 >= 1 && exactSquareRoot($0) != nil }) else {
            throw ValidationError("--ks must be a comma-separated list of positive perfect squares; got '\(ks)'")
        }
        return list
    }

    func validate() throws {
        try validatePower(powerDbm)
        _ = try parsedKs()
        guard referenceK >= 1 else { throw ValidationError("--reference-k must be at least 1") }
        guard gridPoints >= 1 && gridPoints <= 200 else { throw ValidationError("--grid-points must be in 1...200") }
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
        try emit(pebVsKReport(config, rows: rows, commandLine: commandLine), output)
    }
}
