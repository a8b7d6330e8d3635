// Codec: typed messages to and from protobuf-c bytes. The only Swift code that sees the generated C structs.
import CProtobufC
import DMIMOWireC
#if canImport(Glibc)
import Glibc
#endif

/// Largest encoded message accepted by ``WireCodec/decode(_:)`` (64 MiB).
public let maxMessageBytes = 64 << 20

/// Encodes and decodes ``Envelope`` values as protobuf bytes (proto/dmimo.proto, protobuf-c).
public enum WireCodec {
    // MARK: encode

    /// The protobuf bytes of `envelope`.
    public static func encode(_ envelope: Envelope) -> [UInt8] {
        var out: [UInt8] = []
        encode(envelope, into: &out)
        return out
    }

    /// Encodes into `buffer`, replacing its contents (reuses its capacity). The particle arrays are packed
    /// straight from their Swift storage (no intermediate copy).
    /// - Parameter arena: C memory to reuse (a panel's data path: no allocation once sized); nil: a fresh one.
    public static func encode(_ envelope: Envelope, into buffer: inout [UInt8], arena: WireArena? = nil) {
        let arena = arena ?? WireArena(capacity: 4096)
        defer { arena.reset() }
        let particles: ParticleArrays? = switch envelope.body {
        case .gamma(let m): m.particles
        case .stepResult(let m): m.posterior
        default: nil
        }
        guard let particles, particles.count > 0 else {
            encode(envelope, borrowed: nil, into: &buffer, arena)
            return
        }
        particles.x.withUnsafeBufferPointer { x in
            particles.y.withUnsafeBufferPointer { y in
                particles.vx.withUnsafeBufferPointer { vx in
                    particles.vy.withUnsafeBufferPointer { vy in
                        encode(envelope, borrowed: BorrowedParticles(x: x, y: y, vx: vx, vy: vy), into: &buffer, arena)
                    }
                }
            }
        }
    }

    /// Pointers into the Swift storage of one message's particle arrays, valid during one encode call.
    struct BorrowedParticles {
        let x: UnsafeBufferPointer<Float>, y: UnsafeBufferPointer<Float>
        let vx: UnsafeBufferPointer<Float>, vy: UnsafeBufferPointer<Float>
    }

