// InProcessLimits: what a run in one process cannot do (scripted faults), and what panel processes cannot (some islands).
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

    /// Refuses a configuration a run over J panel processes cannot run: filter.islands > 1 with a method that does
    /// not stream islands (updates them one by one as they arrive, docs/MODEL.md §B.7), or with more than 64 islands
    /// (a panel tracks a step's islands in one 64-bit mask) — rather than silently running one island.
    /// - Throws: ``RuntimeError`` naming the setting and how to run it.
    public func checkRunsOverProcesses() throws(RuntimeError) {
        guard filter.islands > 1 else { return }
        if !filter.method.streamsIslands {
            throw RuntimeError("filter.islands = \(filter.islands): \(filter.method.displayName) runs islands in one "
                               + "process only (its panel processes cannot update islands one by one yet): add "
                               + "--in-process, or set filter.islands=1")
        }
        if filter.islands > 64 {
            throw RuntimeError("filter.islands = \(filter.islands): panel processes run at most 64 islands (a panel "
                               + "tracks a step's islands in a 64-bit mask): set filter.islands ≤ 64, or add --in-process")
        }
    }
}
