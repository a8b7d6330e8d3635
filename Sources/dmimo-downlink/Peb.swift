// Peb: the `peb` subcommand — the position error bound at one UE position.
import ArgumentParser
import ChainLog
import Downlink
import DownlinkReports

struct Peb: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Position error bound (m) at one UE position (docs/MODEL.md §DL.6).")

    @Option(help: "Transmission protocol: P1 (sequential, M*K pulses) or P2 (simultaneous beamfocusing, K pulses).")
    var `protocol`: DownlinkProtocol = .p1

    @Option(help: "Processing: coherent (carrier phase carries position) or noncoherent (per-AP phase free).")
    var processing: DownlinkProcessing = .coherent

    @OptionGroup var user: UserOptions

    @Option(parsing: .unconditional, help: "Per-AP transmit power (dBm); P2 uses it times --p2-power-scale.")
    var powerDbm: Double = DownlinkConstants.powerDBm

    @OptionGroup var options: ReadingOptions

    @Flag(help: "Print JSON ({\"peb_m\": ...} and the inputs) instead of text.")
    var json = false

    @OptionGroup var logging: LogOptions

    func validate() throws { try validatePower(powerDbm) }

    func run() throws {
        let report = try pebReport(reading: options.reading, protocol: self.protocol, processing: processing, user: user.ue,
                                   phaseOffset: user.phaseOffset, powerDBm: powerDbm)
        if json { try printJSON(report.json) } else { for line in report.lines { print(line) } }
    }
}
