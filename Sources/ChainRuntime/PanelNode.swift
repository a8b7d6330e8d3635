// PanelNode: the panel-node process — receive γ, acknowledge, compute, forward to the next panel or the controller.
import Config
import Scenario
import Wire
import ZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// Options of one panel process.
public struct PanelNodeOptions: Sendable {
    /// Panel index (0-based).
    public var index: Int
    /// Controller's control endpoint, e.g. `tcp://10.0.0.1:5500`.
    public var controllerEndpoint: String
    /// Where this panel receives γ, e.g. `tcp://*:5550` or `tcp://127.0.0.1:*` (any free port).
    public var bindEndpoint: String
    /// The endpoint others should connect to for γ, if it differs from the bound one (multi-host).
    public var advertisedEndpoint: String?
    /// Heartbeat interval towards the controller, milliseconds.
    public var heartbeatIntervalMs: Int = 200
    /// Exit when the controller has been silent for this long, milliseconds (0 = never).
    public var controllerSilenceMs: Int = 0
    /// Exit when this process (the controller that spawned us) is gone.
    public var parentPID: Int32?
    /// Longest wait for a step's measurement batch once its γ has arrived, milliseconds.
    public var measurementWaitMs: Int = 2000
    /// CURVE keys of this panel (nil: plain-text links).
    public var security: NodeSecurity?

    public init(index: Int, controllerEndpoint: String, bindEndpoint: String, advertisedEndpoint: String? = nil) {
        self.index = index
        self.controllerEndpoint = controllerEndpoint
        self.bindEndpoint = bindEndpoint
        self.advertisedEndpoint = advertisedEndpoint
    }
}

/// Routing id of panel k's control socket as the controller's ROUTER sees it.
public func panelRoutingID(_ index: Int) -> [UInt8] { Array("panel-\(index)".utf8) }

/// Software version printed by `--version` and sent in Hello.
public let dmimoVersion = "0.1.0"

/// A hop this panel sent and keeps until its receiver acknowledges it.
struct PendingHop {
    var envelope: Envelope
    var to: Int
    var sendNs: UInt64
    var deadlineNs: UInt64
    var resends: Int
    var bytes: Int
}

/// Faults injected into this panel by the controller (fault injection is part of the product).
struct PanelFaults {
    /// Deaf and mute until this time: nothing is read or sent (a cut link), ns.
    var partitionedUntilNs: UInt64 = 0
    /// Extra delay before each forward, and until when, ns.
    var slowDelayNs: UInt64 = 0
    var slowUntilNs: UInt64 = 0
    /// Send garbage instead of the next γ.
    var corruptNext = false
    /// Send the next γ twice.
    var duplicateNext = false
}

/// One panel process: the socket-owning loop. Not thread-safe; runs on the thread that calls ``run()``.
public final class PanelNode {
    let options: PanelNodeOptions
    let context: ZMQContext
    let control: ZMQSocket
    let data: ZMQSocket
    let signals: SignalWatcher
    /// The ZAP handler admitting only the configured keys (CURVE on).
    let authenticator: CurveAuthenticator?
    var successors: [Int: ZMQSocket] = [:]
    var configuration: Configure?
    var runID: UInt64 = 0
    var computation: (any PanelComputation)?
    public private(set) var counters = NodeCounters()
    /// (run, step) already processed: each is processed at most once.
    var processed = Set<UInt64>()
    var processedOrder: [UInt64] = []
    /// Highest attempt seen for each processed (run, step).
    var processedAttempt: [UInt64: UInt32] = [:]
    /// The estimate of the last step this panel processed (used when its successor was the silent last panel).
    var lastEstimate: SIMD4<Double>?
    /// Hops sent and not yet acknowledged, by (run, step, hop): kept until acknowledged, resent, then skipped.
    var pendingHops: [UInt64: PendingHop] = [:]
    /// Latest (run, step) processed: older steps arriving late are stale.
    var latestProcessed: UInt64?
    /// Liveness settings from the configuration.
    var ackTimeoutNs: UInt64 = 100_000_000
    var hopRetries = 1
    /// Injected faults.
    var faults = PanelFaults()
    var encodeBuffer: [UInt8] = []
    var lastControllerContactNs = monotonicNanos()
    let computationFactory: (Configure, Int) throws -> any PanelComputation
    /// The modelled fronthaul when hops are emulated (nil: raw links).
    var fronthaul: FronthaulSection?
    /// Exit status requested while busy (a shutdown that arrived while waiting for measurements).
    var pendingExit: Int32?

