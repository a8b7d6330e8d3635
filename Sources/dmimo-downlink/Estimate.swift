// Estimate: the `estimate` subcommand — one noisy snapshot through one estimator (adaptive by default).
import ArgumentParser
import ChainLog
import Downlink
import DownlinkReports

struct Estimate: ParsableCommand, LoggingCommand {
    static let configuration = CommandConfiguration(
        abstract: "Estimate of position and phase offset from one noisy snapshot (adaptive estimator by default).",
        discussion: """
            Estimators (--estimator): adaptive (default): the non-coherent stages, then a coherent search of the \
            confidence ellipse of the non-coherent estimate (its covariance from the curvature of the non-coherent cost \
            and the residual noise) on a λ/8 lattice, bounded to 24,000 coherent costs; hybrid: the paper's estimator \
            (docs/MODEL.md §DL.5, a fixed ±0.1 m coherent search); noncoherent: the non-coherent stages only (no phase \
            offset); coherent: the coherent cost alone from the coarse grid (lands in a wrong carrier-phase lobe \
            unless the grid falls in the right one).
            """)

    @Option(help: "Estimator: \(DownlinkEstimatorKind.allowedNames).", transform: { text in
        guard let kind = DownlinkEstimatorKind(name: text) else {
            throw ValidationError("--estimator: unknown estimator '\(text)'; allowed: \(DownlinkEstimatorKind.allowedNames)")
        }
        return kind
    })
    var estimator: DownlinkEstimatorKind = .adaptive

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

    @OptionGroup var logging: LogOptions

    func validate() throws {
        try validatePower(powerDbm)
        guard runIndex >= 0 else { throw ValidationError("--run must be >= 0; got \(runIndex)") }
    }

    func run() throws {
        var request = EstimateRequest()
        request.reading = options.reading
        request.protocol = self.protocol
        request.estimator = estimator
        request.user = user.ue
        request.phaseOffsetDeg = user.phaseOffsetDeg
        request.powerDBm = powerDbm
        request.seed = seed
        request.runIndex = runIndex
        let report = try estimateReport(request)
        if json { try printJSON(report.json) } else { for line in report.lines { print(line) } }
    }
}
