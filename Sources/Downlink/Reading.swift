// Reading: the modelling choices of docs/MODEL.md §DL.8 (options), and the protocol / processing gaps they give vs the paper.
import RealModule

/// One reading of the paper: geometry switches, the amplitude model of the Fisher information, and the P2 power
/// rule. The default is the spec's adopted reading (equal per-AP power, free α and β).
public struct DownlinkReading: Sendable, Hashable {
    /// Geometry switches and K.
    public var network = DownlinkNetworkOptions()
    /// Fisher information amplitude model (`alpha=structured` option).
    public var amplitudeModel: AmplitudeModel = .free
    /// P2 per-AP power multiplier (1: equal per-AP power = equal energy; M mimics the paper's 6 dB; 1/M gives equal
    /// per-slot network power).
    public var p2PowerScale: Double = 1
    /// Noise variance σ² (W).
    public var noiseVariance: Double = DownlinkConstants.noiseVariance

    public init() {}

    /// Per-AP power (W) used by `protocol` when the nominal per-AP power is `nominal` (W).
    public func perAPPower(_ protocol: DownlinkProtocol, nominal: Double) -> Double {
        `protocol` == .p2 ? nominal * p2PowerScale : nominal
    }

    /// True if every switch has its default value.
    public var isDefault: Bool { self == DownlinkReading() }

    /// One line naming the reading, for reports.
    public var summary: String {
        let name = isDefault ? "default reading (docs/MODEL.md §DL.8 adopted)" : "non-default reading"
        return "\(name): equal per-AP power with P2 per-AP power ×\(formatScale(p2PowerScale)), alpha=\(amplitudeModel.rawValue), "
            + network.summary
    }

    /// PEB (m) for one protocol / processing at `user` with nominal per-AP power `powerDBm`.
    public func peb(network builtNetwork: DownlinkNetwork, protocol: DownlinkProtocol, processing: DownlinkProcessing,
                    user: Point2, phaseOffset: Double = DownlinkConstants.phaseOffset, powerDBm: Double) -> Double {
        DownlinkFisher.positionErrorBound(FisherSetup(
            network: builtNetwork, protocol: `protocol`, processing: processing, user: user, phaseOffset: phaseOffset,
            perAPPower: perAPPower(`protocol`, nominal: watts(fromDBm: powerDBm)), noiseVariance: noiseVariance,
            amplitudeModel: amplitudeModel)).value
    }
}

extension DownlinkReading {
    /// A PEB evaluator for one protocol / processing on `network` at nominal per-AP power `powerDBm`, to be reused
    /// across UE positions (`positionErrorBound(at:phaseOffset:)` gives the same values as `peb`).
    public func pebEvaluator(network: DownlinkNetwork, protocol: DownlinkProtocol, processing: DownlinkProcessing,
                             powerDBm: Double) -> PositionErrorBoundEvaluator {
        PositionErrorBoundEvaluator(network: network, protocol: `protocol`, processing: processing,
                                    perAPPower: perAPPower(`protocol`, nominal: watts(fromDBm: powerDBm)), noiseVariance: noiseVariance,
                                    amplitudeModel: amplitudeModel)
    }
}

func formatScale(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}

/// The four protocol / processing PEB gaps of docs/MODEL.md §DL.8, in dB = 10·log10 of PEB ratios.
public struct ProtocolGaps: Sendable, Hashable {
    /// P2 coherent − P1 coherent (paper: −6 dB).
    public var p2CoherentMinusP1Coherent: Double
    /// P1 non-coherent − P1 coherent (paper: 24 dB).
    public var p1NonCoherentMinusCoherent: Double
    /// P2 non-coherent − P2 coherent (paper: 30 dB).
    public var p2NonCoherentMinusCoherent: Double
    /// P2 non-coherent − P1 non-coherent (paper: ≈ 0 dB).
    public var p2NonCoherentMinusP1NonCoherent: Double

    /// The paper's stated values (Sec. IV-B).
    public static let paper = ProtocolGaps(p2CoherentMinusP1Coherent: -6, p1NonCoherentMinusCoherent: 24,
                                           p2NonCoherentMinusCoherent: 30, p2NonCoherentMinusP1NonCoherent: 0)

    public init(p2CoherentMinusP1Coherent: Double, p1NonCoherentMinusCoherent: Double, p2NonCoherentMinusCoherent: Double,
                p2NonCoherentMinusP1NonCoherent: Double) {
        self.p2CoherentMinusP1Coherent = p2CoherentMinusP1Coherent
        self.p1NonCoherentMinusCoherent = p1NonCoherentMinusCoherent
        self.p2NonCoherentMinusCoherent = p2NonCoherentMinusCoherent
        self.p2NonCoherentMinusP1NonCoherent = p2NonCoherentMinusP1NonCoherent
    }

