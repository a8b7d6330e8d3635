// Serve: `dmimo-downlink serve` — the UE's processor beside the chain: snapshots in over ZeroMQ, estimates out.
import ArgumentParser
import ChainLog
import ChainRuntime
import Downlink
#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Receive downlink snapshots over ZeroMQ and answer each with an estimate (position, phase offset) and its PEB.",
        discussion: """
            Started by chain-controller when downlink.enabled is true, or by hand / systemd on another host. Each snapshot \
            names the estimator it asks for (DownlinkSnapshot.processing: \(DownlinkEstimatorKind.allowedNames); empty: \
            adaptive); an unknown name is answered with DownlinkEstimate.error set. Every answer carries the coherent and \
            non-coherent PEB (m) at the estimate for the snapshot's geometry and per-AP power (noise variance \
            \(DownlinkConstants.noiseVariance) W, free amplitudes) and peb_m, the one of the answering estimator's processing.
            """)

    @Option(help: "Endpoint to bind, e.g. tcp://*:5600 or ipc:///tmp/downlink.ipc.")
    var endpoint: String

    @Option(help: "Exit when the process with this pid (the controller that started this node) is gone.")
    var parentPid: Int32?

    @Option(help: ArgumentHelp(
        "CURVE key directory (made by `chain-controller keys`): encrypt the link and admit only the nodes of DIR/public.keys.",
        discussion: "This node's key pair is read from DIR/downlink.key. Without this option the link is plain text.",
        valueName: "dir"))
    var keysDir: String?

    @OptionGroup var logging: LogOptions

    func run() throws {
        do {
            let signals = try SignalWatcher()
            let security = try keysDir.map { dir throws(RuntimeError) in try ChainKeyRing(directory: dir).security(for: downlinkKeyName) }
            try serveDownlink(endpoint: endpoint, signals: signals, parentPID: parentPid, security: security)
        } catch {
            ChainLog.downlink.error("\(error)")
            throw ExitCode(2)
        }
    }
}
