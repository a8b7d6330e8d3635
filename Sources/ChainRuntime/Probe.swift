// Probe: K γ messages of N particles through the J-panel chain and back, checked and timed.
import ChainProtocol
import Scenario
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// What to send through the chain.
public struct ProbeOptions: Sendable {
    /// Particles per message N.
    public var particles: Int
    /// Number of messages K (sent one at a time).
    public var messages: Int
    /// Seed of the particle payloads.
    public var seed: UInt64 = 2025
    /// Longest wait for one message to come back, milliseconds.
    public var timeoutMs = 5_000
    /// Messages sent first and not counted (connection set-up, caches).
    public var warmup = 20

    public init(particles: Int, messages: Int) {
        self.particles = particles
        self.messages = messages
    }
}

/// What the probe measured. Durations in nanoseconds.
public struct ProbeResult: Sendable {
    public var panels: Int
    public var particles: Int
    public var messageBytes: Int
    /// End to end per message: result receipt − send, on the controller's clock.
    public var endToEnd: [UInt64] = []
    /// One-way time of hop h (0: controller → panel 0, …, J: last panel → controller), from the send and
    /// receive stamps mapped into the controller's time base (each panel's clock offset, ``ChainSession/clockTable``).
    public var hops: [[UInt64]]
    /// Receive → send time inside each panel (decode, checksum, encode).
    public var inPanel: [[UInt64]]
    /// Send → acknowledgement round trip of hop h, measured by its sender (any hosts).
    public var roundTrips: [[UInt64]]
    public var intact = 0
    public var corrupted = 0
    public var outOfOrder = 0
    public var panelChecksumErrors: UInt64 = 0

    init(panels: Int, particles: Int) {
        self.panels = panels
        self.particles = particles
        messageBytes = 0
        hops = Array(repeating: [], count: panels + 1)
        inPanel = Array(repeating: [], count: panels)
        roundTrips = Array(repeating: [], count: panels)
    }

    /// The latency table (µs).
    public func table() -> String {
        var rows: [[String]] = []
        func row(_ name: String, _ ns: [UInt64]) {
            let s = LatencySummary(nanoseconds: ns)
            rows.append([name, "\(s.count)", fixed(s.p50), fixed(s.p90), fixed(s.p99), fixed(s.max)])
        }
        row("end-to-end", endToEnd)
        for h in 0...panels {
            let from = h == 0 ? "controller" : "panel \(h - 1)"
            let to = h == panels ? "controller" : "panel \(h)"
            row("hop \(from) -> \(to)", hops[h])
        }
        for k in 0..<panels { row("in panel \(k)", inPanel[k]) }
        for h in 0..<panels where !roundTrips[h].isEmpty {
            let from = h == 0 ? "controller" : "panel \(h - 1)"
            row("ack rtt \(from) -> panel \(h)", roundTrips[h])
        }
        return formatTable(header: ["latency (µs)", "n", "p50", "p90", "p99", "max"], rows: rows)
    }
}

