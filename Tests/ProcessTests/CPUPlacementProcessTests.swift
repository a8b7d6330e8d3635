// CPU placement, for real: a distributed run with chain.cpu_placement=spread pins the controller and each spawned
// panel (every thread) as its manifest says, read back from /proc while the run goes on.
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The Cpus_allowed_list of every thread of `pid` (empty if it is gone).
private func threadCPUs(_ pid: Int32) -> Set<String> {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    return Set(tasks.compactMap { tid in
        (try? String(contentsOfFile: "/proc/\(pid)/task/\(tid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }
            .map { $0.split(separator: "\t").last.map(String.init) ?? "" }
    })
}

@Suite(.serialized) struct CPUPlacementProcessTests {
    @Test func spreadPinsTheControllerAndEachPanelAsTheManifestSays() throws {
        let cpus = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        guard cpus >= 2 else { return }   // one CPU: every mode is "no pinning"
        let out = temporaryDirectory("placement")
        let process = Process()
        process.executableURL = builtProductsDirectory().appendingPathComponent("chain-controller")
        process.arguments = ["run", "--runs", "20", "--set", "scenario.panels=4", "--set", "filter.particles=1024",
                             "--set", "chain.cpu_placement=spread", "--out", out]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        // wait until the panels run steps, then read every thread's allowed CPUs
        let panels = waitForPanels(of: process.processIdentifier, count: 4, timeout: .seconds(60)) {
            ((try? String(contentsOfFile: out + "/per_step.csv", encoding: .utf8))?.split(separator: "\n").count ?? 0) > 5
        }
        try #require(panels.count == 4)
        #expect(threadCPUs(process.processIdentifier) == ["0"])
        var seen: [Int: Set<String>] = [:]
        for pid in panels {
            let arguments = ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "")
                .split(separator: "\0").map(String.init)
            guard let at = arguments.firstIndex(of: "--index"), let k = Int(arguments[at + 1]) else { continue }
            seen[k] = threadCPUs(pid)
        }
        #expect(seen == [0: ["0"], 1: ["1"], 2: ["0"], 3: ["1"]])
        kill(process.processIdentifier, SIGINT)   // ends the run set early; the result files are still written
        process.waitUntilExit()
        // the manifest records the same plan
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/manifest.json"))) as? [String: Any]
        #expect(manifest?["cpu_placement"] as? String == "spread")
        #expect(manifest?["controller_cpus"] as? String == "0")
        #expect(manifest?["panel_cpus"] as? [String] == ["0", "1", "0", "1"])
    }
}
