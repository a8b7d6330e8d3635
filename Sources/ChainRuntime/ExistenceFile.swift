// ExistenceFile: existence.csv — every panel's LoS existence probability p_e per step (per_step.csv has only p_e > p_de).
import Foundation

/// Writes `existence.csv` of a run set: `run,step,pe_0,…,pe_{J−1}`, one row per step, p_e of each panel's LoS after
/// its update (dimensionless in [0, 1]; empty for a panel that did not contribute; in a distributed run p_e crosses
/// the wire as a 32-bit float). Rows are buffered and written at ``flush()`` or when 64 KiB are pending.
public final class ExistenceFile {
    let handle: FileHandle
    var pending = ""

    public init(directory: URL, panels: Int) throws(RuntimeError) {
        let url = directory.appendingPathComponent("existence.csv")
        do {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw RuntimeError("cannot write \(url.path): \(error.localizedDescription)")
        }
        pending = "run,step," + (0..<panels).map { "pe_\($0)" }.joined(separator: ",") + "\n"
    }

    public func append(_ record: StepRecord) {
        pending += "\(record.run),\(record.step)," + record.existence.map { $0.isNaN ? "" : "\($0)" }.joined(separator: ",") + "\n"
        if pending.utf8.count > 1 << 16 { flush() }
    }

    public func flush() {
        guard !pending.isEmpty else { return }
        handle.write(Data(pending.utf8))
        pending = ""
    }

    deinit { flush() }
}
