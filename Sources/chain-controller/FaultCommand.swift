// FaultCommand: `chain-controller fault --panel 3 kill` — inject a fault into a running chain.
import ArgumentParser
import ChainLog
import ChainRuntime
import Config
import Foundation
import Wire

struct FaultCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault",
        abstract: "Inject a fault into a running chain (chain-controller run in another terminal).",
        discussion: """
        Actions: kill (SIGKILL), stop (SIGSTOP for --duration-ms, then SIGCONT), restart (kill, start again after \
        --duration-ms), partition (the panel neither reads nor sends for --duration-ms), slow (add --delay-us to each \
        of its hops for --duration-ms, 0 = until the end), corrupt (it sends garbage instead of γ once), duplicate \
        (it sends γ twice once). The running controller injects it at its current step and reports it in \
        faults.csv and summary.json.
        """)

    @Argument(help: ArgumentHelp(FaultAction.allowedValues))
    var action: String

    @Option(help: "Panel index (0-based).")
    var panel: Int

    @Option(help: "Duration in milliseconds (stop, partition, slow; restart: downtime).")
    var durationMs = 0

    @Option(help: "Extra delay per hop in microseconds (slow).")
    var delayUs = 0

    @Option(help: "The running controller's result folder (its admin endpoint is ipc://<folder>/admin.ipc).")
    var results: String?

    @Option(help: "The running controller's admin endpoint (instead of --results).")
    var endpoint: String?

    @OptionGroup var logging: LogOptions

    func run() throws {
        guard let fault = FaultAction(rawValue: action) else {
            throw ValidationError("unknown action '\(action)' (\(FaultAction.allowedValues))")
        }
        guard let target = endpoint ?? results.map({ "ipc://" + URL(fileURLWithPath: $0).standardizedFileURL.path + "/admin.ipc" }) else {
            throw ValidationError("give --results DIR (the run's --out folder) or --endpoint")
        }
        do {
            print(try sendLiveFault(endpoint: target, action: ControlAction(fault), panel: panel, durationMs: durationMs, delayUs: delayUs))
        } catch {
            ChainLog.controller.error("fault: \(error)")
            throw ExitCode(2)
        }
    }
}
