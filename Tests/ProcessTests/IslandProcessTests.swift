// Process-level tests of islands (filter.islands = B > 1): J panel processes stream B islands per step and compute
// what the in-process chain computes; lost, resent (so out-of-order) and duplicated islands change no bit, and a
// dead panel degrades steps, never makes one wrong.
import ChainRuntime
import Config
import Foundation
import Testing

@Suite(.serialized) struct IslandProcessTests {
    /// Runs `overrides` in process and over panel processes (with `faults` there); returns both directories and the
    /// distributed outcome.
    func runBoth(_ overrides: [String], faults: [FaultSpec] = [], panels: Int) throws
        -> (inProcess: String, distributed: String, outcome: RunSetOutcome) {
        let config = try ExperimentConfig.load(yaml: "", overrides: overrides)
        let experiment = try Experiment(config: config)
        let inProcessDir = temporaryDirectory("isl-inproc"), distributedDir = temporaryDirectory("isl-dist")
        let filesA = try ResultFiles(directory: inProcessDir, panels: panels, withHops: false)
        _ = runInProcess(experiment, files: filesA, signals: nil, progress: ProgressLine(label: "test"))
        filesA.close()
        let signals = try SignalWatcher()
        let session = try ChainSession(options: try filterSessionOptions(experiment), signals: signals)
        defer { session.shutdown() }
        try session.start()
        let filesB = try ResultFiles(directory: distributedDir, panels: panels, withHops: true)
        let outcome = try runDistributed(experiment, session: session, files: filesB,
                                         liveness: LivenessSettings(config.chain), faults: faults,
                                         progress: ProgressLine(label: "test"))
        filesB.close()
        return (inProcessDir, distributedDir, outcome)
    }

    /// The acceptance of issue 21: B = 8 over the default J = 24 panel processes (N_p = 4096) is bit-identical to
    /// B = 8 in one process.
    @Test func twentyFourPanelProcessesWithEightIslandsGiveTheInProcessBits() throws {
        let steps = 40
        let (a, b, outcome) = try runBoth(["filter.islands=8", "run.steps=\(steps)", "run.seed=2025",
                                           "chain.ack_timeout_ms=2000"], panels: 24)
        #expect(outcome.accumulator.delivered == steps)
        let rowsA = try estimateColumns(a), rowsB = try estimateColumns(b)
        #expect(rowsA.count == steps + 1)
        #expect(rowsA == rowsB)
        let stats = try #require(outcome.accumulator.statistics())
        #expect(stats.rmseTimeAverage < 0.1)
    }

    /// Loca-MPC streams islands too: 8 panel processes with B = 8 give the in-process bits.
    @Test func locaMPCIslandsOverPanelProcessesGiveTheInProcessBits() throws {
        let steps = 30
        let (a, b, outcome) = try runBoth(["scenario.panels=8", "filter.particles=1024", "filter.islands=8",
                                           "filter.method=loca-mpc", "run.steps=\(steps)", "run.seed=77",
                                           "chain.ack_timeout_ms=2000"], panels: 8)
        #expect(outcome.accumulator.delivered == steps)
        let rowsA = try estimateColumns(a), rowsB = try estimateColumns(b)
        #expect(rowsA.count == steps + 1)
        #expect(rowsA == rowsB)
    }

    /// A corrupted island is dropped by its receiver and resent after the acknowledgement deadline (so it arrives
    /// after the step's later islands); a duplicated island is dropped as a duplicate. Every step is still
    /// delivered, bit for bit as in one process.
    @Test func lostResentAndDuplicatedIslandsChangeNoBit() throws {
        let steps = 40
        let faults = [FaultSpec(atStep: 10, action: .corrupt, panel: 1), FaultSpec(atStep: 20, action: .duplicate, panel: 2),
                      FaultSpec(atStep: 30, action: .corrupt, panel: 0)]
        let (a, b, outcome) = try runBoth(["scenario.panels=4", "filter.particles=1024", "filter.islands=8",
                                           "run.steps=\(steps)", "run.seed=31", "chain.ack_timeout_ms=300"],
                                          faults: faults, panels: 4)
        #expect(outcome.accumulator.delivered == steps)
        #expect(try estimateColumns(a) == estimateColumns(b))
        // the corrupted islands really were lost and resent: their steps waited for the acknowledgement deadline
        let rows = try String(contentsOfFile: b + "/per_step.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for step in [10, 30] {
            let latencyUs = Double(rows[step][12]) ?? 0
            #expect(latencyUs > 250_000, "step \(step) took \(latencyUs) µs: no island waited for its resend")
        }
    }

    /// A panel killed mid-run: from then on every island skips it, every step ends degraded with the panel listed as
    /// skipped, none is abandoned and the estimate stays on track.
    @Test func aKilledPanelDegradesStepsNeverMakesThemWrong() throws {
        let steps = 60
        let (_, b, outcome) = try runBoth(["scenario.panels=8", "filter.particles=1024", "filter.islands=8",
                                           "run.steps=\(steps)", "chain.ack_timeout_ms=300", "chain.readmit_after_ms=300"],
                                          faults: [FaultSpec(atStep: 20, action: .kill, panel: 5)], panels: 8)
        let acc = outcome.accumulator
        #expect(acc.injected == steps && acc.abandoned == 0)
        #expect(acc.injected == acc.delivered + acc.degraded)
        #expect(acc.degraded > 0)
        let rows = try String(contentsOfFile: b + "/per_step.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == steps)
        for row in rows where row[11] == "degraded" {
            #expect(row[10].split(separator: " ").contains("5"), "step \(row[1]) degraded without panel 5: [\(row[10])]")
        }
        for row in rows where Int(row[1])! > 20 { #expect(row[11] == "degraded", "step \(row[1]) is \(row[11])") }
        let stats = try #require(acc.statistics())
        #expect(stats.runsDiverged == 0 && stats.rmseTimeAverage < 0.3)
    }
}
