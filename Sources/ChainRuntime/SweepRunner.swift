// SweepRunner: runs a plan's units as child processes (in-process units in parallel, distributed ones alone), resumably, with an ETA line.
import ChainLog
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How to run a sweep.
public struct SweepSettings: Sendable {
    /// Output folder: units/<id>/ per unit, the CSVs and the PNG.
    public var out: String
    /// Units run at once (in-process and downlink units); distributed units always run one at a time.
    public var jobs: Int
    /// Run only units i with i mod N = K − 1.
    public var shard: (index: Int, count: Int)?
    /// Folder holding chain-controller, panel-node and dmimo-downlink.
    public var binDirectory: String

    public init(out: String, jobs: Int, shard: (index: Int, count: Int)?, binDirectory: String) {
        self.out = out; self.jobs = jobs; self.shard = shard; self.binDirectory = binDirectory
    }
}

/// What a sweep did.
public struct SweepOutcome: Sendable {
    public var selected: [SweepUnit] = []
    public var ran = 0
    public var skipped = 0
    public var failed: [(unit: String, why: String)] = []
    public var interrupted = false
    public var wallSeconds = 0.0
}

/// The folder of one unit.
public func unitDirectory(_ settings: SweepSettings, _ unit: SweepUnit) -> String { settings.out + "/units/" + unit.id }

/// A unit is finished when its done.json exists (written after its command succeeded).
public func unitIsDone(_ directory: String) -> Bool { FileManager.default.fileExists(atPath: directory + "/done.json") }

/// Runs every selected unit that is not finished yet. An unfinished unit folder (interrupted) is cleared and rerun.
public func runSweep(_ plan: SweepPlan, settings: SweepSettings, signals: SignalWatcher,
                     progress: ProgressLine) throws(RuntimeError) -> SweepOutcome {
    var outcome = SweepOutcome()
    let start = monotonicNanos()
    outcome.selected = plan.units.filter { unit in settings.shard.map { unit.index % $0.count == $0.index - 1 } ?? true }
    var pending: [SweepUnit] = []
    for unit in outcome.selected {
        let dir = unitDirectory(settings, unit)
        if unitIsDone(dir) { outcome.skipped += 1; continue }
        try? FileManager.default.removeItem(atPath: dir)
        pending.append(unit)
    }
    let jobs = plan.file.distributed ? 1 : max(1, settings.jobs)
    let children = ChildProcesses()
    var running: [pid_t: (unit: SweepUnit, started: UInt64)] = [:]
    let total = pending.count
    var finished = 0
    // the ETA weighs units by their expected cost (J × N_p × steps), so a grid of mixed sizes is estimated fairly
    let totalWeight = pending.reduce(0) { $0 + plan.weight($1) }
    var doneWeight = 0.0
    func report() {
        let elapsed = Double(monotonicNanos() - start) / 1e9
        let eta = doneWeight > 0 ? formatDuration(elapsed / doneWeight * (totalWeight - doneWeight)) : "?"
        progress.update(finished, total, extra: "units (\(outcome.skipped) already done, \(running.count) running, "
                        + "\(outcome.failed.count) failed), elapsed \(formatDuration(elapsed)), ETA \(eta)")
    }
    report()
    while !pending.isEmpty || !running.isEmpty {
        if !signals.pending().isEmpty {
            children.terminateAll(graceMs: 3000)
            outcome.interrupted = true
            break
        }
        while running.count < jobs, !pending.isEmpty {
            let unit = pending.removeFirst()
            let dir = unitDirectory(settings, unit)
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                if plan.file.kind == .chain { try Data(plan.unitConfigYAML(unit).utf8).write(to: URL(fileURLWithPath: dir + "/input.yaml")) }
            } catch { throw RuntimeError("cannot prepare \(dir): \(error.localizedDescription)") }
            let (name, arguments) = plan.command(unit, directory: dir)
            let child = try children.spawn(name: unit.id, executable: settings.binDirectory + "/" + name,
                                           arguments: arguments + ChainLog.settings.arguments, logPath: dir + "/log.txt")
            running[child.pid] = (unit, monotonicNanos())
        }
        for (child, exit) in children.reap() {
            guard let (unit, started) = running.removeValue(forKey: child.pid) else { continue }
            let dir = unitDirectory(settings, unit)
            let expected = dir + (plan.file.kind == .chain ? "/summary.json" : "/study.csv")
            if exit == .exited(0), FileManager.default.fileExists(atPath: expected) {
                let wall = Double(monotonicNanos() - started) / 1e9
                let (name, arguments) = plan.command(unit, directory: dir)
                let done: [String: Any] = ["wall_s": wall, "unit": unit.id, "point": unit.point, "run": unit.run ?? -1,
                                           "command": [name] + arguments, "finished": utcTimestamp()]
                if let data = try? JSONSerialization.data(withJSONObject: done, options: [.prettyPrinted, .sortedKeys]) {
                    try? data.write(to: URL(fileURLWithPath: dir + "/done.json"))
                }
                outcome.ran += 1
            } else {
                let log = (try? String(contentsOfFile: dir + "/log.txt", encoding: .utf8)) ?? ""
                let last = log.split(separator: "\n").last.map(String.init) ?? ""
                outcome.failed.append((unit.id, "\(exit): \(last) (log: \(dir)/log.txt)"))
            }
            finished += 1
            doneWeight += plan.weight(unit)
            report()
        }
        if !running.isEmpty { usleep(20_000) }
    }
    progress.finish()
    outcome.wallSeconds = Double(monotonicNanos() - start) / 1e9
    return outcome
}

/// "1 h 02 min", "3 min 05 s", "12 s".
public func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return "\(s / 3600) h \(String(format: "%02d", (s % 3600) / 60)) min" }
    if s >= 60 { return "\(s / 60) min \(String(format: "%02d", s % 60)) s" }
    return "\(s) s"
}
