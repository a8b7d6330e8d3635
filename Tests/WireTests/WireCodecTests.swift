// Tests of the protobuf-c codec: every message type round-trips; garbage and mutations never crash the decoder.
import Testing
import TestFixtures
import Wire

extension TestRandom {
    mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 60 - 30 }
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

func sampleParticles(_ n: Int, seed: UInt64 = 1) -> ParticleArrays {
    var r = TestRandom(state: seed)
    return ParticleArrays(x: (0..<n).map { _ in r.float() }, y: (0..<n).map { _ in r.float() },
                          vx: (0..<n).map { _ in r.float() }, vy: (0..<n).map { _ in r.float() })
}

/// A filter-mode Configure with every field set (a panel's own model, hop settings, fronthaul).
func sampleFilterConfigure() -> Configure {
    let radio = RadioSetup(bandwidthHz: 400e6, carrierHz: 28e9, arraySide: 5, snr1mDb: 30, reflectionLossDb: 3,
                           detectionThreshold: 2, falseAlarmMean: 1, maxDistance: 42.42)
    let filter = FilterSetup(particleCount: 4096, samplingInterval: 0.2, accelerationStd: 0.5, regularizationFactor: 0.1,
                             regularizationFloor: [1e-3, 2e-3, 3e-3, 4e-3], survivalProbability: 0.95,
                             birthProbability: 0.05, amplitudeWalkRelative: 0.05, amplitudeWalkFloor: 0.1,
                             initialExistence: 0.5, existenceThreshold: 0.5, reflectionClutterMean: 1.5, priorRadius: 0.5,
                             priorVelocitySpread: 0.2, associationMaxIterations: 1000, associationTolerance: 1e-6)
    let walls = [WallSetup(startX: 0, startY: 0, endX: 30, endY: 0, interior: false, name: "W1"),
                 WallSetup(startX: 10, startY: 7.5, endX: 10, endY: 22.5, interior: true, name: "W5")]
    return Configure(dataEndpoints: ["tcp://a:1", "tcp://b:2", "tcp://c:3"], mode: "loca-mpc", particles: 4096, maxSkip: 1,
                     seed: 0xFEED_F00D_0000_0007, ackTimeoutMs: 250, hopRetries: 2, measurementWaitMs: 1500,
                     fronthaul: FronthaulSetup(emulate: true, rateGbps: 25, perTransferUs: 0.87),
                     panel: PanelSetup(x: 1.25, y: -0.1 / 3, radio: radio, filter: filter, roomSide: 30, walls: walls))
}

