// InProcessLimits: what a run in one process cannot do — scripted faults act on panel processes.
import Config

extension ExperimentConfig {
    /// Refuses a configuration whose parts an in-process run would otherwise silently leave out: the scripted
    /// faults (they act on panel processes). The downlink node does run beside an in-process run.
    /// - Throws: ``RuntimeError`` naming the setting and how to run it.
    public func checkRunsInProcess() throws(RuntimeError) {
        if !faults.isEmpty {
            throw RuntimeError("--in-process runs no panel processes, so it cannot inject the \(faults.count) scripted "
                               + "fault(s) of faults: (\(faults.map(\.action.rawValue).joined(separator: ", "))); "
                               + "run without --in-process, or remove them with --set faults=[]")
        }
    }
}
