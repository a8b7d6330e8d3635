// Peb: the `peb` subcommand — the position error bound at one UE position.
import ArgumentParser
import ChainLog
import Downlink

struct Peb: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Position error bound (m) at one UE position (docs/MODEL.md §DL.6).")

    @OptionGroup var logging: LogOptions

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

    func validate() throws { try validatePower(powerDbm) }

    struct Output: Encodable {
        var peb_m: Double
        var protocol_: String
        var processing: String
        var ue_m: [Double]
        var phase_offset_rad: Double
        var power_dbm: Double
        var per_ap_power_w: Double
        var illumination_points: Int
        var condition_number: Double
        var reading: String
        enum CodingKeys: String, CodingKey {
            case peb_m, protocol_ = "protocol", processing, ue_m, phase_offset_rad, power_dbm, per_ap_power_w,
                 illumination_points, condition_number, reading
        }
    }

    func run() throws {
        let reading = options.reading
        let network = try DownlinkNetwork(options: reading.network)
        let perAPPower = reading.perAPPower(self.protocol, nominal: watts(fromDBm: powerDbm))
        let bound = DownlinkFisher.positionErrorBound(FisherSetup(
            network: network, protocol: self.protocol, processing: processing, user: user.ue, phaseOffset: user.phaseOffset,
            perAPPower: perAPPower, noiseVariance: reading.noiseVariance, amplitudeModel: reading.amplitudeModel))
        if json {
            try printJSON(Output(peb_m: bound.value, protocol_: self.protocol.rawValue, processing: processing.rawValue,
                                 ue_m: [user.ue.x, user.ue.y], phase_offset_rad: user.phaseOffset, power_dbm: powerDbm,
                                 per_ap_power_w: perAPPower, illumination_points: network.illuminationCount,
                                 condition_number: bound.conditionNumber, reading: reading.summary))
        } else {
            let value = bound.isSingular ? "inf (singular Fisher information)" : "\(bound.value) m"
            print("PEB \(self.protocol) \(processing) at u = (\(formatted(user.ue.x)), \(formatted(user.ue.y))) m, "
                  + "\(formatted(powerDbm)) dBm per AP, K = \(network.illuminationCount): \(value)")
            print("reading: \(reading.summary)")
        }
    }
}