    /// Binds the data socket and connects to the controller.
    /// - Parameter makeComputation: builds the panel's computation from the controller's Configure message.
    public init(options: PanelNodeOptions, signals: SignalWatcher,
                makeComputation: @escaping (Configure, Int) throws -> any PanelComputation) throws(RuntimeError) {
        self.options = options
        self.signals = signals
        self.computationFactory = makeComputation
        let name = "panel \(options.index)"
        do { context = try ZMQContext() } catch { throw RuntimeError("\(name): cannot create a ZeroMQ context: \(error)") }
        authenticator = try options.security?.startAuthenticator(context)
        do {
            data = try ZMQSocket(context, .router)
            try options.security?.makeServer(data)
            try data.setRouterMandatory(true)
            // a predecessor that reconnects (after a stop or a cut link) reclaims its routing id
            try data.setRouterHandover(true)
            try data.setReceiveHighWaterMark(64)
            try data.setMaxMessageSize(Int64(maxMessageBytes))
            try data.setHeartbeat(intervalMs: 200, timeoutMs: 600, ttlMs: 600)
            control = try ZMQSocket(context, .dealer)
            try control.setRoutingID("panel-\(options.index)")
            try control.setReconnect(intervalMs: 100, maxMs: 2000)
            try control.setHeartbeat(intervalMs: 200, timeoutMs: 600, ttlMs: 600)
            try control.setMaxMessageSize(Int64(maxMessageBytes))
        } catch {
            throw RuntimeError("\(name): cannot create sockets: \(error)")
        }
        try options.security?.makeClient(control, server: controllerKeyName)
        do { try data.bind(options.bindEndpoint) } catch {
            throw RuntimeError("\(name): cannot bind data endpoint \(options.bindEndpoint): \(error.text)")
        }
        do { try control.connect(options.controllerEndpoint) } catch {
            throw RuntimeError("\(name): cannot connect to controller \(options.controllerEndpoint): \(error.text)")
        }
    }

    /// The endpoint γ reaches this panel at.
    public var dataEndpoint: String {
        options.advertisedEndpoint ?? ((try? data.lastEndpoint()) ?? options.bindEndpoint)
    }

    /// Runs until shut down by the controller or a signal. Returns the process exit status.
    public func run() -> Int32 {
        let status = serveUntilExit()
        if let authenticator {
            log("CURVE: \(authenticator.accepted) handshakes admitted, \(authenticator.rejected) refused (key not configured)")
            authenticator.stop()
        }
        return status
    }

