// PebReport: `dmimo-downlink peb` — the position error bound at one UE position, its JSON and its text report.
import Downlink

struct PebJSON: Encodable {
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

/// The PEB (m) of `reading` for `protocol` and `processing` at `user` (m) with phase offset `phaseOffset` (rad) and
/// per-AP power `powerDBm` (dBm): the JSON (`--json`) and the text report.
public func pebReport(reading: DownlinkReading, protocol proto: DownlinkProtocol, processing: DownlinkProcessing,
                      user: Point2, phaseOffset: Double, powerDBm: Double) throws -> (json: any Encodable, lines: [String]) {
    let network = try DownlinkNetwork(options: reading.network)
    let perAPPower = reading.perAPPower(proto, nominal: watts(fromDBm: powerDBm))
    let bound = DownlinkFisher.positionErrorBound(FisherSetup(
        network: network, protocol: proto, processing: processing, user: user, phaseOffset: phaseOffset,
        perAPPower: perAPPower, noiseVariance: reading.noiseVariance, amplitudeModel: reading.amplitudeModel))
    let json = PebJSON(peb_m: bound.value, protocol_: proto.rawValue, processing: processing.rawValue,
                       ue_m: [user.x, user.y], phase_offset_rad: phaseOffset, power_dbm: powerDBm,
                       per_ap_power_w: perAPPower, illumination_points: network.illuminationCount,
                       condition_number: bound.conditionNumber, reading: reading.summary)
    let value = bound.isSingular ? "inf (singular Fisher information)" : "\(bound.value) m"
    let lines = ["PEB \(proto) \(processing) at u = (\(formatted(user.x)), \(formatted(user.y))) m, "
                 + "\(formatted(powerDBm)) dBm per AP, K = \(network.illuminationCount): \(value)",
                 "reading: \(reading.summary)"]
    return (json, lines)
}
