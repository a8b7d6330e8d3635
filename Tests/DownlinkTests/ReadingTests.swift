// ReadingTests: the §8 options (alpha=structured, P2 power multiplier, geometry switches) against the spec's gap table.
import Foundation
import Testing
@testable import Downlink

@Suite struct ReadingTests {
    /// The reading a §8 table row names, and whether its gaps are a region mean.
    static func reading(for label: String) -> (DownlinkReading, regionMean: Bool)? {
        var reading = DownlinkReading()
        let m = Double(DownlinkConstants.apCount)
        switch label {
        case let l where l.hasPrefix("**default**"): return (reading, false)
        case let l where l.hasPrefix("default, mean over region"): return (reading, true)
        case let l where l.hasPrefix("corner APs"): reading.network.layout = .corners
        case let l where l.hasPrefix("edge-normal orientation"): reading.network.orientation = .edgeNormal
        case let l where l.hasPrefix("cell-centred illumination"): reading.network.illuminationGrid = .cellCentred
        case let l where l.hasPrefix("mirrored array"): reading.network.mirroredArray = true
        case let l where l.hasPrefix("equal per-slot network power"): reading.p2PowerScale = 1 / m
        case let l where l.hasPrefix("P2 per-AP power M·P"): reading.p2PowerScale = m
        case let l where l.hasPrefix("`alpha=structured` + P2 gets M"): reading.amplitudeModel = .structured; reading.p2PowerScale = m
        case let l where l.hasPrefix("`alpha=structured`"): reading.amplitudeModel = .structured
        default: return nil
        }
        return (reading, false)
    }

    private static let table = Result { try SpecReference.table(after: "| reading | P2c − P1c") }
    static func rows() throws -> [[String]] { try table.get() }

    @Test func tableIsComplete() throws {
        let rows = try Self.rows()
        #expect(rows.count == 10)
        for row in rows { #expect(Self.reading(for: row[0]) != nil, "unknown §8 reading: \(row[0])") }
    }

    /// Every row of the §8 table: the four gaps (dB, printed to 0.01 dB) of its reading.
    @Test(arguments: 0..<10)
    func gapsOfReading(index: Int) throws {
        let rows = try Self.rows()
        let row = try #require(index < rows.count ? rows[index] : nil)
        let (reading, regionMean) = try #require(Self.reading(for: row[0]))
        let gaps = regionMean ? try ProtocolGaps.regionMean(reading) : try ProtocolGaps.atPoint(reading)
        let values = [gaps.p2CoherentMinusP1Coherent, gaps.p1NonCoherentMinusCoherent, gaps.p2NonCoherentMinusCoherent,
                      gaps.p2NonCoherentMinusP1NonCoherent]
        for (value, cell) in zip(values, row.dropFirst()) where !cell.isEmpty {
            #expect(SpecReference.agrees(value, cell), "\(row[0]): \(value) vs \(cell)")
        }
    }

    /// With free α, P2 coherent is singular for 2K < M + 3; `alpha=structured` makes it finite for every K ≥ 2 (§6).
    @Test func structuredAmplitudesRemoveP2Singularity() {
        for k in [4, 9] {
            let network = makeNetwork { $0.illuminationPoints = k }
            #expect(peb(network, .p2, .coherent).isInfinite, "K = \(k) free α")
            #expect(peb(network, .p2, .coherent, amplitudeModel: .structured).isFinite, "K = \(k) structured α")
        }
        let sixteen = makeNetwork { $0.illuminationPoints = 16 }
        #expect(peb(sixteen, .p2, .coherent).isFinite)          // 2K = 32 ≥ 23
        #expect(peb(sixteen, .p2, .nonCoherent).isInfinite)     // 2K = 32 < 42
        let twentyFive = makeNetwork { $0.illuminationPoints = 25 }
        #expect(peb(twentyFive, .p2, .nonCoherent).isFinite)    // 2K = 50 ≥ 42
    }

    /// Structured α adds information: its PEB never exceeds the free-α PEB.
    @Test func structuredAmplitudesNeverWorse() {
        let network = makeNetwork()
        for user in [Point2(1, 1), Point2(-3, 2), Point2(6, 1)] {
            for proto in DownlinkProtocol.allCases {
                for processing in DownlinkProcessing.allCases {
                    let free = peb(network, proto, processing, user: user)
                    let structured = peb(network, proto, processing, user: user, amplitudeModel: .structured)
                    #expect(structured <= free * (1 + 1e-12), "\(proto) \(processing) at \(user)")
                }
            }
        }
    }

    @Test func cornerLayoutWalksCounterClockwise() {
        let network = makeNetwork { $0.layout = .corners }
        #expect(network.apPosition(0) == Point2(-20, -20))
        #expect(network.apPosition(5) == Point2(20, -20))
        #expect(network.apPosition(10) == Point2(20, 20))
        #expect(network.apPosition(15) == Point2(-20, 20))
        #expect(network.apPosition(19) == Point2(-20, -12))
        #expect(Set(network.apX.indices.map { network.apPosition($0) }).count == 20)
    }

    @Test func cellCentredGrid() {
        let network = makeNetwork { $0.illuminationGrid = .cellCentred; $0.illuminationPoints = 4 }
        #expect(network.illuminationPoint(0) == Point2(-1.25, -1.25))
        #expect(network.illuminationPoint(3) == Point2(1.25, 1.25))
    }
}