    func serveUntilExit() -> Int32 {
        sendHello()
        var nextHeartbeat = monotonicNanos() + UInt64(options.heartbeatIntervalMs) * 1_000_000
        while true {
            let now = monotonicNanos()
            if now >= nextHeartbeat {
                sendHeartbeat()
                if configuration == nil { sendHello() }  // the controller may have started after us
                if let parent = options.parentPID, parentHasExited(expectedParent: parent) {
                    log("the controller (pid \(parent)) has exited; exiting")
                    return 3
                }
                nextHeartbeat = now + UInt64(options.heartbeatIntervalMs) * 1_000_000
            }
            if options.controllerSilenceMs > 0,
               now - lastControllerContactNs > UInt64(options.controllerSilenceMs) * 1_000_000 {
                log("controller \(options.controllerEndpoint) silent for \(options.controllerSilenceMs) ms; exiting")
                return 4
            }
            if now < faults.partitionedUntilNs {
                // a cut link: read nothing, send nothing, then drop what queued up meanwhile
                usleep(useconds_t(min(50_000, (faults.partitionedUntilNs - now) / 1000 + 1)))
                if monotonicNanos() >= faults.partitionedUntilNs { discardQueuedTraffic() }
                continue
            }
            checkPendingHops(now: now)
            let successorList = successors.sorted { $0.key < $1.key }
            let sockets = [control, data] + successorList.map(\.value)
            let ready: (sockets: [Bool], fileDescriptors: [Bool])
            do {
                var waitNs = nextHeartbeat - min(nextHeartbeat, monotonicNanos())
                if let soonest = pendingHops.values.map(\.deadlineNs).min() {
                    waitNs = min(waitNs, soonest - min(soonest, monotonicNanos()))
                }
                let waitMs = Int(waitNs / 1_000_000) + 1
                ready = try zmqPoll(sockets, fileDescriptors: [signals.fileDescriptor], timeoutMs: waitMs)
            } catch {
                log("poll failed: \(error)")
                return 1
            }
            if ready.fileDescriptors[0] {
                let caught = signals.pending()
                if caught.contains(SIGTERM) || caught.contains(SIGINT) || caught.contains(SIGHUP) { return 0 }
            }
            if ready.sockets[0], let status = drainControl() { return status }
            if ready.sockets[1] { drainData() }
            if let status = pendingExit { return status }
            for (i, entry) in successorList.enumerated() where ready.sockets[2 + i] {
                drainAcks(from: entry.value, panel: entry.key)
            }
        }
    }

    // MARK: control plane

    func sendHello() {
        let hello = Hello(node: "panel", index: Int32(options.index), pid: UInt64(getpid()), version: dmimoVersion,
                          dataEndpoint: dataEndpoint, host: hostName())
        sendControl(.hello, .hello(hello))
    }

    func sendHeartbeat() {
        counters.peakRSSBytes = peakRSSBytes()
        counters.rssBytes = currentRSSBytes()
        sendControl(.heartbeat, .heartbeat(Heartbeat(sentNs: monotonicNanos(), counters: counters)))
    }

    func sendControl(_ type: MessageType, _ body: Body, run: UInt32 = 0, step: UInt32 = 0, attempt: UInt32 = 0) {
        let envelope = Envelope(header: Header(type: type, runID: runID, run: run, step: step, attempt: attempt,
                                               sender: Int32(options.index)), body: body)
        WireCodec.encode(envelope, into: &encodeBuffer)
        do { _ = try control.send(encodeBuffer, dontWait: true) } catch { log("control send failed: \(error)") }
    }

    /// Handles every waiting control message. Returns an exit status to stop.
    func drainControl() -> Int32? {
        while true {
            let message: ZMQMessage?
            do { message = try control.receive(dontWait: true) } catch { log("control receive: \(error)"); return 1 }
            guard let message else { return nil }
            let more = message.more
            let envelope: Envelope
            do { envelope = try WireCodec.decode(message.bytes) } catch {
                count(error)
                if more { try? control.drainRemainingFrames() }
                continue
            }
            if more { try? control.drainRemainingFrames() }
            counters.received += 1
            lastControllerContactNs = monotonicNanos()
            switch envelope.body {
            case .configure(let configure):
                do {
                    computation = try computationFactory(configure, options.index)
                } catch {
                    log("cannot configure: \(error)")
                    return 2
                }
                configuration = configure
                runID = envelope.header.runID
                fronthaul = nil
                if configure.mode != "probe", let config = try? ExperimentConfig.load(yaml: configure.configYAML) {
                    if config.fronthaul.mode == .emulate { fronthaul = config.fronthaul }
                    ackTimeoutNs = UInt64(config.chain.ackTimeoutMs) * 1_000_000
                    hopRetries = config.chain.hopRetries
                }
                latestProcessed = nil
                pendingHops.removeAll()
                processed.removeAll(); processedOrder.removeAll()
                for s in successors.values { s.close() }
                successors.removeAll()
                // connect to the next panels of the chain now, so no step pays for the TCP and ZMTP handshakes
                let panels = configure.dataEndpoints.count
                for offset in 1...max(1, min(2, panels - 1)) where panels > 1 {
                    _ = successor((options.index + offset) % panels)
                }
            case .measurements(let batch):
                guard envelope.header.runID == runID else { counters.droppedWrongRun += 1; continue }
                computation?.store(batch, run: envelope.header.run, step: envelope.header.step)
            case .control(let c):
                let now = monotonicNanos()
                switch c.action {
                case .shutdown: return 0
                case .kill: _exit(137)
                case .partition: faults.partitionedUntilNs = now + UInt64(c.durationMs) * 1_000_000
                case .slow:
                    faults.slowDelayNs = UInt64(c.delayUs) * 1000
                    faults.slowUntilNs = c.durationMs == 0 ? .max : now + UInt64(c.durationMs) * 1_000_000
                case .corrupt: faults.corruptNext = true
                case .duplicate: faults.duplicateNext = true
                case .heal: faults = PanelFaults()
                default: break
                }
            default:
                break
            }
        }
    }