    private static func encode(_ envelope: Envelope, borrowed: BorrowedParticles?, into buffer: inout [UInt8],
                               _ arena: WireArena) {
        var env = Dmimo__Envelope()
        dmimo__envelope__init(&env)
        let h = envelope.header
        env.type = Dmimo__MessageType(rawValue: envelope.type.rawValue)
        env.protocol_version = h.protocolVersion
        env.run_id = h.runID
        env.run = h.run
        env.step = h.step
        env.attempt = h.attempt
        env.sender = h.sender
        switch envelope.body {
        case .hello(let m):
            var c = Dmimo__Hello(); dmimo__hello__init(&c)
            c.node = arena.string(m.node); c.index = m.index; c.pid = m.pid
            c.version = arena.string(m.version); c.data_endpoint = arena.string(m.dataEndpoint)
            c.host = arena.string(m.host)
            env.body_case = DMIMO__ENVELOPE__BODY_HELLO; env.hello = arena.message(c)
        case .configure(let m):
            var c = Dmimo__Configure(); dmimo__configure__init(&c)
            c.n_data_endpoints = m.dataEndpoints.count
            c.data_endpoints = arena.copy(m.dataEndpoints.map { Optional(arena.string($0)) })
            c.mode = arena.string(m.mode)
            c.particles = m.particles; c.max_skip = m.maxSkip; c.seed = m.seed
            c.ack_timeout_ms = m.ackTimeoutMs; c.hop_retries = m.hopRetries; c.measurement_wait_ms = m.measurementWaitMs
            var f = Dmimo__Fronthaul(); dmimo__fronthaul__init(&f)
            f.emulate = m.fronthaul.emulate ? 1 : 0; f.rate_gbps = m.fronthaul.rateGbps
            f.per_transfer_us = m.fronthaul.perTransferUs
            c.fronthaul = arena.message(f)
            c.panel = m.panel.map { panelModel($0, arena) }
            env.body_case = DMIMO__ENVELOPE__BODY_CONFIGURE; env.configure = arena.message(c)
        case .gamma(let m):
            var c = Dmimo__Gamma(); dmimo__gamma__init(&c)
            c.n_route = m.route.count; c.route = arena.copy(m.route); c.hop = m.hop
            c.particles = particles(m.particles, borrowed, arena)
            c.n_timings = m.timings.count; c.timings = arena.pointers(m.timings) { timing($0, arena) }
            c.n_skipped = m.skipped.count; c.skipped = arena.copy(m.skipped)
            c.n_reports = m.reports.count; c.reports = arena.pointers(m.reports) { report($0, arena) }
            c.checksum = m.checksum; c.reset = m.reset ? 1 : 0
            c.n_link_reports = m.linkReports.count; c.link_reports = arena.pointers(m.linkReports) { linkReport($0, arena) }
            c.island = m.island; c.islands = m.islands > 1 ? m.islands : 0; c.island_log_weight = m.islandLogWeight
            env.body_case = DMIMO__ENVELOPE__BODY_GAMMA; env.gamma = arena.message(c)
        case .stepResult(let m):
            var c = Dmimo__StepResult(); dmimo__step_result__init(&c)
            c.est_x = m.estX; c.est_y = m.estY; c.est_vx = m.estVX; c.est_vy = m.estVY
            c.posterior = particles(m.posterior, borrowed, arena)
            c.n_timings = m.timings.count; c.timings = arena.pointers(m.timings) { timing($0, arena) }
            c.n_contributed = m.contributed.count; c.contributed = arena.copy(m.contributed)
            c.n_skipped = m.skipped.count; c.skipped = arena.copy(m.skipped)
            c.n_reports = m.reports.count; c.reports = arena.pointers(m.reports) { report($0, arena) }
            c.outcome = Dmimo__Outcome(rawValue: m.outcome.rawValue); c.reason = arena.string(m.reason)
            c.checksum = m.checksum
            c.n_link_reports = m.linkReports.count; c.link_reports = arena.pointers(m.linkReports) { linkReport($0, arena) }
            env.body_case = DMIMO__ENVELOPE__BODY_STEP_RESULT; env.step_result = arena.message(c)
        case .hopAck(let m):
            var c = Dmimo__HopAck(); dmimo__hop_ack__init(&c)
            c.hop = m.hop; c.recv_ns = m.recvNs; c.held_ns = m.heldNs; c.island = m.island
            env.body_case = DMIMO__ENVELOPE__BODY_HOP_ACK; env.hop_ack = arena.message(c)
        case .heartbeat(let m):
            var k = Dmimo__NodeCounters(); dmimo__node_counters__init(&k)
            let n = m.counters
            k.received = n.received; k.dropped_malformed = n.droppedMalformed
            k.dropped_wrong_version = n.droppedWrongVersion; k.dropped_wrong_run = n.droppedWrongRun
            k.dropped_stale = n.droppedStale; k.duplicates = n.duplicates; k.checksum_errors = n.checksumErrors
            k.forwarded = n.forwarded; k.peak_rss_bytes = n.peakRSSBytes
            k.missing_measurements = n.missingMeasurements; k.rss_bytes = n.rssBytes
            var c = Dmimo__Heartbeat(); dmimo__heartbeat__init(&c)
            c.sent_ns = m.sentNs; c.counters = arena.message(k)
            env.body_case = DMIMO__ENVELOPE__BODY_HEARTBEAT; env.heartbeat = arena.message(c)
        case .measurements(let m):
            var c = Dmimo__MeasurementBatch(); dmimo__measurement_batch__init(&c)
            c.panel = m.panel
            c.n_distance_m = m.distance.count; c.distance_m = arena.copy(m.distance)
            c.n_aoa_rad = m.aoa.count; c.aoa_rad = arena.copy(m.aoa)
            c.n_amplitude = m.amplitude.count; c.amplitude = arena.copy(m.amplitude)
            env.body_case = DMIMO__ENVELOPE__BODY_MEASUREMENTS; env.measurements = arena.message(c)
        case .downlinkSnapshot(let m):
            var c = Dmimo__DownlinkSnapshot(); dmimo__downlink_snapshot__init(&c)
            c.protocol = Dmimo__DownlinkProtocol(rawValue: m.downlinkProtocol.rawValue)
            c.n_re = m.re.count; c.re = arena.copy(m.re)
            c.n_im = m.im.count; c.im = arena.copy(m.im)
            c.n_illum_x = m.illuminationX.count; c.illum_x = arena.copy(m.illuminationX)
            c.n_illum_y = m.illuminationY.count; c.illum_y = arena.copy(m.illuminationY)
            c.power_dbm = m.powerDbm; c.centre_x = m.centreX; c.centre_y = m.centreY
            c.frame = arena.string(m.frame); c.processing = arena.string(m.processing)
            env.body_case = DMIMO__ENVELOPE__BODY_DOWNLINK_SNAPSHOT; env.downlink_snapshot = arena.message(c)
        case .downlinkEstimate(let m):
            var c = Dmimo__DownlinkEstimate(); dmimo__downlink_estimate__init(&c)
            c.x = m.x; c.y = m.y; c.phase_offset_rad = m.phaseOffsetRad; c.cost = m.cost
            c.compute_ns = m.computeNs; c.processing = arena.string(m.processing)
            c.peb_m = m.pebM; c.peb_coherent_m = m.pebCoherentM; c.peb_noncoherent_m = m.pebNonCoherentM
            c.error = arena.string(m.error)
            env.body_case = DMIMO__ENVELOPE__BODY_DOWNLINK_ESTIMATE; env.downlink_estimate = arena.message(c)
        case .control(let m):
            var c = Dmimo__Control(); dmimo__control__init(&c)
            c.action = Dmimo__ControlAction(rawValue: m.action.rawValue); c.panel = m.panel
            c.duration_ms = m.durationMs; c.delay_us = m.delayUs
            env.body_case = DMIMO__ENVELOPE__BODY_CONTROL; env.control = arena.message(c)
        case .ping(let m), .pong(let m):
            var c = Dmimo__Ping(); dmimo__ping__init(&c)
            c.sent_ns = m.sentNs; c.seq = m.seq
            c.payload = ProtobufCBinaryData(len: m.payload.count, data: arena.copy(m.payload))
            c.node_recv_ns = m.nodeRecvNs; c.node_send_ns = m.nodeSendNs
            c.n_clock_offset_ns = m.clockOffsetNs.count; c.clock_offset_ns = arena.copy(m.clockOffsetNs)
            c.n_clock_bound_ns = m.clockBoundNs.count; c.clock_bound_ns = arena.copy(m.clockBoundNs)
            c.echo = m.echo ? 1 : 0
            env.body_case = DMIMO__ENVELOPE__BODY_PING; env.ping = arena.message(c)
        case .linkReport(let m):
            env.body_case = DMIMO__ENVELOPE__BODY_LINK_REPORT; env.link_report = linkReport(m, arena)
        case .floorRequest(let m):
            var c = Dmimo__FloorRequest(); dmimo__floor_request__init(&c)
            c.to_panel = m.toPanel; c.payload_bytes = m.payloadBytes; c.rounds = m.rounds; c.timeout_ms = m.timeoutMs
            env.body_case = DMIMO__ENVELOPE__BODY_FLOOR_REQUEST; env.floor_request = arena.message(c)
        case .floorReport(let m):
            var c = Dmimo__FloorReport(); dmimo__floor_report__init(&c)
            c.from_panel = m.fromPanel; c.to_panel = m.toPanel; c.payload_bytes = m.payloadBytes
            c.n_round_trip_ns = m.roundTripNs.count; c.round_trip_ns = arena.copy(m.roundTripNs)
            c.error = arena.string(m.error)
            env.body_case = DMIMO__ENVELOPE__BODY_FLOOR_REPORT; env.floor_report = arena.message(c)
        }
        let size = dmimo__envelope__get_packed_size(&env)
        if buffer.count != size {
            if buffer.count > size { buffer.removeLast(buffer.count - size) } else {
                buffer.append(contentsOf: repeatElement(0, count: size - buffer.count))
            }
        }
        let written = buffer.withUnsafeMutableBufferPointer { dmimo__envelope__pack(&env, $0.baseAddress) }
        precondition(written == size, "protobuf-c packed \(written) bytes, expected \(size)")
            }

