// Process-level tests of whole runs: J panel processes compute exactly what the in-process chain computes.
import ChainRuntime
import Config
import Foundation
import Testing

func temporaryDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "dmimo-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The estimate columns (run, step, truth, estimate, error, panels) of a per_step.csv.
func estimateColumns(_ directory: String) throws -> [String] {
    let text = try String(contentsOfFile: directory + "/per_step.csv", encoding: .utf8)
    return text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(10).joined(separator: ",") }
}

@Suite(.serialized) struct ChainRunProcessTests {
    /// The strongest test of the distribution: same config and seed, bit-identical estimates.
    @Test(arguments: ["loca-los", "loca-mpc"])
    func eightPanelProcessesGiveTheInProcessEstimatesBitForBit(method: String) throws {
        let steps = method == "loca-mpc" ? 40 : 60
        let config = try ExperimentConfig.load(yaml: "", overrides: [
            "scenario.panels=8", "filter.particles=1024", "run.steps=\(steps)", "run.seed=77", "filter.method=\(method)",
            "chain.ack_timeout_ms=2000"])
        let experiment = try Experiment(config: config)
        let inProcessDir = temporaryDirectory("inproc"), distributedDir = temporaryDirectory("dist")
        let filesA = try ResultFiles(directory: inProcessDir, panels: 8, withHops: false)
        let a = runInProcess(experiment, files: filesA, signals: nil, progress: ProgressLine(label: "test"))
        filesA.close()

        let signals = try SignalWatcher()
        let session = try ChainSession(options: try filterSessionOptions(experiment, runID: 99), signals: signals)
        defer { session.shutdown() }
        try session.start()
        let filesB = try ResultFiles(directory: distributedDir, panels: 8, withHops: true)
        let b = try runDistributed(experiment, session: session, files: filesB, liveness: LivenessSettings(config.chain),
                                   progress: ProgressLine(label: "test"))
        filesB.close()

        #expect(a.accumulator.delivered == steps)
        #expect(b.accumulator.delivered == steps)
        let rowsA = try estimateColumns(inProcessDir), rowsB = try estimateColumns(distributedDir)
        #expect(rowsA.count == steps + 1)
        #expect(rowsA == rowsB)
        // and the filter actually tracked: RMSE of a few centimetres, no divergence
        let stats = try #require(b.accumulator.statistics())
        #expect(stats.rmseTimeAverage < 0.2)
        #expect(stats.runsDiverged == 0)
        // the hops file has one row per panel and step
        let hops = try String(contentsOfFile: distributedDir + "/hops.csv", encoding: .utf8)
        let hopRows = hops.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(hopRows.count == 1 + steps * 8)
        // every one-way link in the controller's time base, with its clock bound (one host: a few µs to ms)
        let linkColumn = try #require(hopRows[0].firstIndex(of: "link_us"))
        let boundColumn = try #require(hopRows[0].firstIndex(of: "link_bound_us"))
        for row in hopRows.dropFirst() {
            #expect(Double(row[linkColumn]) != nil && (Double(row[boundColumn]) ?? -1) > 0)
        }
    }

    @Test func sigintMidRunStopsEveryPanelAndLeavesReadableResults() throws {
        let out = temporaryDirectory("sigint")
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        // long enough (J=8, N_p=4096, 526 steps: several seconds) that SIGINT arrives mid-run
        process.arguments = ["run", "--set", "scenario.panels=8", "--set", "filter.particles=4096", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let csv = out + "/per_step.csv"
        let panels = waitForPanels(of: process.processIdentifier, count: 8, timeout: .seconds(60)) {
            ((try? String(contentsOfFile: csv, encoding: .utf8))?.split(separator: "\n").count ?? 0) > 20
        }
        #expect(panels.count == 8)
        let interrupted = ContinuousClock.now
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(waitForPanelsGone(panels, timeout: .seconds(2) - (ContinuousClock.now - interrupted)).isEmpty,
                "panels still running 2 s after SIGINT")
        // every row complete, and the summary is valid JSON that counts them
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.count > 20)
        let width = lines[0].split(separator: ",", omittingEmptySubsequences: false).count
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == width })
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["interrupted"] as? Bool == true)
        #expect(summary?["steps_delivered"] as? Int == lines.count - 1)
    }
}

@Suite(.serialized) struct DownlinkProcessTests {
    /// The controller, 4 panel processes and a dmimo-downlink node process: every step's snapshot is answered by the
    /// adaptive and the hybrid estimator, each row with the PEB of its snapshot's geometry.
    @Test func theDownlinkNodeAnswersEveryStepBesideTheChain() throws {
        let out = temporaryDirectory("downlink")
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        process.arguments = ["run", "--set", "scenario.panels=4", "--set", "filter.particles=256", "--steps", "25",
                             "--set", "downlink.enabled=true", "--set", "downlink.max_in_flight=1000",
                             "--set", "downlink.processing=adaptive,hybrid", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let rows = try String(contentsOfFile: out + "/downlink.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.count == 51)
        let header = rows[0].split(separator: ",").map(String.init)
        let processingColumn = try #require(header.firstIndex(of: "processing"))
        let pebColumn = try #require(header.firstIndex(of: "peb_m"))
        let pebCoherentColumn = try #require(header.firstIndex(of: "peb_coherent_m"))
        let errorColumn = try #require(header.firstIndex(of: "error_m"))
        let phaseColumn = try #require(header.firstIndex(of: "phase_error_rad"))
        let stepColumn = try #require(header.firstIndex(of: "step"))
        var steps: [String: [Int]] = [:]
        for row in rows.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            steps[String(cells[processingColumn]), default: []].append(Int(cells[stepColumn]) ?? -1)
            let peb = Double(cells[pebColumn]) ?? .nan
            #expect(peb > 1e-8 && peb < 1e-4 && peb == Double(cells[pebCoherentColumn]), "PEB \(peb) m")
            #expect((Double(cells[errorColumn]) ?? 1) < 5 * peb)
            // at 0 dBm per AP the coherent estimate is micrometre-accurate (PEB ≈ 1e-6 m, docs/MODEL.md §DL.7)
            #expect((Double(cells[errorColumn]) ?? 1) < 1e-4)
            #expect(abs(Double(cells[phaseColumn]) ?? 1) < 0.01)
        }
        #expect(steps.keys.sorted() == ["adaptive", "hybrid"])
        for (_, list) in steps { #expect(list.sorted() == Array(0..<25)) }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        let downlink = summary?["downlink"] as? [String: Any]
        #expect(downlink?["estimates_received"] as? Int == 50)
    }
}