    func count(_ error: WireError) {
        switch error {
        case .wrongVersion: counters.droppedWrongVersion += 1
        default: counters.droppedMalformed += 1
        }
    }

    // MARK: data plane

    func drainData() {
        while true {
            let identity: ZMQMessage?
            do { identity = try data.receive(dontWait: true) } catch { log("data receive: \(error)"); return }
            guard let identity else { return }
            let sender = identity.array
            guard identity.more, let payload = try? data.receive(dontWait: false) else {
                counters.droppedMalformed += 1
                continue
            }
            let recvNs = monotonicNanos()
            let envelope: Envelope
            do { envelope = try WireCodec.decode(payload.bytes) } catch {
                count(error)
                if payload.more { try? data.drainRemainingFrames() }
                // a node of another protocol version gets a Pong in ours, so `chain-controller check` can name it
                if case .wrongVersion = error { answerPing(sender, Ping(sentNs: 0, seq: 0)) }
                continue
            }
            if payload.more { try? data.drainRemainingFrames() }
            counters.received += 1
            if envelope.header.type == .ping, case .ping(let ping) = envelope.body {
                answerPing(sender, ping)
                continue
            }
            guard configuration != nil, envelope.header.runID == runID else { counters.droppedWrongRun += 1; continue }
            switch envelope.body {
            case .stepStart(let start):
                acknowledge(sender, envelope.header, hop: start.hop, recvNs: recvNs)
                let gamma = Gamma(route: start.route, hop: start.hop, particles: start.prior, skipped: start.skipped,
                                  checksum: start.checksum, reset: start.reset)
                handle(gamma, header: envelope.header, recvNs: recvNs, payloadBytes: payload.count, rawRecvNs: recvNs)
            case .gamma(let gamma):
                acknowledge(sender, envelope.header, hop: gamma.hop, recvNs: recvNs)
                let arrival = emulateFronthaul(gamma, rawRecvNs: recvNs, bytes: payload.count)
                handle(gamma, header: envelope.header, recvNs: arrival, payloadBytes: payload.count, rawRecvNs: recvNs)
            default:
                counters.droppedMalformed += 1
            }
        }
    }

    /// Answers a reachability check: a PONG with this node's software version, protocol version and run id.
    func answerPing(_ sender: [UInt8], _ ping: Ping) {
        let text = "dmimo-chain \(dmimoVersion) panel \(options.index) run-id \(runID)"
        let pong = Envelope(header: Header(type: .pong, runID: runID, sender: Int32(options.index)),
                            body: .ping(Ping(sentNs: ping.sentNs, seq: ping.seq, payload: Array(text.utf8))))
        _ = try? data.send(frames: [sender, WireCodec.encode(pong)])
    }

    /// Drops everything that arrived while the link was cut.
    func discardQueuedTraffic() {
        for socket in [data, control] + Array(successors.values) {
            while let message = try? socket.receive(dontWait: true) { _ = consume message }
        }
        pendingHops.removeAll()
    }

