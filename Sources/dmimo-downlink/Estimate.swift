// Estimate: the `estimate` subcommand — one noisy snapshot through the hybrid estimator.
import ArgumentParser
import Downlink

struct Estimate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Hybrid estimate of position and phase offset from one noisy snapshot (DOWNLINK.md §5).")

    @Option(help: "Transmission protocol: P1 or P2 (P2 needs K >= M = 20).")
    var `protocol`: DownlinkProtocol = .p1

    @OptionGroup var user: UserOptions

    @Option(parsing: .unconditional, help: "Per-AP transmit power (dBm); P2 uses it times --p2-power-scale.")
    var powerDbm: Double = DownlinkConstants.powerDBm

    @Option(help: "Run seed of the noise (unsigned 64-bit integer).")
    var seed: UInt64 = 2025

    @Option(name: .customLong("run"), help: "Monte-Carlo index of this snapshot: the step of the noise stream (seed, run, noPanel, downlinkNoise).")
    var runIndex: Int = 0

    @OptionGroup var options: ReadingOptions

    @Flag(help: "Print JSON (position_m, phase_offset_rad, error_m, ...) instead of text.")
    var json = false

    func validate() throws {
        try validatePower(powerDbm)
        guard runIndex >= 0 else { throw ValidationError("--run must be >= 0; got \(runIndex)") }
    }

    struct Output: Encodable {
        var protocol_: String
        var truth_m: [Double]
        var truth_phase_offset_rad: Double
        var position_m: [Double]
        var phase_offset_rad: Double
        var error_m: Double
        var phase_error_rad: Double
        var coarse_m: [Double]
        var noncoherent_m: [Double]
        var fine_grid_m: [Double]
        var noncoherent_error_m: Double
        var normalised_cost: Double
        var cost_evaluations: Int
        var peb_coherent_m: Double
        var peb_noncoherent_m: Double
        var power_dbm: Double
        var seed: UInt64
        var run: Int
        var elapsed_s: Double
        var reading: String
        enum CodingKeys: String, CodingKey {
            case protocol_ = "protocol", truth_m, truth_phase_offset_rad, position_m, phase_offset_rad, error_m, phase_error_rad,
                 coarse_m, noncoherent_m, fine_grid_m, noncoherent_error_m, normalised_cost, cost_evaluations, peb_coherent_m,
                 peb_noncoherent_m, power_dbm, seed, run, elapsed_s, reading
        }
    }

    func run() throws {
        let reading = options.reading
        let network = try DownlinkNetwork(options: reading.network)
        let perAPPower = reading.perAPPower(self.protocol, nominal: watts(fromDBm: powerDbm))
        let samples = DownlinkSignalModel.noisySnapshot(network: network, protocol: self.protocol, user: user.ue,
                                                        phaseOffset: user.phaseOffset, perAPPower: perAPPower,
                                                        noiseVariance: reading.noiseVariance, seed: seed, runIndex: runIndex)
        let start = ContinuousClock.now
        let estimate = try estimateDownlink(samples: samples, network: network, protocol: self.protocol)
        let elapsed = seconds(ContinuousClock.now - start)
        let error = estimate.position.distance(to: user.ue)
        let phaseError = phaseErrorModuloPi(estimate.phaseOffset, user.phaseOffset)
        let pebCoherent = reading.peb(network: network, protocol: self.protocol, processing: .coherent, user: user.ue,
                                      phaseOffset: user.phaseOffset, powerDBm: powerDbm)
        let pebNonCoherent = reading.peb(network: network, protocol: self.protocol, processing: .nonCoherent, user: user.ue,
                                         phaseOffset: user.phaseOffset, powerDBm: powerDbm)
        func pair(_ p: Point2) -> [Double] { [p.x, p.y] }
        if json {
            try printJSON(Output(
                protocol_: self.protocol.rawValue, truth_m: pair(user.ue), truth_phase_offset_rad: user.phaseOffset,
                position_m: pair(estimate.position), phase_offset_rad: estimate.phaseOffset, error_m: error,
                phase_error_rad: phaseError, coarse_m: pair(estimate.coarse.minimiser), noncoherent_m: pair(estimate.nonCoherent.minimiser),
                fine_grid_m: pair(estimate.fine.minimiser), noncoherent_error_m: estimate.nonCoherent.minimiser.distance(to: user.ue),
                normalised_cost: estimate.normalisedCost, cost_evaluations: estimate.costEvaluations, peb_coherent_m: pebCoherent,
                peb_noncoherent_m: pebNonCoherent, power_dbm: powerDbm, seed: seed, run: runIndex, elapsed_s: elapsed,
                reading: reading.summary))
        } else {
            func show(_ p: Point2) -> String { "(\(p.x), \(p.y)) m" }
            print("protocol \(self.protocol), \(formatted(powerDbm)) dBm per AP, K = \(network.illuminationCount), seed \(seed), run \(runIndex)")
            print("truth:     u = \(show(user.ue)), phase offset \(formatted(user.phaseOffsetDeg)) deg")
            print("estimate:  u = \(show(estimate.position)), phase offset \(estimate.phaseOffset * 180 / Double.pi) deg")
            print("error:     \(error) m (coherent PEB \(pebCoherent) m); phase error \(phaseError * 180 / Double.pi) deg (modulo 180)")
            print("stages:    coarse \(show(estimate.coarse.minimiser)) -> non-coherent \(show(estimate.nonCoherent.minimiser)) "
                  + "(error \(estimate.nonCoherent.minimiser.distance(to: user.ue)) m, PEB \(pebNonCoherent) m) -> fine grid "
                  + "\(show(estimate.fine.minimiser)) -> refined")
            print("cost:      \(estimate.costEvaluations) evaluations, \(String(format: "%.1f", elapsed * 1e3)) ms")
            print("reading: \(reading.summary)")
        }
    }
}
