// LatencyModel: the FPGA latency model of eq. (10) with Table I of the paper (docs/MODEL.md §D).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Eq. (10): τ[cc] = J·(20 + 2(M − 1))·N_P/4 + (J − 1)·τ_fronthaul, plus optionally the adder tree of x̂ at the
/// last panel, log2(N_P)/2 cycles. Clock 200 MHz (AMD RFSoC ZCU216), 4 particles in parallel.
public struct LatencyModel: Sendable, Equatable, Codable {
    /// Clock frequency in hertz.
    public var clockHz: Double = 200e6
    /// Ethernet transfer between panels, clock cycles (Table I: 174 cc = 0.87 µs).
    public var fronthaulCycles: Double = 174
    /// Particles processed in parallel per clock-cycle group.
    public var parallelParticles: Int = 4

    public init() {}

    /// Cycles per group of `parallelParticles` particles at one panel with M measurements (Table I total):
    /// 20 + 2(M − 1).
    public func panelCyclesPerGroup(measurements m: Int) -> Double { Double(20 + 2 * (m - 1)) }

    /// Latency of one time step in clock cycles.
    /// - Parameters:
    ///   - panels: J.
    ///   - particles: N_P.
    ///   - measurements: M (the same at every panel; the paper uses 6).
    ///   - adderTree: include the log2(N_P)/2-cycle adder tree of the final estimate.
    public func cycles(panels: Int, particles: Int, measurements: Int = 6, adderTree: Bool = false) -> Double {
        var cc = Double(panels) * panelCyclesPerGroup(measurements: measurements) * Double(particles)
            / Double(parallelParticles) + Double(panels - 1) * fronthaulCycles
        if adderTree { cc += log2(Double(particles)) / 2 }
        return cc
    }

    /// Streamed eq. (10) for γ as B islands (docs/MODEL.md §B.7, issue 21), in clock cycles:
    ///
    ///   τ_B[cc] = (J + B − 1)·(20 + 2(M − 1))·(N_P/B)/4 + (J − 1)·τ_fronthaul/B  (+ log2(N_P)/2 adder tree).
    ///
    /// Each panel spends (20 + 2(M − 1))·(N_P/B)/4 cycles per island; the islands form a pipeline, so the last
    /// island leaves the last panel after J + B − 1 island slots (B at the first panel, then one at each of the
    /// J − 1 others). On that critical path the last island crosses J − 1 links; each transfer carries one island
    /// (1/B of γ's payload). Assumption: Table I's 174 cc is the transfer of the whole γ and scales linearly with
    /// the payload, so one island's transfer takes τ_fronthaul/B cycles, and the transfer of island b overlaps
    /// the compute of island b + 1 (true while τ_fronthaul/B is below one island slot, 3,840 cc at N_P = 4096,
    /// B = 8, M = 6). With B = 1 this is ``cycles(panels:particles:measurements:adderTree:)`` exactly.
    /// - Parameters:
    ///   - panels: J.
    ///   - particles: N_P.
    ///   - islands: B (N_P/B particles per island).
    ///   - measurements: M (the same at every panel; the paper uses 6).
    ///   - adderTree: include the log2(N_P)/2-cycle adder tree of the final estimate.
    public func streamedCycles(panels: Int, particles: Int, islands: Int, measurements: Int = 6,
                               adderTree: Bool = false) -> Double {
        precondition(islands >= 1, "at least one island")
        if islands == 1 {
            return cycles(panels: panels, particles: particles, measurements: measurements, adderTree: adderTree)
        }
        let b = Double(islands)
        let islandCycles = panelCyclesPerGroup(measurements: measurements) * (Double(particles) / b)
            / Double(parallelParticles)
        var cc = Double(panels + islands - 1) * islandCycles + Double(panels - 1) * fronthaulCycles / b
        if adderTree { cc += log2(Double(particles)) / 2 }
        return cc
    }

    /// Streamed eq. (10) (``streamedCycles(panels:particles:islands:measurements:adderTree:)``) in microseconds.
    public func streamedMicroseconds(panels: Int, particles: Int, islands: Int, measurements: Int = 6,
                                     adderTree: Bool = false) -> Double {
        streamedCycles(panels: panels, particles: particles, islands: islands, measurements: measurements,
                       adderTree: adderTree) / clockHz * 1e6
    }

    /// Latency of one time step in seconds.
    public func seconds(panels: Int, particles: Int, measurements: Int = 6, adderTree: Bool = false) -> Double {
        cycles(panels: panels, particles: particles, measurements: measurements, adderTree: adderTree) / clockHz
    }

    /// Latency of one time step in microseconds.
    public func microseconds(panels: Int, particles: Int, measurements: Int = 6, adderTree: Bool = false) -> Double {
        seconds(panels: panels, particles: particles, measurements: measurements, adderTree: adderTree) * 1e6
    }
}
