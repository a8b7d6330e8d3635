// Options: command-line option groups and argument parsing for the downlink model (units in every help text).
import ArgumentParser
import ChainRuntime
import Downlink
import DownlinkReports
import Foundation

extension DownlinkProtocol: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.uppercased() {
        case "P1": self = .p1
        case "P2": self = .p2
        default: return nil
        }
    }
    public static var allValueStrings: [String] { ["P1", "P2"] }
}

extension DownlinkProcessing: ExpressibleByArgument {
    public init?(argument: String) {
        switch argument.lowercased() {
        case "coherent": self = .coherent
        case "noncoherent", "non-coherent": self = .nonCoherent
        default: return nil
        }
    }
    public static var allValueStrings: [String] { ["coherent", "noncoherent"] }
}

extension AmplitudeModel: ExpressibleByArgument {}
extension APLayout: ExpressibleByArgument {}
extension APOrientation: ExpressibleByArgument {}
extension IlluminationGrid: ExpressibleByArgument {}

extension Point2: ExpressibleByArgument {
    /// "X,Y" in metres.
    public init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let x = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let y = Double(parts[1].trimmingCharacters(in: .whitespaces)),
              x.isFinite, y.isFinite else { return nil }
        self.init(x, y)
    }
    public var defaultValueDescription: String { "\(formatted(x)),\(formatted(y))" }
}

/// Parses "X,Y" (m) for options, with a message that says what is expected.
func parsePoint(_ text: String) throws -> Point2 {
    guard let point = Point2(argument: text) else {
        throw ValidationError("expected two finite numbers x,y in metres, e.g. 1,1 or -3.5,0.2")
    }
    return point
}

/// The modelling choices of docs/MODEL.md §DL.8 and the network switches.
struct ReadingOptions: ParsableArguments {
    @Option(name: [.customShort("k"), .customLong("illumination-points")],
            help: "Number of illumination points K over the 5 m x 5 m region (a perfect square: 1, 4, 9, 16, ...).")
    var illuminationPoints: Int = DownlinkConstants.illuminationPoints

    @Option(name: .customLong("alpha"),
            help: "Fisher-information amplitude model: free (alpha_m, beta_m are nuisance parameters) or structured (alpha_m = lambda/(4 pi d_m(u)) known).")
    var amplitudeModel: AmplitudeModel = .free

    @Option(help: "P2 per-AP power multiplier (1: equal per-AP power = equal energy, the spec's default; 20 = M mimics the paper's 6 dB; 0.05 = 1/M gives equal per-slot network power).")
    var p2PowerScale: Double = 1

    @Option(help: "AP layout: edges (APs at -16, -8, 0, 8, 16 m on each edge) or corners (-20, -12, -4, 4, 12 m along the walk).")
    var apLayout: APLayout = .edges

    @Option(help: "AP boresight: centre (every array points at the centre of the AP square) or normal (inward edge normal).")
    var orientation: APOrientation = .towardsCentre

    @Option(help: "Illumination grid: edges (sqrt(K) points per axis including the region's edges) or centre (cell-centred).")
    var illuminationGrid: IlluminationGrid = .edgeInclusive

    @Flag(help: "Mirrored arrays: flip the sign of sin(theta) in array response and precoder (changes no result).")
    var mirrored = false

    @Option(parsing: .unconditional, help: "Centre x,y of the illumination region and of the coarse search grid (m).",
            transform: parsePoint)
    var regionCentre: Point2 = .zero

    func validate() throws {
        guard illuminationPoints >= 1, exactSquareRoot(illuminationPoints) != nil else {
            throw ValidationError("--illumination-points must be a positive perfect square (1, 4, 9, 16, 25, 36, ...); got \(illuminationPoints)")
        }
        guard p2PowerScale > 0, p2PowerScale.isFinite else {
            throw ValidationError("--p2-power-scale must be a positive number; got \(p2PowerScale)")
        }
    }

    var reading: DownlinkReading {
        var reading = DownlinkReading()
        reading.network.illuminationPoints = illuminationPoints
        reading.network.layout = apLayout
        reading.network.orientation = orientation
        reading.network.illuminationGrid = illuminationGrid
        reading.network.mirroredArray = mirrored
        reading.network.regionCentre = regionCentre
        reading.amplitudeModel = amplitudeModel
        reading.p2PowerScale = p2PowerScale
        return reading
    }
}

/// The true UE state.
struct UserOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "True UE position x,y (m), e.g. --ue 1,1 or --ue -3.5,0.2. (default: 1,1)",
            transform: parsePoint)
    var ue: Point2 = DownlinkConstants.userPosition

    @Option(parsing: .unconditional, help: "True UE phase offset (degrees).")
    var phaseOffsetDeg: Double = 10

    var phaseOffset: Double { phaseOffsetDeg * Double.pi / 180 }

    func validate() throws {
        guard phaseOffsetDeg.isFinite else { throw ValidationError("--phase-offset-deg must be finite") }
    }
}

/// Validates a power in dBm.
func validatePower(_ dBm: Double, option: String = "--power-dbm") throws {
    guard dBm.isFinite, dBm > -300, dBm < 300 else { throw ValidationError("\(option) must be a finite power in dBm; got \(dBm)") }
}

/// JSON output with the convention of every JSON the tools write (ResultsJSON): sorted keys, non-finite numbers
/// as `null`.
func printJSON(_ value: any Encodable) throws {
    let data = try ResultsJSON.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// A progress line on standard error, redrawn at most every 0.25 s.
final class ProgressLine {
    let label: String
    let start = ContinuousClock.now
    var lastDraw = ContinuousClock.now - .seconds(1)
    var drawn = false
    let enabled: Bool

    init(label: String, enabled: Bool = true) { self.label = label; self.enabled = enabled }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard done == total || now - lastDraw >= .milliseconds(250) else { return }
        lastDraw = now
        let elapsed = seconds(now - start)
        let eta = done > 0 ? elapsed * Double(total - done) / Double(done) : 0
        let percent = total > 0 ? 100 * Double(done) / Double(total) : 100
        let text = "\r[\(label)] \(done)/\(total) (\(String(format: "%.1f", percent))%) elapsed \(String(format: "%.1f", elapsed)) s, eta \(String(format: "%.0f", eta)) s"
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Writes a CSV file: "# " comment lines (self-description), a header, and rows.
func writeCSV(path: String, table: DownlinkTable) throws {
    do {
        try table.text.write(toFile: path, atomically: true, encoding: .utf8)
    } catch {
        throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
}

/// The command line as typed, for self-describing outputs.
var commandLine: String { CommandLine.arguments.joined(separator: " ") }
