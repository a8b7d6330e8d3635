// chain-controller: parse options and hand over to the runtime (run, sweep, plot, probe, fault, check, compare, keys, scenario, config).
import ArgumentParser
import ChainLog
import ChainRuntime

@main
struct ChainControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain-controller",
        abstract: "Drives a daisy chain of panel-node processes: injects measurements, collects estimates, times everything.",
        version: dmimoVersion,
        subcommands: [RunCommand.self, SweepCommand.self, PlotCommand.self, ProbeCommand.self, FaultCommand.self, CheckCommand.self, CompareCommand.self, KeysCommand.self, ScenarioCommand.self, ExportTraceCommand.self,
                      ConfigCommand.self])

    /// ArgumentParser's `main`, with logging bootstrapped from the chosen command's --log-level / --log-format.
    static func main() {
        requireBuildCPUFeatures(program: "chain-controller")  // a clear error instead of SIGILL
        do {
            var command = try parseAsRoot()
            bootstrapLogging(for: command)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}
