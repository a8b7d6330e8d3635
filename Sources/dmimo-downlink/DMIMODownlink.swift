// DMIMODownlink: the root command of dmimo-downlink (UE-side downlink localization: PEB, estimates, studies, bench).
import ArgumentParser
import ChainRuntime
import ChainLog
import Foundation

@main
struct DMIMODownlink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dmimo-downlink",
        abstract: "UE-side joint localization and synchronization in downlink D-MIMO (Dey et al., EUSIPCO 2025).",
        discussion: """
            Geometry, signal model, costs, estimator and bounds follow docs/MODEL.md. Lengths in metres,
            angles in degrees on the command line (radians in JSON fields named *_rad), powers in dBm per AP.
            """,
        version: "0.1.0",
        subcommands: [Peb.self, Estimate.self, Study.self, Bench.self, Serve.self])

    /// Like ArgumentParser's `main`, but a failure prints one line ("dmimo-downlink: error: …") and exits nonzero;
    /// logging is bootstrapped from the chosen command's --log-level / --log-format.
    static func main() async {
        requireBuildCPUFeatures(program: "dmimo-downlink")  // a clear error instead of SIGILL
        do {
            var command = try parseAsRoot()
            bootstrapLogging(for: command)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }      // --help, --version
            let text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("dmimo-downlink: error: \(text)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