func allSampleMessages() -> [Envelope] {
    let p = sampleParticles(4096)
    let timings = [HopTiming(panel: 0, recvNs: 10, computeDoneNs: 20, sendNs: 30, linkRttNs: 40, padNs: 5, measurements: 3),
                   HopTiming(panel: 1, recvNs: 11, computeDoneNs: 21, sendNs: 31)]
    let reports = [PanelReport(panel: 0, existence: 0.97, losDetected: true, amplitude: 9.5),
                   PanelReport(panel: 1, existence: 0.01, losDetected: false, amplitude: 2.1)]
    let bodies: [Body] = [
        .hello(Hello(node: "panel", index: 3, pid: 1234, version: "0.1.0", dataEndpoint: "tcp://127.0.0.1:5553", host: "h1")),
        .configure(Configure(dataEndpoints: ["tcp://a:1", "ipc:///tmp/x"], mode: "probe", particles: 4096, maxSkip: 2)),
        .configure(sampleFilterConfigure()),
        .gamma(Gamma(route: [0, 1, 2, 3], hop: 0, particles: p, checksum: particleChecksum(p), reset: true)),
        .gamma(Gamma(route: [0, 1, 2], hop: 2, particles: p, timings: timings, skipped: [1], reports: reports, checksum: particleChecksum(p), reset: false)),
        .stepResult(StepResult(estX: 4.25, estY: 9.75, estVX: 0.5, estVY: -0.25, posterior: sampleParticles(16), timings: timings, contributed: [0, 2], skipped: [1], reports: reports, outcome: .degraded, reason: "panel 1 silent", checksum: particleChecksum(sampleParticles(16)))),
        .hopAck(HopAck(hop: 3, recvNs: 123_456_789)),
        .heartbeat(Heartbeat(sentNs: 99, counters: { var c = NodeCounters(); c.received = 5; c.droppedMalformed = 2; c.peakRSSBytes = 1 << 24; return c }())),
        .measurements(MeasurementBatch(panel: 7, distance: [1.5, 20.25], aoa: [-3.0, 0.5], amplitude: [2.5, 10])),
        .downlinkSnapshot(DownlinkSnapshot(downlinkProtocol: .p2, re: [1e-9, -2e-9], im: [3e-9, 0], illuminationX: [-2.5, 2.5], illuminationY: [0, 1], powerDbm: -10, centreX: 15, centreY: 15, frame: "room-centred", processing: "coherent")),
        .downlinkEstimate(DownlinkEstimate(x: 1.01, y: 0.99, phaseOffsetRad: 0.17, cost: -3.5, computeNs: 1000, processing: "adaptive", pebM: 2.5e-5, pebCoherentM: 2.5e-5, pebNonCoherentM: 1.1e-3)),
        .downlinkEstimate(DownlinkEstimate(x: 0, y: 0, phaseOffsetRad: 0, cost: 0, computeNs: 0, processing: "fast", error: "unknown processing")),
        .control(Control(action: .stop, panel: 5, durationMs: 2000, delayUs: 0)),
        .ping(Ping(sentNs: 42, seq: 7, payload: [1, 2, 3])),
        .pong(Ping(sentNs: 42, seq: 7)),
        .pong(Ping(sentNs: 42, seq: 7, nodeRecvNs: 1 << 62, nodeSendNs: (1 << 62) + 9)),
        .ping(Ping(sentNs: 42, seq: 7, clockOffsetNs: [0, -86_400_000_000_000, 86_400_000_000_000],
                   clockBoundNs: [0, 40_000, .max])),
        .linkReport(LinkReport(fromPanel: 2, toPanel: 3, rttNs: 41_000, bytes: 65_600, sendNs: 12)),
        .ping(Ping(sentNs: 0, seq: 3, payload: [9, 8, 7, 6], echo: true)),
        .floorRequest(FloorRequest(toPanel: 4, payloadBytes: 65_607, rounds: 100, timeoutMs: 500)),
        .floorReport(FloorReport(fromPanel: 3, toPanel: 4, roundTripNs: [120_000, 98_500, 1 << 40], payloadBytes: 65_607)),
        .floorReport(FloorReport(fromPanel: 3, toPanel: 4, roundTripNs: [], payloadBytes: 65_607,
                                 error: "round 7: no PONG within 500 ms")),
    ]
    return bodies.enumerated().map { i, body in
        Envelope(header: Header(runID: 0xDEAD_BEEF_0000_0001, run: 2, step: UInt32(i * 10), attempt: 1, sender: Int32(i) - 1), body: body)
    }
}

@Suite struct WireCodecTests {
    @Test func everyMessageTypeRoundTrips() throws {
        let messages = allSampleMessages()
        #expect(Set(messages.map(\.type)) == Set(MessageType.allCases))
        for m in messages {
            let bytes = WireCodec.encode(m)
            #expect(!bytes.isEmpty)
            let back = try WireCodec.decode(bytes)
            #expect(back == m, "round trip of \(m.type)")
        }
    }

    @Test func gammaOf4096ParticlesIsAbout64KiB() {
        let p = sampleParticles(4096)
        let m = Envelope(header: Header(runID: 1, sender: 0), body: .gamma(Gamma(route: [0], hop: 0, particles: p)))
        let n = WireCodec.encode(m).count
        #expect(n >= 4 * 4096 * 4 && n < 4 * 4096 * 4 + 128)
    }

    @Test func wrongVersionIsRejected() {
        for version in [1, wireProtocolVersion + 1] {  // 1: the protocol with StepStart and config_yaml
            var m = allSampleMessages()[5]
            m.header.protocolVersion = version
            #expect(throws: WireError.wrongVersion(version)) { try WireCodec.decode(WireCodec.encode(m)) }
        }
    }

    /// The checksum is verified where bytes become values: a γ or step result whose particles changed on the way
    /// does not decode (the receiver drops it unacknowledged, as a lost hop); checksum 0 means none.
    @Test func particlesThatDoNotMatchTheirChecksumAreRejectedAtDecode() throws {
        let p = sampleParticles(64)
        var changed = p
        changed.x[17] = changed.x[17].nextUp
        let header = Header(runID: 1, sender: 0)
        let bad = Envelope(header: header, body: .gamma(Gamma(route: [0], hop: 0, particles: changed, checksum: particleChecksum(p))))
        #expect(throws: WireError.checksumMismatch) { try WireCodec.decode(WireCodec.encode(bad)) }
        let none = Envelope(header: header, body: .gamma(Gamma(route: [0], hop: 0, particles: changed, checksum: 0)))
        #expect(try WireCodec.decode(WireCodec.encode(none)) == none)
        let result = Envelope(header: Header(runID: 1, sender: 0),
                              body: .stepResult(StepResult(posterior: changed, checksum: particleChecksum(p))))
        #expect(throws: WireError.checksumMismatch) { try WireCodec.decode(WireCodec.encode(result)) }
    }

