// Process-level fault tests: a J=8 chain of real panel processes survives each kind of fault, every step accounted for.
import ChainRuntime
import Config
import Foundation
import Testing

struct FaultCase: Sendable, CustomTestStringConvertible {
    let fault: FaultSpec
    /// Whether the chain must route around the panel (it is then listed in every degraded step).
    let removesPanel: Bool
    var testDescription: String { fault.action.rawValue }
}

@Suite(.serialized) struct FaultProcessTests {
    static let cases: [FaultCase] = [
        FaultCase(fault: FaultSpec(atStep: 20, action: .kill, panel: 3), removesPanel: true),
        FaultCase(fault: FaultSpec(atStep: 20, action: .stop, panel: 5, durationMs: 3000), removesPanel: true),
        FaultCase(fault: FaultSpec(atStep: 20, action: .restart, panel: 2, durationMs: 1500), removesPanel: true),
        FaultCase(fault: FaultSpec(atStep: 20, action: .partition, panel: 6, durationMs: 3000), removesPanel: true),
        FaultCase(fault: FaultSpec(atStep: 20, action: .slow, panel: 4, durationMs: 500, delayUs: 5000), removesPanel: false),
        FaultCase(fault: FaultSpec(atStep: 20, action: .corrupt, panel: 1), removesPanel: false),
        FaultCase(fault: FaultSpec(atStep: 20, action: .duplicate, panel: 2), removesPanel: false),
    ]

    @Test(arguments: cases)
    func theChainSurvivesTheFaultWithEveryStepAccountedFor(_ c: FaultCase) throws {
        // generous acknowledgement deadline: on a loaded 2-core machine a healthy panel must never look dead
        let config = try ExperimentConfig.load(yaml: "", overrides: [
            "scenario.panels=8", "filter.particles=1024", "run.steps=120", "chain.ack_timeout_ms=1000",
            "chain.step_deadline_ms=8000", "chain.readmit_after_ms=300"])
        let experiment = try Experiment(config: config)
        let signals = try SignalWatcher()
        let session = try ChainSession(options: try filterSessionOptions(experiment), signals: signals)
        defer { session.shutdown() }
        try session.start()
        let dir = temporaryDirectory("fault-\(c.fault.action.rawValue)")
        let files = try ResultFiles(directory: dir, panels: 8, withHops: true)
        let outcome = try runDistributed(experiment, session: session, files: files,
                                         liveness: LivenessSettings(config.chain), faults: [c.fault],
                                         progress: ProgressLine(label: "test"))
        files.close()
        let acc = outcome.accumulator
        #expect(acc.injected == 120)
        #expect(acc.injected == acc.delivered + acc.degraded + acc.abandoned)
        #expect(acc.abandoned == 0)
        // exactly one result per step, in order; the fault timeline holds every step from the injection on
        #expect(acc.timeline.map(\.step) == Array(c.fault.atStep..<120))
        #expect(acc.beforeTimeline.count == c.fault.atStep)
        let rows = try String(contentsOfFile: dir + "/per_step.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.count == 120)
        #expect(rows.map { Int($0[1]) ?? -1 } == Array(0..<120))
        let faulty = "\(c.fault.panel)"
        for row in rows where row[11] == "degraded" {
            let skipped = row[10].split(separator: " ").map(String.init)
            #expect(skipped.contains(faulty), "step \(row[1]) degraded without panel \(faulty): skipped [\(row[10])]")
        }
        if c.removesPanel {
            #expect(acc.degraded > 0, "the fault should have taken panel \(faulty) out of some steps")
            #expect(outcome.faults.first?.detectedNs != nil)
        }
        // accuracy stays sane while a panel is missing
        let stats = try #require(acc.statistics())
        #expect(stats.runsDiverged == 0)
        #expect(stats.rmseTimeAverage < 0.3)
    }
}

@Suite(.serialized) struct ReissueProcessTests {
    /// Three panels killed at once: the step's γ waits for two silent successors in turn, the step deadline
    /// re-issues it over the live panels, and the panels that had already processed it hand γ on as "skipped".
    /// Those panels are alive (heard on the control plane) and must stay in the route: from the next step on,
    /// only the killed panels are missing.
    @Test func aReissuedStepDoesNotEvictThePanelsThatPassedItOn() throws {
        let killed = [1, 3, 5]
        let config = try ExperimentConfig.load(yaml: "", overrides: [
            "scenario.panels=8", "filter.particles=512", "run.steps=40", "chain.ack_timeout_ms=1000",
            "chain.hop_retries=1", "chain.step_deadline_ms=2500", "chain.readmit_after_ms=300"])
        let experiment = try Experiment(config: config)
        let signals = try SignalWatcher()
        let session = try ChainSession(options: try filterSessionOptions(experiment), signals: signals)
        defer { session.shutdown() }
        try session.start()
        let dir = temporaryDirectory("reissue")
        let files = try ResultFiles(directory: dir, panels: 8, withHops: true)
        let outcome = try runDistributed(experiment, session: session, files: files,
                                         liveness: LivenessSettings(config.chain),
                                         faults: killed.map { FaultSpec(atStep: 10, action: .kill, panel: $0) },
                                         progress: ProgressLine(label: "test"))
        files.close()
        let acc = outcome.accumulator
        #expect(acc.injected == 40 && acc.abandoned == 0)
        #expect(outcome.reissues >= 1, "the scenario should have needed a re-issue")
        let rows = try String(contentsOfFile: dir + "/per_step.csv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        for row in rows where Int(row[1])! > 10 {
            let skipped = row[10].split(separator: " ").compactMap { Int($0) }.sorted()
            #expect(skipped == killed, "step \(row[1]): skipped \(skipped), expected only the killed panels \(killed)")
        }
    }
}
