// ResultFiles: the run set's folder — config.yaml, per_step.csv, hops.csv, summary.json, manifest.json, latency.hgrm.
import Foundation
import Histogram
import Wire

/// Writes the result files of one run set. Rows are flushed as they are written, so the files of the completed
/// steps stay readable when the run is interrupted.
public final class ResultFiles {
    public let directory: URL
    let perStep: FileHandle
    var hops: FileHandle?
    var pending = ""
    var pendingHops = ""
    var lastFlushNs: UInt64 = 0

    /// Creates the folder (and parents) and opens per_step.csv (and hops.csv when `withHops`).
    public init(directory: String, panels: Int, withHops: Bool) throws(RuntimeError) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
            perStep = try Self.create(self.directory.appendingPathComponent("per_step.csv"))
            if withHops { hops = try Self.create(self.directory.appendingPathComponent("hops.csv")) }
        } catch {
            throw RuntimeError("cannot write results to \(directory): \(error.localizedDescription)")
        }
        let losColumns = "los_visible,los_detected"
        write(perStep, "run,step,true_x_m,true_y_m,est_x_m,est_y_m,est_vx_mps,est_vy_mps,error_m,panels_contributing,skipped,\(losColumns),outcome,latency_us\n")
        if let hops { write(hops, "run,step,panel,recv_ns,compute_done_ns,send_ns,compute_us,link_us,raw_link_us,modelled_link_us,ack_rtt_us,link_bytes,measurements,link_bound_us\n") }
    }

    static func create(_ url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    func write(_ handle: FileHandle, _ text: String) { handle.write(Data(text.utf8)) }

    /// Appends one step's row (and its hops).
    public func append(_ r: StepRecord) {
        let bits = { (flags: [Bool]) in String(flags.map { $0 ? "1" : "0" }) }
        let outcome: String = switch r.outcome {
        case .delivered: "delivered"
        case .degraded: "degraded"
        case .abandoned: "abandoned"
        case .unspecified: "unspecified"
        }
        pending += "\(r.run),\(r.step),\(csv(r.truth.x)),\(csv(r.truth.y)),\(csv(r.estimate.x)),\(csv(r.estimate.y)),"
            + "\(csv(r.estimate.z)),\(csv(r.estimate.w)),\(csv(r.error)),\(r.contributing.count),"
            + "\(r.skipped.map(String.init).joined(separator: " ")),\(bits(r.losVisible)),\(bits(r.losDetected)),"
            + "\(outcome),\(r.latencyNs == 0 ? "" : fixed(Double(r.latencyNs) / 1000, 3))\n"
        for h in r.hops {
            pendingHops += "\(r.run),\(r.step),\(h.panel),\(h.recvNs),\(h.computeDoneNs),\(h.sendNs),"
                + "\(fixed(Double(h.computeNs) / 1000, 3)),\(h.linkNs.map { fixed(Double($0) / 1000, 3) } ?? ""),"
                + "\(h.rawLinkNs.map { fixed(Double($0) / 1000, 3) } ?? ""),\(h.modelledNs.map { fixed($0 / 1000, 3) } ?? ""),"
                + "\(h.ackRttNs.map { fixed(Double($0) / 1000, 3) } ?? ""),\(h.linkBytes),\(h.measurements),"
                + "\(h.linkBoundNs.map { fixed(Double($0) / 1000, 3) } ?? "")\n"
        }
        let now = monotonicNanos()
        if now - lastFlushNs > 200_000_000 || pending.utf8.count > 1 << 16 { flush(); lastFlushNs = now }
    }

    /// Writes buffered rows to disk.
    public func flush() {
        if !pending.isEmpty { write(perStep, pending); pending = "" }
        if let hops, !pendingHops.isEmpty { write(hops, pendingHops); pendingHops = "" }
        try? perStep.synchronize()
    }

    /// Writes a text file into the folder.
    public func writeFile(_ name: String, _ text: String) throws(RuntimeError) {
        do { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) } catch {
            throw RuntimeError("cannot write \(directory.path)/\(name): \(error.localizedDescription)")
        }
    }

    /// Writes a JSON object into the folder (keys sorted, pretty-printed).
    public func writeJSON(_ name: String, _ object: [String: Any]) throws(RuntimeError) {
        do {
            let data = try JSONSerialization.data(withJSONObject: jsonSafe(object), options: [.prettyPrinted, .sortedKeys])
            try data.write(to: directory.appendingPathComponent(name))
        } catch {
            throw RuntimeError("cannot write \(directory.path)/\(name): \(error.localizedDescription)")
        }
    }

    /// Writes the end-to-end latencies as an HdrHistogram percentile distribution (values in µs).
    public func writeHistogram(_ name: String, nanoseconds: [UInt64]) throws(RuntimeError) {
        var histogram = Histogram<UInt64>(numberOfSignificantValueDigits: .three)
        for ns in nanoseconds { _ = histogram.record(Swift.max(1, ns)) }
        var text = ""
        histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
        try writeFile(name, text)
    }

    public func close() {
        flush()
        try? perStep.close()
        try? hops?.close()
    }
}

/// A number for CSV: full precision, no exponent surprises for typical values.
func csv(_ x: Double) -> String { x.isFinite ? "\(x)" : "nan" }

/// Replaces non-finite doubles (not valid JSON) by nil/NSNull, recursively.
func jsonSafe(_ value: Any) -> Any {
    switch value {
    case let d as Double: return d.isFinite ? d : NSNull()
    case let a as [Any]: return a.map(jsonSafe)
    case let o as [String: Any]: return o.mapValues(jsonSafe)
    case Optional<Any>.none: return NSNull()
    default: return value
    }
}

/// The latency percentiles as a JSON object (µs).
public func latencyJSON(_ ns: [UInt64]) -> [String: Any] {
    let s = LatencySummary(nanoseconds: ns)
    return ["n": s.count, "p50": s.p50, "p90": s.p90, "p99": s.p99, "p999": s.p999, "max": s.max, "mean": s.mean]
}

/// The commit this binary's source tree is at, if it runs from a git checkout ("unknown" otherwise).
public func gitCommit() -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
    process.arguments = ["-C", URL(fileURLWithPath: currentExecutablePath()).deletingLastPathComponent().path,
                         "rev-parse", "HEAD"]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return "unknown" }
    process.waitUntilExit()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    return process.terminationStatus == 0 && !out.isEmpty ? out : "unknown"
}