    func acknowledge(_ sender: [UInt8], _ header: Header, hop: UInt32, recvNs: UInt64) {
        let ack = Envelope(header: Header(type: .hopAck, runID: runID, run: header.run, step: header.step,
                                          attempt: header.attempt, sender: Int32(options.index)),
                           body: .hopAck(HopAck(hop: hop, recvNs: recvNs)))
        do { _ = try data.send(frames: [sender, WireCodec.encode(ack)]) } catch {
            // the sender went away; it will time out and skip us
        }
    }

    static func stepKey(run: UInt32, step: UInt32) -> UInt64 { UInt64(run) << 32 | UInt64(step) }
    static func hopKey(run: UInt32, step: UInt32, hop: UInt32) -> UInt64 {
        UInt64(run) << 40 ^ UInt64(step) << 12 ^ UInt64(hop)
    }

    /// Fronthaul emulation: holds a panel-to-panel hop until the modelled link time (8·bytes/rate + per-transfer
    /// latency) has passed since the sender's send stamp. A hop that already took longer is left as it is (the
    /// report counts it). Needs the sender's and this panel's monotonic clocks to agree (one host, or PTP).
    /// - Returns: the arrival time to record.
    func emulateFronthaul(_ gamma: Gamma, rawRecvNs: UInt64, bytes: Int) -> UInt64 {
        guard let fronthaul, let previous = gamma.timings.last else { return rawRecvNs }
        let target = previous.sendNs &+ UInt64(fronthaul.modelledNs(bytes: bytes).rounded(.up))
        guard target > rawRecvNs else { return rawRecvNs }
        while monotonicNanos() < target {}  // sub-microsecond precision: a sleep would overshoot by ~50 µs
        return target
    }

    func handle(_ incoming: Gamma, header: Header, recvNs: UInt64, payloadBytes: Int, rawRecvNs: UInt64) {
        let key = Self.stepKey(run: header.run, step: header.step)
        guard Int(incoming.hop) < incoming.route.count, incoming.route[Int(incoming.hop)] == Int32(options.index),
              incoming.particles.isConsistent, computation != nil else {
            counters.droppedMalformed += 1
            return
        }
        if processed.contains(key) {
            counters.duplicates += 1
            // A re-issued attempt of a step this panel already processed: hand γ on unchanged (its state has
            // already taken this step's measurements), listed as skipped. The same attempt twice: drop it.
            if header.attempt > processedAttempt[key, default: 0] {
                processedAttempt[key] = header.attempt
                var passed = incoming
                passed.skipped.append(Int32(options.index))
                forward(passed, header: header, output: PanelOutput(), timing: HopTiming(panel: Int32(options.index),
                        recvNs: recvNs, computeDoneNs: recvNs, linkBytes: UInt32(payloadBytes), rawRecvNs: rawRecvNs))
            }
            return
        }
        if let latest = latestProcessed, key < latest { counters.droppedStale += 1; return }
        processed.insert(key)
        processedAttempt[key] = header.attempt
        processedOrder.append(key)
        if processedOrder.count > 4096 {
            let old = processedOrder.removeFirst()
            processed.remove(old)
            processedAttempt.removeValue(forKey: old)
        }
        // A panel that missed the previous step of this run (stopped, cut off, restarted) rejoins with fresh state.
        let missedPrevious = latestProcessed.map { $0 >> 32 == key >> 32 && $0 + 1 < key } ?? (header.step > 0)
        latestProcessed = key
        if computation?.isReady(run: header.run, step: header.step) == false {
            waitForMeasurements(run: header.run, step: header.step)
        }
        // move the computation out while it works, so its buffers are never shared (no copy-on-write)
        guard var computation = self.computation.take() else { return }
        var gamma = incoming
        // the first panel that processes a step applies the motion model, whoever was skipped before it
        let firstOfRoute = incoming.route[..<Int(incoming.hop)].allSatisfy { incoming.skipped.contains($0) }
        let output = computation.process(particles: &gamma.particles, run: header.run, step: header.step,
                                         isFirstOfRoute: firstOfRoute, reset: incoming.reset || missedPrevious,
                                         checksum: incoming.checksum)
        self.computation = computation
        if output.checksumError { counters.checksumErrors += 1 }
        if let report = output.report { gamma.reports.append(report) }
        let timing = HopTiming(panel: Int32(options.index), recvNs: recvNs, computeDoneNs: monotonicNanos(),
                               padNs: elapsedNs(from: rawRecvNs, to: recvNs), measurements: output.measurements,
                               linkBytes: UInt32(payloadBytes), rawRecvNs: rawRecvNs)
        forward(gamma, header: header, output: output, timing: timing)
    }

