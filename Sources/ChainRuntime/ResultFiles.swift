// ResultFiles: the run set's folder — config.yaml, per_step.csv, hops.csv, summary.json, manifest.json, latency.hgrm.
import Foundation
import Wire

/// Writes the result files of one run set. Rows are flushed as they are written, so the files of the completed
/// steps stay readable when the run is interrupted.
public final class ResultFiles {
    public let directory: URL
    /// J: the number of per-panel LoS columns of per_step.csv.
    let panels: Int
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
        self.panels = panels
        write(perStep, Self.perStepHeader(panels: panels) + "\n")
        if let hops { write(hops, "run,step,panel,recv_ns,compute_done_ns,send_ns,compute_us,link_us,raw_link_us,modelled_link_us,ack_rtt_us,link_bytes,measurements,link_bound_us,decode_us,measurement_wait_us,update_us,encode_us,send_us\n") }
    }

    /// per_step.csv's header: fixed columns, then `los_visible_<j>` and `los_detected_<j>` (0 or 1) for each panel j
    /// in chain order (docs/RESULTS-FORMAT.md).
    public static func perStepHeader(panels: Int) -> String {
        "run,step,true_x_m,true_y_m,est_x_m,est_y_m,est_vx_mps,est_vy_mps,error_m,panels_contributing,skipped,outcome,latency_us"
            + (0..<panels).map { ",los_visible_\($0)" }.joined() + (0..<panels).map { ",los_detected_\($0)" }.joined()
    }

    static func create(_ url: URL) throws -> FileHandle {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        return try FileHandle(forWritingTo: url)
    }

    func write(_ handle: FileHandle, _ text: String) { handle.write(Data(text.utf8)) }

    /// Appends one step's row (and its hops).
    public func append(_ r: StepRecord) {
        // one 0/1 column per panel; a record with fewer flags (a step that ended without them) leaves them empty
        let flags = { (values: [Bool]) in (0..<self.panels).map { $0 < values.count ? (values[$0] ? ",1" : ",0") : "," }.joined() }
        let outcome: String = switch r.outcome {
        case .delivered: "delivered"
        case .degraded: "degraded"
        case .abandoned: "abandoned"
        case .unspecified: "unspecified"
        }
        pending += "\(r.run),\(r.step),\(csv(r.truth.x)),\(csv(r.truth.y)),\(csv(r.estimate.x)),\(csv(r.estimate.y)),"
            + "\(csv(r.estimate.z)),\(csv(r.estimate.w)),\(csv(r.error)),\(r.contributing.count),"
            + "\(r.skipped.map(String.init).joined(separator: " ")),"
            + "\(outcome),\(r.latencyNs == 0 ? "" : fixed(Double(r.latencyNs) / 1000, 3))"
            + flags(r.losVisible) + flags(r.losDetected) + "\n"
        for h in r.hops {
            pendingHops += "\(r.run),\(r.step),\(h.panel),\(h.recvNs),\(h.computeDoneNs),\(h.sendNs),"
                + "\(fixed(Double(h.computeNs) / 1000, 3)),\(h.linkNs.map { fixed(Double($0) / 1000, 3) } ?? ""),"
                + "\(h.rawLinkNs.map { fixed(Double($0) / 1000, 3) } ?? ""),\(h.modelledNs.map { fixed($0 / 1000, 3) } ?? ""),"
                + "\(h.ackRttNs.map { fixed(Double($0) / 1000, 3) } ?? ""),\(h.linkBytes),\(h.measurements),"
                + "\(h.linkBoundNs.map { fixed(Double($0) / 1000, 3) } ?? ""),"
                + "\(fixed(Double(h.decodeNs) / 1000, 3)),\(fixed(Double(h.measurementWaitNs) / 1000, 3)),"
                + "\(fixed(Double(h.updateNs) / 1000, 3)),\(h.encodeNs.map { fixed(Double($0) / 1000, 3) } ?? ""),"
                + "\(h.sendCallNs.map { fixed(Double($0) / 1000, 3) } ?? "")\n"
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

    /// Writes a JSON file into the folder (ResultsJSON: keys sorted, non-finite numbers as `null`).
    public func writeJSON<T: Encodable>(_ name: String, _ value: T) throws(RuntimeError) {
        do { try ResultsJSON.encode(value).write(to: directory.appendingPathComponent(name)) } catch {
            throw RuntimeError("cannot write \(directory.path)/\(name): \(error.localizedDescription)")
        }
    }

    /// Writes durations as an HdrHistogram percentile distribution (recorded in ns, printed in µs).
    public func writeHistogram(_ name: String, _ latencies: LatencyHistogram) throws(RuntimeError) {
        var text = ""
        latencies.histogram.outputPercentileDistribution(to: &text, outputValueUnitScalingRatio: 1000)
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

