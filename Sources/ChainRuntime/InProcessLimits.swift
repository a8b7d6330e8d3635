// InProcessLimits: what a run in one process cannot do — scripted faults and the downlink node need processes.
import Config

extension ExperimentConfig {
    /// Refuses a configuration whose parts an in-process run would otherwise silently leave out: the scripted
    /// faults (they act on panel processes) and the downlink node (a process of its own).
    /// - Throws: ``RuntimeError`` naming the setting and how to run it.
    public func checkRunsInProcess() throws(RuntimeError) {
        if !faults.isEmpty {
            throw RuntimeError("--in-process runs no panel processes, so it cannot inject the \(faults.count) scripted "
                               + "fault(s) of faults: (\(faults.map(\.action.rawValue).joined(separator: ", "))); "
                               + "run without --in-process, or remove them with --set faults=[]")
        }
        if downlink.enabled {
            throw RuntimeError("--in-process starts no dmimo-downlink node, so downlink.enabled = true cannot be "
                               + "honoured; run without --in-process, or --set downlink.enabled=false")
        }
    }
}
