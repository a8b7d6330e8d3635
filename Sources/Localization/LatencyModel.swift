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

    /// Latency of one time step in seconds.
    public func seconds(panels: Int, particles: Int, measurements: Int = 6, adderTree: Bool = false) -> Double {
        cycles(panels: panels, particles: particles, measurements: measurements, adderTree: adderTree) / clockHz
    }

    /// Latency of one time step in microseconds.
    public func microseconds(panels: Int, particles: Int, measurements: Int = 6, adderTree: Bool = false) -> Double {
        seconds(panels: panels, particles: particles, measurements: measurements, adderTree: adderTree) * 1e6
    }
}
