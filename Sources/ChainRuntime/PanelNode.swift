// PanelNode: the panel-node process — receive γ, acknowledge, compute, forward to the next panel or the controller.
import ChainProtocol
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
    public var heartbeatIntervalMs = LinkSettings.panelHeartbeatIntervalMs
    /// Exit when the controller has been silent for this long, milliseconds (0 = never).
    public var controllerSilenceMs: Int = 0
    /// Exit when this process (the controller that spawned us) is gone.
    public var parentPID: Int32?
    /// Longest wait for a step's measurement batch once its γ has arrived, milliseconds, until a Configure message
    /// sets it.
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

/// A γ as it arrived at this panel: header, payload and arrival stamps.
struct ArrivedGamma: Sendable {
    var gamma: Gamma
    var header: Header
    /// Arrival time to record (after fronthaul emulation), ns.
    var recvNs: UInt64
    /// Encoded size of the message, bytes.
    var payloadBytes: Int
    /// Arrival time as read from the socket, ns.
    var rawRecvNs: UInt64

    var step: StepID { StepID(run: header.run, step: header.step) }
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
    /// Makes this panel's sockets (options and CURVE keys by role).
    let sockets: ChainSockets
    let control: ZMQSocket
    let data: ZMQSocket
    let signals: SignalWatcher
    /// The ZAP handler admitting only the configured keys (CURVE on).
    let authenticator: CurveAuthenticator?
    var successors: [Int: ZMQSocket] = [:]
    var configuration: Configure?
    var computation: (any PanelComputation)?
    public private(set) var counters = NodeCounters()
    /// The inbound rules: run id, duplicates, re-issued attempts, stale steps, the γ held for its measurements.
    var inbound: PanelInbound<ArrivedGamma>
    /// γ released by its measurement batch while the control plane was drained, processed right after.
    var released: [GammaVerdict<ArrivedGamma>] = []
    /// The estimate of the last step this panel processed (used when its successor was the silent last panel).
    var lastEstimate: SIMD4<Double>?
    /// Acknowledgement deadline and resends of a hop (from the configuration's `chain` section).
    var hopSettings = HopSettings(ackTimeoutNs: 100_000_000, retries: 1)
    /// Hops sent and not yet acknowledged: kept until acknowledged, resent, then their receiver skipped.
    var hops: HopSender<Envelope>
    /// Injected faults.
    var faults = PanelFaults()
    var encodeBuffer: [UInt8] = []
    var lastControllerContactNs = monotonicNanos()
    let computationFactory: (Configure, Int) throws -> any PanelComputation
    /// The modelled fronthaul when hops are emulated (nil: raw links).
    var fronthaul: FronthaulSection?

