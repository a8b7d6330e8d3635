// Every spawned panel killed mid-run: the controller stops the run set with a clear error (exit 1) and valid
// result files, instead of abandoning every remaining step after its deadline.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized) struct PanelsGoneProcessTests {
    @Test func killingEveryPanelStopsTheRunSetWithAnError() throws {
        let out = temporaryDirectory("panels-gone")
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        // 20 runs x 526 steps would take minutes; the step deadline is short so an abandoned step ends quickly
        process.arguments = ["run", "--runs", "20", "--set", "scenario.panels=4", "--set", "filter.particles=1024",
                             "--set", "chain.step_deadline_ms=200", "--set", "chain.max_attempts=1", "--out", out]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        let panels = waitForPanels(of: process.processIdentifier, count: 4, timeout: .seconds(60)) {
            ((try? String(contentsOfFile: out + "/per_step.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0) > 20
        }
        try #require(panels.count == 4)
        for pid in panels { kill(pid, SIGKILL) }
        let killed = ContinuousClock.now
        while process.isRunning && ContinuousClock.now - killed < .seconds(20) { usleep(20_000) }
        #expect(!process.isRunning, "the controller still runs 20 s after its last panel died")
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("every panel process has exited"))
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json"))) as? [String: Any]
        #expect(summary?["interrupted"] as? Bool == true)
        let rows = try String(contentsOfFile: out + "/per_step.csv", encoding: .utf8).split(separator: "\n").count - 1
        #expect(rows < 20 * 526)
        #expect((summary?["steps_delivered"] as? Int ?? 0) + (summary?["steps_abandoned"] as? Int ?? 0) == rows)
    }
}
