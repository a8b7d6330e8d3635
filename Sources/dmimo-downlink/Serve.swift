// Serve: `dmimo-downlink serve` — the UE's processor beside the chain: snapshots in over ZeroMQ, estimates out.
import ArgumentParser
import ChainRuntime
#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive downlink snapshots over ZeroMQ and answer each with the hybrid estimate (position, phase offset).",
        discussion: "Started by chain-controller when downlink.enabled is true, or by hand / systemd on another host.")

    @Option(help: "Endpoint to bind, e.g. tcp://*:5600 or ipc:///tmp/downlink.ipc.")
    var endpoint: String

    @Option(help: "Exit when the process with this pid (the controller that started this node) is gone.")
    var parentPid: Int32?

    func run() throws {
        do {
            let signals = try SignalWatcher()
            try serveDownlink(endpoint: endpoint, signals: signals, parentPID: parentPid) { printError("dmimo-downlink: \($0)") }
        } catch {
            printError("dmimo-downlink: \(error)")
            throw ExitCode(2)
        }
    }
}
