// RunJobProcessTests: RunJob, the composition behind `chain-controller run`, in both modes — its result folder, its
// report, the same estimates in-process and over panel processes (whose spawn arguments include the logging options).
import ChainRuntime
import Config
import Foundation
import Testing

@Suite(.serialized) struct RunJobProcessTests {
    func config() throws -> ExperimentConfig {
        try ExperimentConfig.load(yaml: "", overrides: ["scenario.panels=4", "filter.particles=512", "run.steps=12", "run.seed=31"])
    }

    @Test func inProcessAndOverPanelProcessesTheJobWritesTheSameEstimatesAndAReport() throws {
        let inProcessDir = temporaryDirectory("job-inproc"), distributedDir = temporaryDirectory("job-dist")
        var options = RunJobOptions()
        options.inProcess = true
        options.out = inProcessDir
        options.commandLine = ["test"]
        let a = try RunJob(config: try config(), options: options).run()
        options.inProcess = false
        options.out = distributedDir
        options.runID = 4242
        options.panelBinary = siblingExecutable("panel-node")
        let b = try RunJob(config: try config(), options: options).run()

        #expect(!a.interrupted && !b.interrupted)
        #expect(a.directory == inProcessDir && b.directory == distributedDir)
        for report in [a.report, b.report] { #expect(report.contains("RMSE"), "\(report)") }
        let rowsA = try estimateColumns(inProcessDir), rowsB = try estimateColumns(distributedDir)
        #expect(rowsA.count == 13)
        #expect(rowsA == rowsB)
        for file in ["config.yaml", "summary.json", "manifest.json"] {
            #expect(FileManager.default.fileExists(atPath: inProcessDir + "/" + file), "\(file) in-process")
            #expect(FileManager.default.fileExists(atPath: distributedDir + "/" + file), "\(file) distributed")
        }
        #expect(FileManager.default.fileExists(atPath: distributedDir + "/hops.csv"))
        #expect(!FileManager.default.fileExists(atPath: inProcessDir + "/hops.csv"))
        // every panel's log is in <out>/logs, and the manifest records the given command line and run id
        for k in 0..<4 { #expect(FileManager.default.fileExists(atPath: distributedDir + "/logs/panel-\(k).log")) }
        let manifest = try String(contentsOfFile: distributedDir + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"test\""))
    }

    @Test func inProcessRefusesScriptedFaultsBeforeWritingAnything() throws {
        let out = temporaryDirectory("job-refusal")
        try? FileManager.default.removeItem(atPath: out)
        var options = RunJobOptions()
        options.inProcess = true
        options.out = out
        let config = try ExperimentConfig.load(yaml: "faults:\n  - {at_step: 3, action: kill, panel: 1}\n",
                                               overrides: ["scenario.panels=4", "run.steps=5"])
        #expect(throws: RuntimeError.self) { try RunJob(config: config, options: options).run() }
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