    @Test func bodyMustMatchType() throws {
        // the type is derived from the body when encoding, so a mismatch can only come from the wire: patch the
        // envelope's field 1 (type, varint, encoded first) of a HopAck into GAMMA
        let m = Envelope(header: Header(runID: 1, sender: 0), body: .hopAck(HopAck(hop: 1, recvNs: 2)))
        var bytes = WireCodec.encode(m)
        try #require(bytes.count > 2 && bytes[0] == 0x08 && bytes[1] == UInt8(MessageType.hopAck.rawValue))
        #expect(try WireCodec.decode(bytes) == m)
        bytes[1] = UInt8(MessageType.gamma.rawValue)
        #expect(throws: WireError.bodyMismatch(type: MessageType.gamma.rawValue)) { try WireCodec.decode(bytes) }
        // a ping's body under PONG decodes as a pong: the two share fields, not kinds
        var ping = WireCodec.encode(Envelope(header: Header(runID: 1, sender: -1), body: .ping(Ping(sentNs: 3, seq: 4))))
        ping[1] = UInt8(MessageType.pong.rawValue)
        #expect(try WireCodec.decode(ping).body == .pong(Ping(sentNs: 3, seq: 4)))
    }

    @Test func inconsistentParticleArraysAreRejected() {
        let p = ParticleArrays(x: [1, 2], y: [1], vx: [1, 2], vy: [1, 2])
        let m = Envelope(header: Header(runID: 1, sender: 0), body: .gamma(Gamma(route: [0], hop: 0, particles: p)))
        #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(m)) }
    }

    @Test func emptyInputIsRejected() {
        // An empty buffer is a valid protobuf with every field zero: version 0 → rejected.
        #expect(throws: WireError.self) { try WireCodec.decode([UInt8]()) }
    }

    /// 100,000 random and mutated buffers: every one decodes to a valid message or throws; nothing traps.
    @Test func randomAndMutatedBuffersNeverCrash() {
        var r = TestRandom(state: 2026)
        let seeds = allSampleMessages().map { WireCodec.encode($0) }
        var decoded = 0, rejected = 0
        for i in 0..<100_000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                bytes = (0..<r.int(256)).map { _ in UInt8(truncatingIfNeeded: r.next()) }
            } else {
                bytes = seeds[r.int(seeds.count)]
                switch i % 4 {
                case 1:  // flip bytes
                    for _ in 0..<(1 + r.int(8)) where !bytes.isEmpty { bytes[r.int(bytes.count)] ^= UInt8(truncatingIfNeeded: r.next() | 1) }
                case 2:  // truncate
                    bytes = Array(bytes.prefix(r.int(bytes.count + 1)))
                default:  // splice random bytes in
                    let at = r.int(bytes.count + 1)
                    bytes.insert(contentsOf: (0..<(1 + r.int(16))).map { _ in UInt8(truncatingIfNeeded: r.next()) }, at: at)
                }
            }
            do { _ = try WireCodec.decode(bytes); decoded += 1 } catch { rejected += 1 }
        }
        #expect(decoded + rejected == 100_000)
        #expect(rejected > 50_000)  // most garbage must be rejected, not accepted
    }

    @Test func checksumSeesEveryArray() {
        var p = sampleParticles(64)
        let c0 = particleChecksum(p)
        p.vy[63] = p.vy[63].nextUp
        #expect(particleChecksum(p) != c0)
    }
}

@Suite struct ChecksumTests {
    @Test func everyByteMatters() {
        let p = sampleParticles(1031)  // not a multiple of the lane width
        let c0 = particleChecksum(p)
        for array in 0..<4 {
            for index in [0, 1, 517, 1029, 1030] {
                var q = p
                switch array {
                case 0: q.x[index] = q.x[index].nextUp
                case 1: q.y[index] = q.y[index].nextUp
                case 2: q.vx[index] = q.vx[index].nextUp
                default: q.vy[index] = q.vy[index].nextUp
                }
                #expect(particleChecksum(q) != c0, "array \(array) index \(index)")
            }
        }
        // swapping arrays changes it too
        #expect(particleChecksum(ParticleArrays(x: p.y, y: p.x, vx: p.vx, vy: p.vy)) != c0)
    }
}
