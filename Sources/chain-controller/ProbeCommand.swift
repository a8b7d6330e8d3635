// ProbeCommand: `chain-controller probe` — K γ messages of N particles through J real panel processes.
import ArgumentParser
import ChainLog
import ChainRuntime
import Foundation
import Wire

struct ProbeCommand: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Send K γ messages of N particles through a chain of J panel-node processes and back; check and time them.",
        discussion: """
        Spawns J panel-node processes on this host (data endpoints tcp://127.0.0.1:<port>), sends each message \
        to panel 0, which forwards it along the chain to panel J-1, which returns it to the controller. Every \
        payload is checked (the particle checksum of docs/WIRE.md and a full comparison). Prints end-to-end, per-hop and in-panel \
        latency percentiles in microseconds. One-way hop times are in the controller's time base (each panel's clock offset from timestamped PING/PONG exchanges before the first message); ack round \
        trips are measured by each sender.
        """)

    @Option(help: "Number of panels J (processes), 1...256.")
    var panels = 4

    @Option(help: "Particles per γ message N (4 float32 arrays: 16·N bytes of payload).")
    var particles = 4096

    @Option(help: "Number of messages K, sent one at a time.")
    var messages = 1000

    @Option(help: "Messages sent before timing starts (not counted).")
    var warmup = 20

    @Option(help: "Seed of the random particle payloads.")
    var seed: UInt64 = 2025

    @Option(help: "Transport floor: γ-sized ping-pongs timed on every link before the messages (0 = off), rounds per link.")
    var floorRounds = 100

    @Option(help: "Longest wait for one message to come back, in milliseconds.")
    var timeoutMs = 5000

    @Option(help: "First data port: panel k binds tcp://127.0.0.1:<base-port + k> (default: any free port).")
    var basePort: Int?

    @Option(help: "Path of the panel-node executable (default: next to chain-controller).")
    var panelBinary: String?

    @Option(help: "Folder for the panels' logs (default: panels write to this terminal's stderr).")
    var logDir: String?

    @Flag(help: "Print the result as JSON instead of a table.")
    var json = false

    @OptionGroup var logging: LogOptions

    func validate() throws {
        guard (1...256).contains(panels) else { throw ValidationError("--panels must be in 1...256, got \(panels)") }
        guard (0...100_000).contains(floorRounds) else { throw ValidationError("--floor-rounds must be in 0...100000, got \(floorRounds)") }
        guard (1...maxParticlesPerMessage).contains(particles) else {
            throw ValidationError("--particles must be in 1...\(maxParticlesPerMessage), got \(particles)")
        }
        guard messages >= 1 else { throw ValidationError("--messages must be ≥ 1, got \(messages)") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be ≥ 0, got \(warmup)") }
        guard timeoutMs >= 10 else { throw ValidationError("--timeout-ms must be ≥ 10, got \(timeoutMs)") }
        if let basePort { guard (1024...(65535 - panels)).contains(basePort) else {
            throw ValidationError("--base-port must be in 1024...\(65535 - panels), got \(basePort)")
        } }
    }

    func run() throws {
        tuneAllocatorForMessages()
        do {
            let signals = try SignalWatcher()
            var options = SessionOptions(panels: panels, runID: UInt64.random(in: 1...UInt64.max))
            options.panelExecutable = panelBinary ?? siblingExecutable("panel-node")
            guard FileManager.default.isExecutableFile(atPath: options.panelExecutable) else {
                throw RuntimeError("panel-node executable not found at \(options.panelExecutable) (use --panel-binary)")
            }
            if let basePort { options.panelBind = (0..<panels).map { "tcp://127.0.0.1:\(basePort + $0)" } }
            if let logDir {
                try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true)
                options.logDirectory = logDir
            }
            options.mode = .probe
            options.particles = UInt32(particles)
            let session = try ChainSession(options: options, signals: signals)
            defer { session.shutdown() }
            try session.start()
            var floor: TransportFloor?
            if floorRounds > 0 {
                let route = Array(0..<panels)
                floor = try session.measureTransportFloor(
                    route: route, payloadBytes: floorPayloadBytes(particles: particles, route: route, reports: false),
                    rounds: floorRounds)
            }
            var probe = ProbeOptions(particles: particles, messages: messages)
            probe.seed = seed
            probe.timeoutMs = timeoutMs
            probe.warmup = warmup
            let progress = ProgressLine(label: "probe")
            let result = try runProbe(session: session, options: probe) { done, total in
                progress.update(done, total, extra: "messages")
            }
            progress.finish()
            if json {
                print(probeJSON(result))
            } else {
                print("probe: J=\(panels) panel processes, N=\(particles) particles (\(result.messageBytes) bytes per message), K=\(messages) messages (+\(warmup) warm-up)")
                print(result.table())
                if let floor { print(floorTable(floor)) }
                print("payloads intact: \(result.intact)/\(messages), corrupted: \(result.corrupted), out of order: \(result.outOfOrder), checksum errors seen by panels: \(result.panelChecksumErrors)")
            }
            if result.corrupted > 0 || result.outOfOrder > 0 || result.panelChecksumErrors > 0 { throw ExitCode(1) }
        } catch let error as RuntimeError {
            ChainLog.controller.error("probe: \(error)")
            throw ExitCode(2)
        }
    }
}

/// The probe's `--json` output (ResultsJSON conventions; latencies in µs).
func probeJSON(_ r: ProbeResult) -> String {
    String(decoding: (try? ResultsJSON.encode(r.summary)) ?? Data(), as: UTF8.self)
}