    /// Sends γ to the next panel of the route, or the step result to the controller after the last one.
    func forward(_ processed: Gamma, header: Header, output: PanelOutput, timing incomingTiming: HopTiming) {
        var gamma = processed
        var timing = incomingTiming
        if faults.slowDelayNs > 0 && monotonicNanos() < faults.slowUntilNs {
            let until = monotonicNanos() + faults.slowDelayNs
            while monotonicNanos() < until { usleep(useconds_t(min(1000, (until - min(until, monotonicNanos())) / 1000))) }
        }
        var outHeader = header
        outHeader.sender = Int32(options.index)
        let nextHop = Int(gamma.hop) + 1
        if output.estimate != nil { lastEstimate = output.estimate }
        if nextHop < gamma.route.count {
            let next = Int(gamma.route[nextHop])
            gamma.hop = UInt32(nextHop)
            gamma.checksum = output.checksumError ? 0 : particleChecksum(gamma.particles)
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            outHeader.type = .gamma
            send(Envelope(header: outHeader, body: .gamma(gamma)), toPanel: next, hop: UInt32(nextHop))
        } else {
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            sendResult(gamma, header: header, estimate: output.estimate)
        }
    }

    /// The step result from the last live panel of the route.
    func sendResult(_ gamma: Gamma, header: Header, estimate: SIMD4<Double>?) {
        let e = estimate ?? .zero
        let result = StepResult(
            estX: e.x, estY: e.y, estVX: e.z, estVY: e.w,
            posterior: gamma.particles, timings: gamma.timings,
            contributed: gamma.route.filter { !gamma.skipped.contains($0) }, skipped: gamma.skipped,
            reports: gamma.reports, outcome: gamma.skipped.isEmpty ? .delivered : .degraded,
            checksum: particleChecksum(gamma.particles))
        sendControl(.stepResult, .stepResult(result), run: header.run, step: header.step, attempt: header.attempt)
        counters.forwarded += 1
    }

    /// Waits (bounded) on the control socket for the measurement batch of (run, step), which is sent ahead of γ
    /// on another connection and may still be in flight.
    func waitForMeasurements(run: UInt32, step: UInt32) {
        let deadline = monotonicNanos() + UInt64(options.measurementWaitMs) * 1_000_000
        while computation?.isReady(run: run, step: step) == false {
            let now = monotonicNanos()
            guard now < deadline else {
                counters.missingMeasurements += 1
                log("no measurements for run \(run) step \(step) within \(options.measurementWaitMs) ms; updating without")
                return
            }
            guard let ready = try? zmqPoll([control], timeoutMs: Int((deadline - now) / 1_000_000) + 1), ready[0] else { continue }
            if let status = drainControl() { pendingExit = status; return }
        }
    }

    func successor(_ panel: Int) -> ZMQSocket? {
        if let s = successors[panel] { return s }
        guard let endpoints = configuration?.dataEndpoints, panel >= 0, panel < endpoints.count else { return nil }
        do {
            let s = try ZMQSocket(context, .dealer)
            try s.setRoutingID("panel-\(options.index)")
            try s.setSendHighWaterMark(16)
            try s.setReconnect(intervalMs: 100, maxMs: 2000)
            try s.setHeartbeat(intervalMs: 200, timeoutMs: 600, ttlMs: 600)
            try options.security?.makeClient(s, server: panelKeyName(panel))
            try s.connect(endpoints[panel])
            successors[panel] = s
            return s
        } catch {
            log("cannot connect to panel \(panel) at \(endpoints[panel]): \(error)")
            return nil
        }
    }