    private static func particles(_ p: ParticleArrays, _ borrowed: BorrowedParticles?,
                                  _ arena: WireArena) -> UnsafeMutablePointer<Dmimo__Particles> {
        var c = Dmimo__Particles(); dmimo__particles__init(&c)
        c.count = UInt32(p.count)
        c.n_x = p.x.count; c.n_y = p.y.count; c.n_vx = p.vx.count; c.n_vy = p.vy.count
        if let b = borrowed, b.x.count == p.x.count {
            // protobuf-c only reads these during pack
            c.x = UnsafeMutablePointer(mutating: b.x.baseAddress); c.y = UnsafeMutablePointer(mutating: b.y.baseAddress)
            c.vx = UnsafeMutablePointer(mutating: b.vx.baseAddress); c.vy = UnsafeMutablePointer(mutating: b.vy.baseAddress)
        } else {
            c.x = arena.copy(p.x); c.y = arena.copy(p.y); c.vx = arena.copy(p.vx); c.vy = arena.copy(p.vy)
        }
        return arena.message(c)
    }

    private static func panelModel(_ m: PanelSetup, _ arena: WireArena) -> UnsafeMutablePointer<Dmimo__PanelModel> {
        var r = Dmimo__RadioModel(); dmimo__radio_model__init(&r)
        r.bandwidth_hz = m.radio.bandwidthHz; r.array_side = m.radio.arraySide; r.carrier_hz = m.radio.carrierHz
        r.snr_1m_db = m.radio.snr1mDb; r.reflection_loss_db = m.radio.reflectionLossDb
        r.detection_threshold = m.radio.detectionThreshold; r.false_alarm_mean = m.radio.falseAlarmMean
        r.max_distance_m = m.radio.maxDistance
        var f = Dmimo__FilterConstants(); dmimo__filter_constants__init(&f)
        let k = m.filter
        f.particle_count = k.particleCount; f.sampling_interval_s = k.samplingInterval
        f.acceleration_std = k.accelerationStd; f.regularization_factor = k.regularizationFactor
        f.n_regularization_floor = k.regularizationFloor.count; f.regularization_floor = arena.copy(k.regularizationFloor)
        f.survival_probability = k.survivalProbability; f.birth_probability = k.birthProbability
        f.amplitude_walk_relative = k.amplitudeWalkRelative; f.amplitude_walk_floor = k.amplitudeWalkFloor
        f.initial_existence = k.initialExistence; f.existence_threshold = k.existenceThreshold
        f.reflection_clutter_mean = k.reflectionClutterMean; f.prior_radius_m = k.priorRadius
        f.prior_velocity_spread = k.priorVelocitySpread; f.association_max_iterations = k.associationMaxIterations
        f.association_tolerance = k.associationTolerance
        var c = Dmimo__PanelModel(); dmimo__panel_model__init(&c)
        c.x_m = m.x; c.y_m = m.y; c.radio = arena.message(r); c.filter = arena.message(f); c.room_side_m = m.roomSide
        c.n_walls = m.walls.count
        c.walls = arena.copy(m.walls.map { w in
            var c = Dmimo__Wall(); dmimo__wall__init(&c)
            c.start_x_m = w.startX; c.start_y_m = w.startY; c.end_x_m = w.endX; c.end_y_m = w.endY
            c.interior = w.interior ? 1 : 0; c.name = arena.string(w.name)
            return Optional(arena.message(c))
        })
        return arena.message(c)
    }

