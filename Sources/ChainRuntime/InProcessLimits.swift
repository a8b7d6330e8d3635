// InProcessLimits: what a run in one process cannot do (scripted faults), and what only it can do (islands).
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

    /// Refuses a configuration a run over J panel processes cannot run yet: filter.islands > 1 (the wire carries
    /// one γ per hop; islands on the wire are later work), rather than silently running one island.
    /// - Throws: ``RuntimeError`` naming the setting and how to run it.
    public func checkRunsOverProcesses() throws(RuntimeError) {
        if filter.islands > 1 {
            throw RuntimeError("filter.islands = \(filter.islands) runs in one process only for now (the panel "
                               + "processes exchange one γ per hop): add --in-process, or set filter.islands=1")
        }
    }
}