    /// Gaps from the four PEBs (m): P1 coherent, P1 non-coherent, P2 coherent, P2 non-coherent.
    public init(p1Coherent: Double, p1NonCoherent: Double, p2Coherent: Double, p2NonCoherent: Double) {
        func db(_ a: Double, _ b: Double) -> Double { 10 * Double.log10(a / b) }
        self.init(p2CoherentMinusP1Coherent: db(p2Coherent, p1Coherent),
                  p1NonCoherentMinusCoherent: db(p1NonCoherent, p1Coherent),
                  p2NonCoherentMinusCoherent: db(p2NonCoherent, p2Coherent),
                  p2NonCoherentMinusP1NonCoherent: db(p2NonCoherent, p1NonCoherent))
    }

    /// Gaps of the PEBs at one UE position (default: the paper's u = (1, 1) m, 0 dBm).
    public static func atPoint(_ reading: DownlinkReading, user: Point2 = DownlinkConstants.userPosition,
                               powerDBm: Double = 0) throws(DownlinkError) -> ProtocolGaps {
        let network = try DownlinkNetwork(options: reading.network)
        func value(_ proto: DownlinkProtocol, _ processing: DownlinkProcessing) -> Double {
            reading.peb(network: network, protocol: proto, processing: processing, user: user, powerDBm: powerDBm)
        }
        return ProtocolGaps(p1Coherent: value(.p1, .coherent), p1NonCoherent: value(.p1, .nonCoherent),
                            p2Coherent: value(.p2, .coherent), p2NonCoherent: value(.p2, .nonCoherent))
    }

    /// Gaps of the PEBs averaged over the 20 × 20 cell-centred grid of the illumination region.
    public static func regionMean(_ reading: DownlinkReading, powerDBm: Double = 0) throws(DownlinkError) -> ProtocolGaps {
        let network = try DownlinkNetwork(options: reading.network)
        let points = regionAverageGrid(network: network)
        func mean(_ proto: DownlinkProtocol, _ processing: DownlinkProcessing) -> Double {
            let evaluator = reading.pebEvaluator(network: network, protocol: proto, processing: processing, powerDBm: powerDBm)
            return points.reduce(0) { $0 + evaluator.positionErrorBound(at: $1) } / Double(points.count)
        }
        return ProtocolGaps(p1Coherent: mean(.p1, .coherent), p1NonCoherent: mean(.p1, .nonCoherent),
                            p2Coherent: mean(.p2, .coherent), p2NonCoherent: mean(.p2, .nonCoherent))
    }

    /// Report lines: each gap next to the paper's, and the spec's finding on the P1 gap.
    public func comparisonLines() -> [String] {
        let paper = ProtocolGaps.paper
        func line(_ name: String, _ ours: Double, _ theirs: Double, _ approx: String = "") -> String {
            let sign = ours >= 0 ? "+" : ""
            let difference = ours - theirs
            return "  \(name): \(sign)\(String(format2: ours)) dB (paper \(approx)\(theirs >= 0 ? "+" : "")\(Int(theirs)) dB; difference \(difference >= 0 ? "+" : "")\(String(format2: difference)) dB)"
        }
        return [
            line("P2 coherent − P1 coherent", p2CoherentMinusP1Coherent, paper.p2CoherentMinusP1Coherent, "≈ "),
            line("P1 non-coherent − P1 coherent", p1NonCoherentMinusCoherent, paper.p1NonCoherentMinusCoherent, "≈ "),
            line("P2 non-coherent − P2 coherent", p2NonCoherentMinusCoherent, paper.p2NonCoherentMinusCoherent, "≈ "),
            line("P2 non-coherent − P1 non-coherent", p2NonCoherentMinusP1NonCoherent, paper.p2NonCoherentMinusP1NonCoherent, "≈ "),
            "  dB are 10·log10 of PEB ratios (docs/MODEL.md §DL.8). The paper's 24 dB P1 coherent/non-coherent gap is not reproduced",
            "  under any reading (30–33.5 dB, docs/MODEL.md §DL.8: carrier-phase ranging against AoD-only information); a 6 dB",
            "  P2 advantage appears only if P2 gets about M times P1's energy (p2PowerScale = M), contradicting the paper's",
            "  equal-energy statement.",
        ]
    }
}

/// The 20 × 20 cell-centred grid over the illumination region used for region averages (docs/MODEL.md §DL.7), x fastest.
public func regionAverageGrid(network: DownlinkNetwork, pointsPerAxis: Int = 20) -> [Point2] {
    let side = network.options.regionSide, centre = network.regionCentre
    var points: [Point2] = []
    for iy in 0..<pointsPerAxis {
        for ix in 0..<pointsPerAxis {
            points.append(Point2(centre.x - side / 2 + (Double(ix) + 0.5) * side / Double(pointsPerAxis),
                                 centre.y - side / 2 + (Double(iy) + 0.5) * side / Double(pointsPerAxis)))
        }
    }
    return points
}

extension String {
    /// Fixed two-decimal formatting without Foundation.
    init(format2 value: Double) {
        guard value.isFinite else { self = value > 0 ? "inf" : (value < 0 ? "-inf" : "nan"); return }
        let scaled = (abs(value) * 100).rounded()
        let whole = Int(scaled / 100), fraction = Int(scaled) % 100
        self = (value < 0 && scaled != 0 ? "-" : "") + "\(whole)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