/// Sends K messages through the running chain of `session`, one at a time, and times them.
/// - Throws: ``RuntimeError`` naming the panel when a panel exits or a message does not come back in time.
public func runProbe(session: ChainSession, options: ProbeOptions,
                     progress: ((Int, Int) -> Void)? = nil) throws(RuntimeError) -> ProbeResult {
    let panels = session.options.panels
    var result = ProbeResult(panels: panels, particles: options.particles)
    let route = (0..<panels).map(Int32.init)
    var lastStep: Int = -1
    let total = options.warmup + options.messages
    for message in 0..<total {
        let particles = probePayload(seed: options.seed, message: message, count: options.particles)
        let checksum = particleChecksum(particles)
        let header = Header(runID: session.options.runID, run: 0, step: UInt32(message),
                            sender: controllerSender)
        let gamma = Gamma(route: route, hop: 0, particles: particles, checksum: checksum, reset: message == 0)
        let envelope = Envelope(header: header, body: .gamma(gamma))
        if result.messageBytes == 0 { result.messageBytes = WireCodec.encode(envelope).count }
        let sendNs = try session.sendData(toPanel: 0, envelope)
        let deadline = sendNs + UInt64(options.timeoutMs) * 1_000_000
        var done = false
        while !done {
            let now = monotonicNanos()
            if now >= deadline {
                let silent = (0..<panels).filter { now - session.lastHeard[$0] > 1_000_000_000 }
                throw RuntimeError("message \(message) did not come back within \(options.timeoutMs) ms"
                                   + (silent.isEmpty ? "" : "; silent for > 1 s: "
                                      + silent.map { "panel \($0) (\(session.dataEndpoints[$0]))" }.joined(separator: ", ")))
            }
            for event in try session.poll(timeoutMs: Int((deadline - now) / 1_000_000) + 1) {
                switch event {
                case .panelExited(let k, let how):
                    throw RuntimeError("panel \(k) (\(session.dataEndpoints[k])) \(how) at message \(message) of \(total)")
                case .interrupted(let s):
                    throw RuntimeError("interrupted by signal \(s) at message \(message) of \(total)")
                case .admin(_, let from):
                    session.reply(admin: from, "the probe takes no faults", ok: false)
                case .data(_, let ack, let receivedNs):
                    if case .hopAck = ack.body, ack.header.step == UInt32(message), message >= options.warmup {
                        result.roundTrips[0].append(receivedNs - sendNs)
                    }
                case .control(_, let reply):
                    switch reply.body {
                    case .linkReport(let link):
                        // reports may trail the step's result: count them whenever they arrive
                        if reply.header.step >= UInt32(options.warmup), link.toPanel >= 0, Int(link.toPanel) < panels {
                            result.roundTrips[Int(link.toPanel)].append(link.rttNs)
                        }
                    case .stepResult(let stepResult):
                        let receivedNs = monotonicNanos()
                        // the link reports that rode with γ (of earlier messages)
                        for link in stepResult.linkReports where link.step >= UInt32(options.warmup)
                            && link.toPanel >= 0 && Int(link.toPanel) < panels {
                            result.roundTrips[Int(link.toPanel)].append(link.rttNs)
                        }
                        let step = Int(reply.header.step)
                        guard step == message else {
                            if step < message { result.outOfOrder += 1 }
                            continue
                        }
                        if step <= lastStep { result.outOfOrder += 1 }
                        lastStep = step
                        done = true
                        let intact = stepResult.posterior == particles && stepResult.checksum == checksum
                        guard message >= options.warmup else { continue }
                        if intact { result.intact += 1 } else { result.corrupted += 1 }
                        result.endToEnd.append(receivedNs - sendNs)
                        let t = stepResult.timings
                        let clocks = session.clockTable
                        if t.count == panels, (0..<panels).allSatisfy({ clocks[$0] != nil }) {
                            // one-way hops in the controller's time base (each node's clock offset)
                            func oneWay(_ sent: UInt64, _ from: ClockOffset?, _ received: UInt64, _ to: ClockOffset?) -> UInt64 {
                                OneWayTime(sentNs: sent, by: from!, receivedNs: received, by: to!).clampedNs
                            }
                            result.hops[0].append(oneWay(sendNs, .controller, t[0].recvNs, clocks[0]))
                            for k in 1..<panels { result.hops[k].append(oneWay(t[k - 1].sendNs, clocks[k - 1], t[k].recvNs, clocks[k])) }
                            result.hops[panels].append(oneWay(t[panels - 1].sendNs, clocks[panels - 1], receivedNs, .controller))
                            for k in 0..<panels { result.inPanel[k].append(elapsedNs(from: t[k].recvNs, to: t[k].sendNs)) }
                        }
                    default:
                        break
                    }
                }
            }
        }
        progress?(message + 1, total)
    }
    // let the last link reports and heartbeats arrive, then read the panels' own counters
    let settle = monotonicNanos() + 300_000_000
    while monotonicNanos() < settle {
        for event in try session.poll(timeoutMs: 50) {
            if case .control(_, let reply) = event, case .linkReport(let link) = reply.body,
               reply.header.step >= UInt32(options.warmup), link.toPanel >= 0, Int(link.toPanel) < panels {
                result.roundTrips[Int(link.toPanel)].append(link.rttNs)
            }
        }
    }
    result.panelChecksumErrors = session.panelCounters.reduce(0) { $0 + $1.checksumErrors }
    return result
}

/// The random particles of probe message `message`: four arrays of `count` floats in [0, 30).
func probePayload(seed: UInt64, message: Int, count: Int) -> ParticleArrays {
    var stream = RandomStream(seed: seed, step: message, panel: noPanel, purpose: .probePayload)
    var arrays = [[Float]](repeating: [Float](repeating: 0, count: count), count: 4)
    for a in 0..<4 {
        arrays[a].withUnsafeMutableBufferPointer { out in
            var i = 0
            while i < count {
                let block = stream.nextBlock()
                for lane in 0..<4 where i + lane < count {
                    out[i + lane] = Float(block[lane] >> 8) * (30.0 / 16_777_216.0)
                }
                i += 4
            }
        }
    }
    return ParticleArrays(x: arrays[0], y: arrays[1], vx: arrays[2], vy: arrays[3])
}