    /// Binds the data socket and connects to the controller.
    /// - Parameter makeComputation: builds the panel's computation from the controller's Configure message.
    public init(options: PanelNodeOptions, signals: SignalWatcher,
                makeComputation: @escaping (Configure, Int) throws -> any PanelComputation) throws(RuntimeError) {
        self.options = options
        self.signals = signals
        self.computationFactory = makeComputation
        inbound = PanelInbound(panel: Int32(options.index), measurementWaitNs: UInt64(options.measurementWaitMs) * 1_000_000)
        hops = HopSender(settings: hopSettings)
        let name = "panel \(options.index)"
        do { context = try ZMQContext() } catch { throw RuntimeError("\(name): cannot create a ZeroMQ context: \(error)") }
        authenticator = try options.security?.startAuthenticator(context)
        sockets = ChainSockets(context: context, security: options.security)
        data = try sockets.make(.panelData)
        control = try sockets.make(.panelControl(panel: options.index))
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

    /// Run id of the configuration this panel works for (0: not configured).
    var runID: UInt64 { inbound.runID ?? 0 }

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
            execute(hops.onTick(now: now))
            if let verdict = inbound.onTick(now: now) { execute(verdict) }
            // while a γ waits for its measurements, no further γ is read
            let readsData = !inbound.isHolding
            let successorList = successors.sorted { $0.key < $1.key }
            let sockets = [control] + (readsData ? [data] : []) + successorList.map(\.value)
            let firstSuccessor = readsData ? 2 : 1
            let ready: (sockets: [Bool], fileDescriptors: [Bool])
            do {
                var waitNs = nextHeartbeat - min(nextHeartbeat, monotonicNanos())
                for deadline in [hops.nextDeadlineNs, inbound.holdDeadlineNs].compactMap({ $0 }) {
                    waitNs = min(waitNs, deadline - min(deadline, monotonicNanos()))
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
            if ready.sockets[0] {
                if let status = drainControl() { return status }
                let verdicts = released
                released.removeAll()
                for verdict in verdicts { execute(verdict) }
            }
            if readsData && ready.sockets[1] { drainData() }
            for (i, entry) in successorList.enumerated() where ready.sockets[firstSuccessor + i] {
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
                let waitNs = configure.measurementWaitMs > 0 ? UInt64(configure.measurementWaitMs) * 1_000_000 : nil
                inbound.configure(runID: envelope.header.runID, measurementWaitNs: waitNs)
                released.removeAll()
                fronthaul = configure.fronthaul.emulate ? configure.fronthaul.section : nil
                // the probe uses the acknowledgement deadline and resends it is configured with, like the filter
                hopSettings = HopSettings(ackTimeoutNs: UInt64(configure.ackTimeoutMs) * 1_000_000,
                                          retries: Int(configure.hopRetries))
                hops = HopSender(settings: hopSettings)
                for s in successors.values { s.close() }
                successors.removeAll()
                // connect to the next panels of the chain now, so no step pays for the TCP and ZMTP handshakes
                let panels = configure.dataEndpoints.count
                for offset in 1...max(1, min(2, panels - 1)) where panels > 1 {
                    _ = successor((options.index + offset) % panels)
                }
            case .measurements(let batch):
                guard inbound.admits(runID: envelope.header.runID) else { counters.droppedWrongRun += 1; continue }
                computation?.store(batch, run: envelope.header.run, step: envelope.header.step)
                let step = StepID(run: envelope.header.run, step: envelope.header.step)
                if let verdict = inbound.measurementsArrived(for: step) { released.append(verdict) }
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
        // not acknowledged: the sender resends or skips this panel, as for a lost hop
        case .checksumMismatch: counters.checksumErrors += 1
        default: counters.droppedMalformed += 1
        }
    }

    // MARK: data plane

    /// Reads γ (and pings) until the socket is empty or a γ is held for its measurements.
    func drainData() {
        while !inbound.isHolding {
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
            guard inbound.admits(runID: envelope.header.runID) else { counters.droppedWrongRun += 1; continue }
            switch envelope.body {
            case .gamma(let gamma):
                acknowledge(sender, envelope.header, hop: gamma.hop, recvNs: recvNs)
                let arrival = emulateFronthaul(gamma, rawRecvNs: recvNs, bytes: payload.count)
                receive(ArrivedGamma(gamma: gamma, header: envelope.header, recvNs: arrival, payloadBytes: payload.count,
                                     rawRecvNs: recvNs))
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
        hops.removeAll()
    }

    func acknowledge(_ sender: [UInt8], _ header: Header, hop: UInt32, recvNs: UInt64) {
        let ack = Envelope(header: Header(type: .hopAck, runID: runID, run: header.run, step: header.step,
                                          attempt: header.attempt, sender: Int32(options.index)),
                           body: .hopAck(HopAck(hop: hop, recvNs: recvNs)))
        do { _ = try data.send(frames: [sender, WireCodec.encode(ack)]) } catch {
            // the sender went away; it will time out and skip us
        }
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

    /// Applies the inbound rules to an arriving γ and executes the verdict.
    func receive(_ arrived: ArrivedGamma) {
        let gamma = arrived.gamma
        let inboundGamma = InboundGamma(
            step: arrived.step, attempt: arrived.header.attempt, route: gamma.route, hop: Int(gamma.hop),
            skipped: gamma.skipped, reset: gamma.reset,
            wellFormed: gamma.particles.isConsistent && computation?.accepts(particleCount: gamma.particles.count) == true,
            measurementsReady: computation?.isReady(run: arrived.header.run, step: arrived.header.step) ?? true)
        execute(inbound.onGamma(inboundGamma, payload: arrived, now: monotonicNanos()))
    }

    /// Executes an inbound verdict: count a dropped γ, hand a re-issued one on, or run the panel update.
    func execute(_ verdict: GammaVerdict<ArrivedGamma>) {
        switch verdict {
        case .drop(.malformed): counters.droppedMalformed += 1
        case .drop(.duplicate): counters.duplicates += 1
        case .drop(.stale): counters.droppedStale += 1
        case .hold: break
        case .handOn(let arrived):
            // a re-issued attempt of a step this panel already processed: γ goes on unchanged, listed as skipped
            counters.duplicates += 1
            var passed = arrived.gamma
            passed.skipped.append(Int32(options.index))
            forward(passed, header: arrived.header, output: PanelOutput(), timing: HopTiming(
                panel: Int32(options.index), recvNs: arrived.recvNs, computeDoneNs: arrived.recvNs,
                linkBytes: UInt32(arrived.payloadBytes), rawRecvNs: arrived.rawRecvNs))
        case .process(let order, let arrived):
            process(arrived, order)
        }
    }

    /// Runs the panel update on γ and forwards it.
    func process(_ arrived: ArrivedGamma, _ order: ProcessOrder) {
        let header = arrived.header
        if order.measurementsMissing {
            counters.missingMeasurements += 1
            log("no measurements for run \(header.run) step \(header.step) within \(inbound.measurementWaitNs / 1_000_000) ms; updating without")
        }
        // move the computation out while it works, so its buffers are never shared (no copy-on-write)
        guard var computation = self.computation.take() else { return }
        var gamma = arrived.gamma
        let output = computation.process(particles: &gamma.particles, run: header.run, step: header.step,
                                         isFirstOfRoute: order.isFirstOfRoute, reset: order.resetState)
        self.computation = computation
        if let report = output.report { gamma.reports.append(report) }
        let timing = HopTiming(panel: Int32(options.index), recvNs: arrived.recvNs, computeDoneNs: monotonicNanos(),
                               padNs: elapsedNs(from: arrived.rawRecvNs, to: arrived.recvNs),
                               measurements: output.measurements, linkBytes: UInt32(arrived.payloadBytes),
                               rawRecvNs: arrived.rawRecvNs)
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
            gamma.hop = UInt32(nextHop)
            gamma.checksum = particleChecksum(gamma.particles)
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            outHeader.type = .gamma
            execute([hops.send(Envelope(header: outHeader, body: .gamma(gamma)),
                               step: StepID(run: header.run, step: header.step), route: gamma.route, hop: nextHop,
                               skipped: gamma.skipped, now: monotonicNanos())])
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

    func successor(_ panel: Int) -> ZMQSocket? {
        if let s = successors[panel] { return s }
        guard let endpoints = configuration?.dataEndpoints, panel >= 0, panel < endpoints.count else { return nil }
        do {
            let s = try sockets.make(.panelToSuccessor(from: options.index, to: panel))
            try s.connect(endpoints[panel])
            successors[panel] = s
            return s
        } catch {
            log("cannot connect to panel \(panel) at \(endpoints[panel]): \(error)")
            return nil
        }
    }

    /// Executes the hop sender's directives: transmit (again), log a skipped successor, or end the step here.
    func execute(_ directives: [HopDirective<Envelope>]) {
        for directive in directives {
            switch directive {
            case .transmit(let flight, let envelope):
                transmit(flight, envelope)
            case .skip(let receiver, let hop):
                log("panel \(receiver) silent for run \(hop.step.run) step \(hop.step.step); skipping it")
            case .routeExhausted(let flight, let envelope):
                // the silent panel was the last one: this panel's own estimate is the step's estimate
                guard case .gamma(var gamma) = envelope.body else { continue }
                gamma.skipped = flight.skipped
                sendResult(gamma, header: envelope.header, estimate: lastEstimate)
            }
        }
    }

    /// Puts a hop on the wire (again), γ carrying the flight's position and skipped panels.
    func transmit(_ flight: HopFlight, _ original: Envelope) {
        guard let socket = successor(Int(flight.receiver)) else { return }
        var envelope = original
        if case .gamma(var gamma) = envelope.body, gamma.hop != UInt32(flight.hop) || gamma.skipped != flight.skipped {
            // the hop goes past a skipped receiver
            gamma.hop = UInt32(flight.hop)
            gamma.skipped = flight.skipped
            envelope.body = .gamma(gamma)
        }
        WireCodec.encode(envelope, into: &encodeBuffer)
        var bytes = encodeBuffer
        if faults.corruptNext {
            faults.corruptNext = false
            var garbage = RandomStream(seed: UInt64(envelope.header.step), step: Int(envelope.header.run),
                                       panel: UInt32(options.index), purpose: .faults)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: garbage.nextUInt32()) }
        }
        let copies = faults.duplicateNext ? 2 : 1
        faults.duplicateNext = false
        hops.sent(flight.id, at: monotonicNanos(), bytes: bytes.count)
        for _ in 0..<copies {
            do {
                if try socket.send(bytes, dontWait: true) { counters.forwarded += 1 }
                // not queued (peer gone, queue full): the deadline will resend or skip
            } catch {
                log("send to panel \(flight.receiver) failed: \(error)")
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
            let hop = HopID(step: StepID(run: envelope.header.run, step: envelope.header.step), hop: Int(ack.hop))
            guard let sent = hops.acknowledged(hop, by: Int32(panel)) else { continue }
            let report = LinkReport(fromPanel: Int32(options.index), toPanel: Int32(panel),
                                    rttNs: elapsedNs(from: sent.sentNs, to: now), bytes: UInt32(sent.bytes),
                                    sendNs: sent.sentNs)
            sendControl(.linkReport, .linkReport(report), run: envelope.header.run, step: envelope.header.step)
        }
    }

    func log(_ text: String) {
        var line = "panel-node \(options.index): \(text)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