    private static func panelSetup(_ p: UnsafeMutablePointer<Dmimo__PanelModel>?) throws(WireError) -> PanelSetup? {
        guard let c = p?.pointee else { return nil }
        guard let r = c.radio?.pointee, let f = c.filter?.pointee else { throw .invalid("panel model without radio or filter constants") }
        guard f.n_regularization_floor == 4 else { throw .invalid("regularization floor of \(f.n_regularization_floor) values, expected 4") }
        var walls: [WallSetup] = []
        for i in 0..<c.n_walls {
            guard let w = c.walls[i]?.pointee else { throw .malformed }
            walls.append(WallSetup(startX: w.start_x_m, startY: w.start_y_m, endX: w.end_x_m, endY: w.end_y_m,
                                   interior: w.interior != 0, name: string(w.name)))
        }
        return PanelSetup(
            x: c.x_m, y: c.y_m,
            radio: RadioSetup(bandwidthHz: r.bandwidth_hz, carrierHz: r.carrier_hz, arraySide: r.array_side,
                              snr1mDb: r.snr_1m_db, reflectionLossDb: r.reflection_loss_db,
                              detectionThreshold: r.detection_threshold, falseAlarmMean: r.false_alarm_mean,
                              maxDistance: r.max_distance_m),
            filter: FilterSetup(particleCount: f.particle_count, samplingInterval: f.sampling_interval_s,
                                accelerationStd: f.acceleration_std, regularizationFactor: f.regularization_factor,
                                regularizationFloor: array(f.regularization_floor, f.n_regularization_floor),
                                survivalProbability: f.survival_probability, birthProbability: f.birth_probability,
                                amplitudeWalkRelative: f.amplitude_walk_relative, amplitudeWalkFloor: f.amplitude_walk_floor,
                                initialExistence: f.initial_existence, existenceThreshold: f.existence_threshold,
                                reflectionClutterMean: f.reflection_clutter_mean, priorRadius: f.prior_radius_m,
                                priorVelocitySpread: f.prior_velocity_spread,
                                associationMaxIterations: f.association_max_iterations,
                                associationTolerance: f.association_tolerance),
            roomSide: c.room_side_m, walls: walls)
    }

