// FloorPayload: the size of the message each link of a route carries (γ or the step result), for the transport floor.
import Wire

/// Bytes of the message on each link of a route of `route.count` panels, in the order of ``RouteLink/along(_:)``:
/// the controller's `Gamma` of the prior, each panel's `Gamma` (the timings, and with `reports` the panel reports,
/// gathered so far), and the last panel's `StepResult`. Encoded with the real codec from representative values (the
/// particles' size is exact — packed floats —, stamps at a typical magnitude), so within a few bytes of the real
/// message.
/// - Parameters:
///   - particles: particles per message N_p.
///   - reports: whether each panel adds a panel report (filter mode; the probe's panels do not).
///   - islands: B islands (filter.islands): each γ carries N_p/B particles; the step result all N_p.
public func floorPayloadBytes(particles: Int, route: [Int], reports: Bool, islands: Int = 1) -> [Int] {
    guard !route.isEmpty else { return [] }
    let zeros = [Float](repeating: 0, count: particles)
    let p = ParticleArrays(x: zeros, y: zeros, vx: zeros, vy: zeros)
    let islandZeros = [Float](repeating: 0, count: particles / max(1, islands))
    let island = islands > 1 ? ParticleArrays(x: islandZeros, y: islandZeros, vx: islandZeros, vy: islandZeros) : p
    let stamp: UInt64 = 1 << 44  // ~4.9 hours of uptime in ns: varints of typical length
    let panels = route.map(Int32.init)
    func timing(_ k: Int32) -> HopTiming {
        HopTiming(panel: k, recvNs: stamp, computeDoneNs: stamp + 200_000, measurements: 3, linkBytes: 65_607,
                  rawRecvNs: stamp)
    }
    func withSend(_ t: HopTiming) -> HopTiming { var t = t; t.sendNs = stamp + 210_000; return t }
    let header = Header(runID: 1 << 63, run: 0, step: 500, sender: 0)
    var sizes: [Int] = []
    for hop in 0..<route.count {
        let before = panels.prefix(hop)
        let gamma = Gamma(route: panels, hop: UInt32(hop), particles: island, timings: before.map { withSend(timing($0)) },
                          reports: reports ? before.map { PanelReport(panel: $0, existence: 0.5, losDetected: true, amplitude: 3) } : [],
                          checksum: UInt64.max, reset: false, island: islands > 1 ? UInt32(islands - 1) : 0,
                          islands: UInt32(max(1, islands)), islandLogWeight: islands > 1 ? -12.5 : 0)
        sizes.append(WireCodec.encode(Envelope(header: header, body: .gamma(gamma))).count)
    }
    let result = StepResult(estX: 15, estY: 15, estVX: 0.5, estVY: 0.5, posterior: p,
                            timings: panels.map { withSend(timing($0)) }, contributed: panels, skipped: [],
                            reports: reports ? panels.map { PanelReport(panel: $0, existence: 0.5, losDetected: true, amplitude: 3) } : [],
                            outcome: .delivered, checksum: UInt64.max)
    sizes.append(WireCodec.encode(Envelope(header: header, body: .stepResult(result))).count)
    return sizes
}