    func send(_ envelope: Envelope, toPanel next: Int, hop: UInt32) {
        let header = envelope.header
        let key = Self.hopKey(run: header.run, step: header.step, hop: hop)
        let now = monotonicNanos()
        pendingHops[key] = PendingHop(envelope: envelope, to: next, sendNs: now, deadlineNs: now + ackTimeoutNs,
                                      resends: 0, bytes: 0)
        transmit(key)
    }

    /// Puts a pending hop on the wire (again).
    func transmit(_ key: UInt64) {
        guard let hop = pendingHops[key], let socket = successor(hop.to) else { return }
        WireCodec.encode(hop.envelope, into: &encodeBuffer)
        var bytes = encodeBuffer
        if faults.corruptNext {
            faults.corruptNext = false
            var garbage = RandomStream(seed: UInt64(hop.envelope.header.step), step: Int(hop.envelope.header.run),
                                       panel: UInt32(options.index), purpose: .faults)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: garbage.nextUInt32()) }
        }
        let copies = faults.duplicateNext ? 2 : 1
        faults.duplicateNext = false
        let sendNs = monotonicNanos()
        pendingHops[key]?.sendNs = sendNs
        pendingHops[key]?.deadlineNs = sendNs + ackTimeoutNs
        pendingHops[key]?.bytes = bytes.count
        for _ in 0..<copies {
            do {
                if try socket.send(bytes, dontWait: true) { counters.forwarded += 1 }
                // not queued (peer gone, queue full): the deadline will resend or skip
            } catch {
                log("send to panel \(hop.to) failed: \(error)")
            }
        }
    }

    /// Resends hops whose acknowledgement is overdue, then skips their silent receiver.
    func checkPendingHops(now: UInt64) {
        for (key, hop) in pendingHops where hop.deadlineNs <= now {
            if hop.resends < hopRetries {
                pendingHops[key]?.resends += 1
                transmit(key)
                continue
            }
            pendingHops.removeValue(forKey: key)
            guard case .gamma(var gamma) = hop.envelope.body else { continue }
            log("panel \(hop.to) silent for run \(hop.envelope.header.run) step \(hop.envelope.header.step); skipping it")
            gamma.skipped.append(Int32(hop.to))
            let nextHop = Int(gamma.hop) + 1
            if nextHop < gamma.route.count {
                gamma.hop = UInt32(nextHop)
                var envelope = hop.envelope
                envelope.body = .gamma(gamma)
                send(envelope, toPanel: Int(gamma.route[nextHop]), hop: UInt32(nextHop))
            } else {
                // the silent panel was the last one: this panel's own estimate is the step's estimate
                sendResult(gamma, header: hop.envelope.header, estimate: lastEstimate)
            }
        }
    }

    func drainAcks(from socket: ZMQSocket, panel: Int) {
        while let message = try? socket.receive(dontWait: true) {
            let now = monotonicNanos()
            guard let envelope = try? WireCodec.decode(message.bytes), case .hopAck(let ack) = envelope.body,
                  envelope.header.runID == runID else {
                counters.droppedMalformed += 1
                continue
            }
            let key = Self.hopKey(run: envelope.header.run, step: envelope.header.step, hop: ack.hop)
            guard let sent = pendingHops.removeValue(forKey: key) else { continue }
            let report = LinkReport(fromPanel: Int32(options.index), toPanel: Int32(sent.to), rttNs: elapsedNs(from: sent.sendNs, to: now),
                                    bytes: UInt32(sent.bytes), sendNs: sent.sendNs)
            sendControl(.linkReport, .linkReport(report), run: envelope.header.run, step: envelope.header.step)
        }
    }

    func log(_ text: String) {
        var line = "panel-node \(options.index): \(text)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