    private static func timing(_ t: HopTiming, _ arena: WireArena) -> UnsafeMutablePointer<Dmimo__HopTiming> {
        var c = Dmimo__HopTiming(); dmimo__hop_timing__init(&c)
        c.panel = t.panel; c.recv_ns = t.recvNs; c.compute_done_ns = t.computeDoneNs; c.send_ns = t.sendNs
        c.link_rtt_ns = t.linkRttNs; c.pad_ns = t.padNs; c.measurements = t.measurements
        c.link_bytes = t.linkBytes; c.raw_recv_ns = t.rawRecvNs
        c.decode_ns = t.decodeNs; c.measurement_wait_ns = t.measurementWaitNs; c.update_ns = t.updateNs
        return arena.message(c)
    }

    private static func linkReport(_ m: LinkReport, _ arena: WireArena) -> UnsafeMutablePointer<Dmimo__LinkReport> {
        var c = Dmimo__LinkReport(); dmimo__link_report__init(&c)
        c.from_panel = m.fromPanel; c.to_panel = m.toPanel; c.rtt_ns = m.rttNs; c.bytes = m.bytes; c.send_ns = m.sendNs
        c.encode_ns = m.encodeNs; c.send_call_ns = m.sendCallNs; c.run = m.run; c.step = m.step
        return arena.message(c)
    }

    private static func report(_ r: PanelReport, _ arena: WireArena) -> UnsafeMutablePointer<Dmimo__PanelReport> {
        var c = Dmimo__PanelReport(); dmimo__panel_report__init(&c)
        c.panel = r.panel; c.existence = r.existence; c.los_detected = r.losDetected ? 1 : 0; c.amplitude = r.amplitude
        return arena.message(c)
    }

    // MARK: decode

