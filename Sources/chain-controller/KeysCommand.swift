// KeysCommand: `chain-controller keys` — generate the CURVE key directory of a deployment.
import ArgumentParser
import ChainLog
import ChainRuntime

struct KeysCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate the CURVE keys of a chain: one key pair per node and the list of public keys.",
        discussion: """
        Writes DIR/public.keys (every node's public key: copy it to every host) and DIR/<node>.key for \
        controller, downlink and panel-0 ... panel-<J-1> (mode 0600: copy each only to its node's host). \
        With security.curve: true and security.keys_dir: DIR in the configuration (and --keys-dir DIR for \
        panel-node run / dmimo-downlink serve started by hand), every link is encrypted and a node without one \
        of these keys cannot connect.
        """)

    @Option(help: ArgumentHelp("Key directory to create.", valueName: "dir"))
    var out: String

    @Option(help: "Number of panels J (key pairs panel-0 ... panel-<J-1>), 1...4096.")
    var panels: Int = 24

    @Flag(help: "Replace the keys of an existing directory (every node then needs the new files).")
    var force = false

    @OptionGroup var logging: LogOptions

    func validate() throws {
        guard (1...4096).contains(panels) else { throw ValidationError("--panels must be in 1...4096, got \(panels)") }
    }

    func run() throws {
        let names: [String]
        do { names = try ChainKeyRing.generate(directory: out, panels: panels, overwrite: force) } catch {
            ChainLog.controller.error("keys: \(error.message)")
            throw ExitCode(2)
        }
        print("keys: \(names.count) key pairs in \(out) (public.keys + \(names.first ?? "").key ... \(names.last ?? "").key)")
    }
}
