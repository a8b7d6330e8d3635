// panel-node: one antenna panel of the chain — parse options, build the node, run its loop.
import ArgumentParser
import ChainLog
import ChainRuntime
import Config
#if canImport(Glibc)
import Glibc
#endif

@main
struct PanelNodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel-node",
        abstract: "One D-MIMO antenna panel: receives the particle message γ, updates it, forwards it to the next panel.",
        discussion: """
        A panel connects to the chain-controller's control endpoint, announces itself (Hello), receives its \
        configuration and measurement batches from the controller, and processes γ for each step. \
        Usually started by `chain-controller` on the same host, or by systemd / the ssh launcher on other hosts.
        """,
        version: dmimoVersion,
        subcommands: [Run.self],
        defaultSubcommand: Run.self)

    /// Checks the CPU first (a clear error instead of SIGILL), then ArgumentParser's main.
    static func main() {
        requireBuildCPUFeatures(program: "panel-node")
        main(Array(CommandLine.arguments.dropFirst()))
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one panel until the controller shuts it down.")

    @Option(help: "Panel index k, 0-based position of this panel in the daisy chain.")
    var index: Int

    @Option(help: "Controller's control endpoint, e.g. tcp://10.0.0.1:5500.")
    var controller: String

    @Option(help: "Endpoint this panel binds to receive γ, e.g. tcp://*:5550; tcp://127.0.0.1:* picks a free port.")
    var bind: String

    @Option(help: "Endpoint other nodes connect to for γ if it differs from --bind (e.g. tcp://panel3.lab:5550).")
    var advertise: String?

    @Option(help: "Process id of the controller that started this panel; the panel exits when it is gone.")
    var parentPid: Int32?

    @Option(help: "Exit when the controller has been silent this long, in milliseconds (0 = never).")
    var controllerSilenceMs: Int = 0

    @Option(help: "Heartbeat interval towards the controller, in milliseconds.")
    var heartbeatMs = LinkSettings.panelHeartbeatIntervalMs

    @Option(help: ArgumentHelp(
        "CURVE key directory (made by `chain-controller keys`): encrypt every link and admit only the nodes of DIR/public.keys.",
        discussion: "This panel's key pair is read from DIR/panel-<index>.key. Without this option the links are plain text.",
        valueName: "dir"))
    var keysDir: String?

    @Option(help: ArgumentHelp(
        "Pin this panel (every thread) to these CPUs, e.g. 1 or 0,2-3 (default: not pinned).",
        discussion: "chain-controller passes it to the panels it spawns per chain.cpu_placement.", valueName: "list"))
    var cpus: String?

    @OptionGroup var logging: LogOptions

    func validate() throws {
        guard index >= 0 && index < 4096 else { throw ValidationError("--index must be in 0...4095, got \(index)") }
        guard heartbeatMs >= 10 && heartbeatMs <= 60_000 else {
            throw ValidationError("--heartbeat-ms must be in 10...60000, got \(heartbeatMs)")
        }
        guard controllerSilenceMs >= 0 else { throw ValidationError("--controller-silence-ms must be ≥ 0") }
        if let cpus {
            guard CPUPlacement.parse(cpus) != nil else {
                throw ValidationError("--cpus must be ascending CPU numbers or ranges such as 1 or 0,2-3, got '\(cpus)'")
            }
        }
    }

    func run() throws {
        logging.bootstrap()
        tuneAllocatorForMessages()
        do {
            if let cpus, let list = CPUPlacement.parse(cpus) { try CPUAffinity.pinProcess(to: list) }
            let signals = try SignalWatcher()
            var options = PanelNodeOptions(index: index, controllerEndpoint: controller, bindEndpoint: bind,
                                           advertisedEndpoint: advertise)
            options.parentPID = parentPid
            options.controllerSilenceMs = controllerSilenceMs
            options.heartbeatIntervalMs = heartbeatMs
            if let keysDir {
                options.security = try ChainKeyRing(directory: keysDir).security(for: panelKeyName(index))
            }
            let node = try PanelNode(options: options, signals: signals, makeComputation: makePanelComputation)
            let status = node.run()
            if status != 0 { throw ExitCode(status) }
        } catch let error as RuntimeError {
            ChainLog.panel(index).error("\(error)")
            throw ExitCode(2)
        }
    }
}