    /// Decodes and validates one message. Never traps on any input.
    /// - Throws: ``WireError`` for garbage, truncated, oversized, wrong-version or inconsistent messages.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Envelope {
        var none = Gamma.empty
        return try decode(bytes, arena: nil, reusing: &none)
    }

    /// Decodes like ``decode(_:)``, with protobuf-c's unpack in `arena` (reset before returning) and a Gamma body
    /// written into the storage of `spare` (its arrays emptied and refilled in their capacity, then moved into the
    /// result; `spare` is left empty). With an arena and a spare of a previous γ, decoding a γ allocates nothing.
    public static func decode(_ bytes: UnsafeRawBufferPointer, arena: WireArena?,
                              reusing spare: inout Gamma) throws(WireError) -> Envelope {
        guard bytes.count <= maxMessageBytes else { throw .tooLarge(bytes.count) }
        let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard let env = dmimo__envelope__unpack(arena?.allocator, bytes.count, base) else {
            arena?.reset()
            throw .malformed
        }
        defer { if let arena { arena.reset() } else { dmimo__envelope__free_unpacked(env, nil) } }
        let e = env.pointee
        guard e.protocol_version == wireProtocolVersion else { throw .wrongVersion(e.protocol_version) }
        guard let type = MessageType(rawValue: e.type.rawValue) else { throw .unknownType(e.type.rawValue) }
        let header = Header(runID: e.run_id, run: e.run, step: e.step, attempt: e.attempt,
                            sender: e.sender, protocolVersion: e.protocol_version)
        let body: Body
        switch e.body_case {
        case DMIMO__ENVELOPE__BODY_HELLO:
            guard let c = e.hello?.pointee else { throw .malformed }
            body = .hello(Hello(node: string(c.node), index: c.index, pid: c.pid, version: string(c.version),
                                dataEndpoint: string(c.data_endpoint), host: string(c.host)))
        case DMIMO__ENVELOPE__BODY_CONFIGURE:
            guard let c = e.configure?.pointee else { throw .malformed }
            var endpoints: [String] = []
            for i in 0..<c.n_data_endpoints { endpoints.append(string(c.data_endpoints[i])) }
            let f = c.fronthaul?.pointee
            body = .configure(Configure(
                dataEndpoints: endpoints, mode: string(c.mode), particles: c.particles, maxSkip: c.max_skip,
                seed: c.seed, ackTimeoutMs: c.ack_timeout_ms, hopRetries: c.hop_retries,
                measurementWaitMs: c.measurement_wait_ms,
                fronthaul: FronthaulSetup(emulate: (f?.emulate ?? 0) != 0, rateGbps: f?.rate_gbps ?? 0,
                                          perTransferUs: f?.per_transfer_us ?? 0),
                panel: try panelSetup(c.panel)))
        case DMIMO__ENVELOPE__BODY_GAMMA:
            guard let c = e.gamma?.pointee else { throw .malformed }
            var gamma = Gamma.empty
            swap(&gamma, &spare)
            fill(&gamma.route, c.route, c.n_route)
            gamma.hop = c.hop
            try fill(&gamma.particles, c.particles)
            fill(&gamma.timings, c.timings, c.n_timings)
            fill(&gamma.skipped, c.skipped, c.n_skipped)
            fill(&gamma.reports, c.reports, c.n_reports)
            fill(&gamma.linkReports, c.link_reports, c.n_link_reports)
            gamma.checksum = c.checksum
            gamma.reset = c.reset != 0
            gamma.island = c.island; gamma.islands = max(1, c.islands); gamma.islandLogWeight = c.island_log_weight
            // the particles' integrity is checked here, once, where bytes become values
            guard gamma.checksum == 0 || particleChecksum(gamma.particles) == gamma.checksum else { throw .checksumMismatch }
            body = .gamma(gamma)
        case DMIMO__ENVELOPE__BODY_STEP_RESULT:
            guard let c = e.step_result?.pointee else { throw .malformed }
            guard let outcome = Outcome(rawValue: c.outcome.rawValue) else { throw .invalid("unknown outcome") }
            body = .stepResult(StepResult(
                estX: c.est_x, estY: c.est_y, estVX: c.est_vx, estVY: c.est_vy,
                posterior: try particles(c.posterior), timings: timings(c.timings, c.n_timings),
                contributed: array(c.contributed, c.n_contributed), skipped: array(c.skipped, c.n_skipped),
                reports: reports(c.reports, c.n_reports), outcome: outcome, reason: string(c.reason),
                checksum: c.checksum, linkReports: linkReports(c.link_reports, c.n_link_reports)))
            if case .stepResult(let r) = body, r.checksum != 0, particleChecksum(r.posterior) != r.checksum {
                throw .checksumMismatch
            }
        case DMIMO__ENVELOPE__BODY_HOP_ACK:
            guard let c = e.hop_ack?.pointee else { throw .malformed }
            body = .hopAck(HopAck(hop: c.hop, recvNs: c.recv_ns, heldNs: c.held_ns, island: c.island))
        case DMIMO__ENVELOPE__BODY_HEARTBEAT:
            guard let c = e.heartbeat?.pointee else { throw .malformed }
            var n = NodeCounters()
            if let k = c.counters?.pointee {
                n.received = k.received; n.droppedMalformed = k.dropped_malformed
                n.droppedWrongVersion = k.dropped_wrong_version; n.droppedWrongRun = k.dropped_wrong_run
                n.droppedStale = k.dropped_stale; n.duplicates = k.duplicates; n.checksumErrors = k.checksum_errors
                n.forwarded = k.forwarded; n.peakRSSBytes = k.peak_rss_bytes
                n.missingMeasurements = k.missing_measurements; n.rssBytes = k.rss_bytes
            }
            body = .heartbeat(Heartbeat(sentNs: c.sent_ns, counters: n))
        case DMIMO__ENVELOPE__BODY_MEASUREMENTS:
            guard let c = e.measurements?.pointee else { throw .malformed }
            guard c.n_distance_m == c.n_aoa_rad && c.n_aoa_rad == c.n_amplitude else {
                throw .invalid("measurement arrays differ in length")
            }
            body = .measurements(MeasurementBatch(panel: c.panel, distance: array(c.distance_m, c.n_distance_m),
                                                  aoa: array(c.aoa_rad, c.n_aoa_rad),
                                                  amplitude: array(c.amplitude, c.n_amplitude)))
        case DMIMO__ENVELOPE__BODY_DOWNLINK_SNAPSHOT:
            guard let c = e.downlink_snapshot?.pointee else { throw .malformed }
            guard let proto = DownlinkProtocol(rawValue: c.protocol.rawValue) else { throw .invalid("unknown protocol") }
            guard c.n_re == c.n_im, c.n_illum_x == c.n_illum_y else { throw .invalid("snapshot arrays differ in length") }
            body = .downlinkSnapshot(DownlinkSnapshot(
                downlinkProtocol: proto, re: array(c.re, c.n_re), im: array(c.im, c.n_im),
                illuminationX: array(c.illum_x, c.n_illum_x), illuminationY: array(c.illum_y, c.n_illum_y),
                powerDbm: c.power_dbm, centreX: c.centre_x, centreY: c.centre_y, frame: string(c.frame),
                processing: string(c.processing)))
        case DMIMO__ENVELOPE__BODY_DOWNLINK_ESTIMATE:
            guard let c = e.downlink_estimate?.pointee else { throw .malformed }
            body = .downlinkEstimate(DownlinkEstimate(x: c.x, y: c.y, phaseOffsetRad: c.phase_offset_rad,
                                                      cost: c.cost, computeNs: c.compute_ns,
                                                      processing: string(c.processing), pebM: c.peb_m,
                                                      pebCoherentM: c.peb_coherent_m, pebNonCoherentM: c.peb_noncoherent_m,
                                                      error: string(c.error)))
        case DMIMO__ENVELOPE__BODY_CONTROL:
            guard let c = e.control?.pointee else { throw .malformed }
            guard let action = ControlAction(rawValue: c.action.rawValue) else { throw .invalid("unknown action") }
            body = .control(Control(action: action, panel: c.panel, durationMs: c.duration_ms, delayUs: c.delay_us))
        case DMIMO__ENVELOPE__BODY_PING:
            guard let c = e.ping?.pointee else { throw .malformed }
            let payload = c.payload.len > 0 && c.payload.data != nil
                ? Array(UnsafeBufferPointer(start: c.payload.data, count: c.payload.len)) : []
            guard c.n_clock_offset_ns == c.n_clock_bound_ns else { throw .invalid("clock table of unequal lengths") }
            let ping = Ping(sentNs: c.sent_ns, seq: c.seq, payload: payload, nodeRecvNs: c.node_recv_ns,
                            nodeSendNs: c.node_send_ns, clockOffsetNs: array(c.clock_offset_ns, c.n_clock_offset_ns),
                            clockBoundNs: array(c.clock_bound_ns, c.n_clock_bound_ns), echo: c.echo != 0)
            body = type == .pong ? .pong(ping) : .ping(ping)
        case DMIMO__ENVELOPE__BODY_LINK_REPORT:
            guard let c = e.link_report?.pointee else { throw .malformed }
            body = .linkReport(linkReport(c))
        case DMIMO__ENVELOPE__BODY_FLOOR_REQUEST:
            guard let c = e.floor_request?.pointee else { throw .malformed }
            body = .floorRequest(FloorRequest(toPanel: c.to_panel, payloadBytes: c.payload_bytes, rounds: c.rounds,
                                              timeoutMs: c.timeout_ms))
        case DMIMO__ENVELOPE__BODY_FLOOR_REPORT:
            guard let c = e.floor_report?.pointee else { throw .malformed }
            body = .floorReport(FloorReport(fromPanel: c.from_panel, toPanel: c.to_panel,
                                            roundTripNs: array(c.round_trip_ns, c.n_round_trip_ns),
                                            payloadBytes: c.payload_bytes, error: string(c.error)))
        default:
            throw .bodyMismatch(type: type.rawValue)
        }
        guard body.messageType == type else { throw .bodyMismatch(type: type.rawValue) }
        return Envelope(header: header, body: body)
    }

    /// Decodes a byte array.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Envelope {
        var result: Result<Envelope, WireError> = .failure(.malformed)
        bytes.withUnsafeBytes { buffer in
            do throws(WireError) { result = .success(try decode(buffer)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    private static func string(_ p: UnsafeMutablePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    private static func array<T>(_ p: UnsafeMutablePointer<T>?, _ n: Int) -> [T] {
        guard let p, n > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: n))
    }

    private static func particles(_ p: UnsafeMutablePointer<Dmimo__Particles>?) throws(WireError) -> ParticleArrays {
        guard let c = p?.pointee else { return ParticleArrays() }
        let n = try checkedCount(c)
        return ParticleArrays(x: array(c.x, n), y: array(c.y, n), vx: array(c.vx, n), vy: array(c.vy, n))
    }

    /// Replaces `values` with the `n` elements at `p`, in `values`' own storage when it is large enough.
    private static func fill<T>(_ values: inout [T], _ p: UnsafeMutablePointer<T>?, _ n: Int) {
        values.removeAll(keepingCapacity: true)
        guard let p, n > 0 else { return }
        values.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    }

    /// ``particles(_:)`` into the storage of `arrays`.
    private static func fill(_ arrays: inout ParticleArrays, _ p: UnsafeMutablePointer<Dmimo__Particles>?) throws(WireError) {
        guard let c = p?.pointee else {
            fill(&arrays.x, nil, 0); fill(&arrays.y, nil, 0); fill(&arrays.vx, nil, 0); fill(&arrays.vy, nil, 0)
            return
        }
        let n = try checkedCount(c)
        fill(&arrays.x, c.x, n); fill(&arrays.y, c.y, n); fill(&arrays.vx, c.vx, n); fill(&arrays.vy, c.vy, n)
    }

    private static func checkedCount(_ c: Dmimo__Particles) throws(WireError) -> Int {
        let n = Int(c.count)
        guard n <= maxParticlesPerMessage else { throw .invalid("\(n) particles exceed the limit") }
        guard c.n_x == n, c.n_y == n, c.n_vx == n, c.n_vy == n else {
            throw .invalid("particle arrays (\(c.n_x), \(c.n_y), \(c.n_vx), \(c.n_vy)) do not match count \(n)")
        }
        return n
    }

    private static func fill(_ values: inout [HopTiming], _ p: UnsafeMutablePointer<UnsafeMutablePointer<Dmimo__HopTiming>?>?, _ n: Int) {
        values.removeAll(keepingCapacity: true)
        guard let p else { return }
        for i in 0..<n { if let t = p[i]?.pointee { values.append(timing(t)) } }
    }

    private static func fill(_ values: inout [LinkReport], _ p: UnsafeMutablePointer<UnsafeMutablePointer<Dmimo__LinkReport>?>?, _ n: Int) {
        values.removeAll(keepingCapacity: true)
        guard let p else { return }
        for i in 0..<n { if let r = p[i]?.pointee { values.append(linkReport(r)) } }
    }

    private static func linkReports(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Dmimo__LinkReport>?>?, _ n: Int) -> [LinkReport] {
        var values: [LinkReport] = []
        fill(&values, p, n)
        return values
    }

    private static func linkReport(_ c: Dmimo__LinkReport) -> LinkReport {
        LinkReport(fromPanel: c.from_panel, toPanel: c.to_panel, rttNs: c.rtt_ns, bytes: c.bytes, sendNs: c.send_ns,
                   encodeNs: c.encode_ns, sendCallNs: c.send_call_ns, run: c.run, step: c.step)
    }

    private static func fill(_ values: inout [PanelReport], _ p: UnsafeMutablePointer<UnsafeMutablePointer<Dmimo__PanelReport>?>?, _ n: Int) {
        values.removeAll(keepingCapacity: true)
        guard let p else { return }
        for i in 0..<n { if let r = p[i]?.pointee { values.append(report(r)) } }
    }

    private static func timing(_ t: Dmimo__HopTiming) -> HopTiming {
        HopTiming(panel: t.panel, recvNs: t.recv_ns, computeDoneNs: t.compute_done_ns, sendNs: t.send_ns,
                  linkRttNs: t.link_rtt_ns, padNs: t.pad_ns, measurements: t.measurements,
                  linkBytes: t.link_bytes, rawRecvNs: t.raw_recv_ns, decodeNs: t.decode_ns,
                  measurementWaitNs: t.measurement_wait_ns, updateNs: t.update_ns)
    }

    private static func report(_ r: Dmimo__PanelReport) -> PanelReport {
        PanelReport(panel: r.panel, existence: r.existence, losDetected: r.los_detected != 0, amplitude: r.amplitude)
    }

    private static func timings(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Dmimo__HopTiming>?>?, _ n: Int) -> [HopTiming] {
        guard let p else { return [] }
        return (0..<n).compactMap { i in
            guard let t = p[i]?.pointee else { return nil }
            return timing(t)
        }
    }

    private static func reports(_ p: UnsafeMutablePointer<UnsafeMutablePointer<Dmimo__PanelReport>?>?, _ n: Int) -> [PanelReport] {
        guard let p else { return [] }
        return (0..<n).compactMap { i in
            guard let r = p[i]?.pointee else { return nil }
            return report(r)
        }
    }
}
