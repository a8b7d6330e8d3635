// DownlinkReportsTests: the study and bench reports — CSV tables, JSON field names, text lines, bench rows and ratios.
import Downlink
@testable import DownlinkReports
import Foundation
import Testing

func jsonObject(_ value: any Encodable) throws -> [String: Any] {
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(value)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite struct StudyReportTests {
    @Test func aTableIsCommentLinesThenHeaderThenRows() {
        let table = DownlinkTable(comments: ["a", "b c"], header: ["x", "y"], rows: [["1", "2"], ["3", "inf"]])
        #expect(table.text == "# a\n# b c\nx,y\n1,2\n3,inf\n")
    }

    @Test func numbersPrintShortestAndNonFiniteByName() {
        #expect(formatted(1) == "1" && formatted(0.25) == "0.25" && formatted(-.infinity) == "-inf" && formatted(.nan) == "nan")
        #expect(fmt(0.000123456) == "0.0001235" && fmt(.infinity) == "inf")
        #expect(fmtDB(db10(2)) == "+3.01" && fmtDB(.nan) == "n/a")
    }

    @Test func pebVsKHasOneRowPerKWithBothPowerRulesAndTheReadingInTheCSV() throws {
        var config = PebVersusKConfiguration()
        config.ks = [4, 9, 25]
        config.gridPointsPerAxis = 2
        let rows = try PebVersusKStudy.run(config)
        let report = try pebVsKReport(config, rows: rows, commandLine: "dmimo-downlink study peb-vs-k --ks 4,9,25")
        #expect(report.table.header == ["k"] + PEBQuad.columnNames.map { "fixed_power_" + $0 } + PEBQuad.columnNames.map { "fixed_energy_" + $0 })
        #expect(report.table.rows.map { $0[0] } == ["4", "9", "25"])
        #expect(report.table.rows[2][1] == formatted(rows[2].fixedPower.p1Coherent))
        #expect(report.table.comments[1] == "command: dmimo-downlink study peb-vs-k --ks 4,9,25")
        #expect(report.table.comments[2] == "reading: \(config.reading.summary)")
        #expect(report.lines[0] == "Average PEB over the region vs K (2x2 grid), 0 dBm per AP at K = 36")
        #expect(report.lines.count == 2 + 3 + 3 + (try readingReport(config.reading)).lines.count)
        let json = try jsonObject(report.json)
        #expect(json["study"] as? String == "peb-vs-k" && json["reference_k"] as? Int == 36)
        let first = try #require((json["rows"] as? [[String: Any]])?.first)
        #expect(Set((first["fixed_power"] as? [String: Any])?.keys.map { $0 } ?? []) == Set(PEBQuad.columnNames))
    }

    @Test func pebVsXRowsCarryTheFourCurvesAndTheTextNamesTheirMinima() throws {
        var config = PebVersusXConfiguration()
        config.xs = [-1, 0, 1]
        let rows = try PebVersusXStudy.run(config)
        let report = try pebVsXReport(config, rows: rows, commandLine: "c")
        #expect(report.table.header == ["x_m"] + PEBQuad.columnNames)
        #expect(report.table.rows == rows.map { [formatted($0.x)] + $0.peb.values.map(formatted) })
        #expect(report.lines[0] == "PEB vs x at y = 1 m, 0 dBm per AP, 3 points")
        #expect(report.lines[1].hasPrefix("  P1 coherent: min "))
        let json = try jsonObject(report.json)
        #expect((json["rows"] as? [[String: Any]])?.count == 3 && json["y_m"] as? Double == 1)
    }

    @Test func rmseVsPowerWritesOneRowPerProtocolPowerAndEstimatorUnderItsJSONNames() throws {
        var config = RmseStudyConfiguration()
        config.powersDBm = [10]
        config.runs = 2
        config.estimators = [.hybrid, .adaptive]
        let rows = try RmseStudy.run(config)
        let report = try rmseVsPowerReport(config, rows: rows, elapsed: 1.5, commandLine: "c")
        #expect(report.table.rows.count == 2 * 1 * 2)
        #expect(report.table.header.first == "protocol" && report.table.header.last == "estimator")
        #expect(Set(report.table.rows.map { $0[0] + "/" + $0[15] }) == ["P1/hybrid", "P1/adaptive", "P2/hybrid", "P2/adaptive"])
        #expect(report.table.comments[3] == "outlier: error > 5 x coherent PEB; seed 2025")
        #expect(report.lines[0] == "RMSE vs per-AP power: u = (1, 1) m, 2 runs per point, seed 2025, 1.5 s")
        let json = try jsonObject(report.json)
        #expect(json["elapsed_s"] as? Double == 1.5)
        let row = try #require((json["rows"] as? [[String: Any]])?.first)
        #expect(row["protocol"] as? String == "P1" && row["protocol_"] == nil)
        let r0 = rows[0]
        let ratio = try #require(row["rmse_over_peb_db10"] as? Double)
        #expect(abs(ratio - db10(r0.rmse / r0.pebCoherent)) < 1e-12)   // JSON text round trip: last digit
    }
}

@Suite struct PointReportTests {
    @Test func pebAtOnePointNamesProtocolProcessingAndTheBound() throws {
        let report = try pebReport(reading: DownlinkReading(), protocol: .p1, processing: .coherent, user: Point2(1, 2),
                                   phaseOffset: 0.1, powerDBm: 0)
        let json = try jsonObject(report.json)
        let peb = try #require(json["peb_m"] as? Double)
        #expect(peb > 0 && peb.isFinite)
        #expect(json["protocol"] as? String == "P1" && json["ue_m"] as? [Double] == [1, 2])
        #expect(report.lines[0].hasPrefix("PEB ") && report.lines[0].contains("at u = (1, 2) m, 0 dBm per AP, K = 36: "))
        #expect(report.lines[1] == "reading: \(DownlinkReading().summary)")
    }

    @Test func anEstimateReportsItsErrorAgainstTheTruthInBothForms() throws {
        var request = EstimateRequest()
        request.estimator = .hybrid
        request.powerDBm = 10
        let report = try estimateReport(request)
        let json = try jsonObject(report.json)
        let position = try #require(json["position_m"] as? [Double])
        let error = try #require(json["error_m"] as? Double)
        #expect(abs(error - Point2(position[0], position[1]).distance(to: request.user)) < 1e-12)
        #expect(json["estimator"] as? String == "hybrid" && json["seed"] as? Int == 2025 && json["run"] as? Int == 0)
        #expect(report.lines[1] == "truth:     u = (1.0, 1.0) m, phase offset 10 deg")
        #expect(report.lines.contains { $0.hasPrefix("stages:    coarse ") && $0.hasSuffix("-> refined") })
    }
}

@Suite struct BenchReportTests {
    func timings(scale: Double) -> DownlinkBenchTimings {
        DownlinkBenchTimings(estimate_s: ["P1": 2 * scale, "P2": 3 * scale],
                             estimate_with_model_build_s: ["P1": 4 * scale, "P2": 5 * scale],
                             coarse_pass_s: ["P1_coherent": scale], peb_s: ["P1_coherent": 1e-4 * scale],
                             peb_one_shot_s: ["P1_coherent": 2e-4 * scale], peb_direct_reused_s: [:], clock: "wall clock")
    }

    @Test func rowsCompareTheHeadlineOneShotFiguresWithNumpyAndCheckTheTarget() {
        let swift = timings(scale: 1e-3)
        var numpy = timings(scale: 1)
        numpy.estimate_s = ["P1": 1, "P2": 0.1]    // numpy has one figure per item
        let rows = benchRows(swift, baseline: numpy, target: 50)
        let headline = rows.filter(\.headline)
        #expect(headline.map(\.name) == ["hybrid estimate P1, one-shot (builds cost model)",
                                         "hybrid estimate P2, one-shot (builds cost model)", "PEB P1 coherent, one-shot"])
        #expect(headline[0].ratio == 1 / 4e-3 && headline[0].meets_target == true)     // 250x
        #expect(headline[1].ratio == 0.1 / 5e-3 && headline[1].meets_target == false)  // 20x
        #expect(rows.contains { $0.name == "coarse grid pass P1 coherent" && $0.ratio == 1 / 1e-3 })
        #expect(benchRows(swift, baseline: nil, target: 50).allSatisfy { $0.numpy_s == nil && $0.meets_target == nil })
    }

    @Test func theReportNamesTheRowsBelowTheTarget() {
        let measurement = DownlinkBenchMeasurement(timings: timings(scale: 1e-3), comparison: [], networkBuild: 1e-5)
        var numpy = timings(scale: 1)
        numpy.estimate_s = ["P1": 1, "P2": 0.1]
        let report = downlinkBenchReport(measurement, settings: DownlinkBenchSettings(), baseline: numpy, baselinePath: "n.json")
        #expect(report.lines[1] == "numpy reference: n.json (wall clock, BLAS threads not recorded)")
        #expect(report.lines.last == "Headline rows below the 50x target: hybrid estimate P2, one-shot (builds cost model).")
        let alone = downlinkBenchReport(measurement, settings: DownlinkBenchSettings(), baseline: nil, baselinePath: nil)
        #expect(alone.lines[1].hasPrefix("no --baseline"))
        #expect(!alone.lines.contains { $0.contains("target:") || $0.hasPrefix("All headline") })
    }
}
