// PanelNode: the panel-node process — receive γ, acknowledge, compute, forward to the next panel or the controller.
import Config
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

/// One panel process: the socket-owning loop. Not thread-safe; runs on the thread that calls ``run()``.
public final class PanelNode {
    let options: PanelNodeOptions
    let context: ZMQContext
    let control: ZMQSocket
    let data: ZMQSocket
    let signals: SignalWatcher
    var successors: [Int: ZMQSocket] = [:]
    var configuration: Configure?
    var runID: UInt64 = 0
    var computation: (any PanelComputation)?
    public private(set) var counters = NodeCounters()
    /// (run, step) already processed: each is processed at most once.
    var processed = Set<UInt64>()
    var processedOrder: [UInt64] = []
    /// Hops sent and not yet acknowledged: key (run, step, hop) → (send time, bytes, receiving panel).
    var unacknowledged: [UInt64: (sendNs: UInt64, bytes: Int, to: Int)] = [:]
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
        do {
            context = try ZMQContext()
            data = try ZMQSocket(context, .router)
            try data.setRouterMandatory(true)
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
            let successorList = successors.sorted { $0.key < $1.key }
            let sockets = [control, data] + successorList.map(\.value)
            let ready: (sockets: [Bool], fileDescriptors: [Bool])
            do {
                let waitMs = Int((nextHeartbeat - min(nextHeartbeat, monotonicNanos())) / 1_000_000) + 1
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
                if configure.mode != "probe", let config = try? ExperimentConfig.load(yaml: configure.configYAML),
                   config.fronthaul.mode == .emulate {
                    fronthaul = config.fronthaul
                }
                processed.removeAll(); processedOrder.removeAll(); unacknowledged.removeAll()
                for s in successors.values { s.close() }
                successors.removeAll()
            case .measurements(let batch):
                guard envelope.header.runID == runID else { counters.droppedWrongRun += 1; continue }
                computation?.store(batch, run: envelope.header.run, step: envelope.header.step)
            case .control(let c) where c.action == .shutdown:
                return 0
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
                continue
            }
            if payload.more { try? data.drainRemainingFrames() }
            counters.received += 1
            guard configuration != nil, envelope.header.runID == runID else { counters.droppedWrongRun += 1; continue }
            switch envelope.body {
            case .stepStart(let start):
                acknowledge(sender, envelope.header, hop: 0, recvNs: recvNs)
                let gamma = Gamma(route: start.route, hop: 0, particles: start.prior, checksum: start.checksum,
                                  reset: start.reset)
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
        guard !processed.contains(key) else { counters.duplicates += 1; return }
        guard Int(incoming.hop) < incoming.route.count, incoming.route[Int(incoming.hop)] == Int32(options.index),
              incoming.particles.isConsistent, computation != nil else {
            counters.droppedMalformed += 1
            return
        }
        processed.insert(key)
        processedOrder.append(key)
        if processedOrder.count > 4096 { processed.remove(processedOrder.removeFirst()) }
        if computation?.isReady(run: header.run, step: header.step) == false {
            waitForMeasurements(run: header.run, step: header.step)
        }
        // move the computation out while it works, so its buffers are never shared (no copy-on-write)
        guard var computation = self.computation.take() else { return }
        var gamma = incoming
        let output = computation.process(particles: &gamma.particles, run: header.run, step: header.step,
                                         isFirstOfRoute: incoming.hop == 0, reset: incoming.reset,
                                         checksum: incoming.checksum)
        self.computation = computation
        if output.checksumError { counters.checksumErrors += 1 }
        let computeDoneNs = monotonicNanos()
        if let report = output.report { gamma.reports.append(report) }
        var timing = HopTiming(panel: Int32(options.index), recvNs: recvNs, computeDoneNs: computeDoneNs,
                               padNs: recvNs &- rawRecvNs, measurements: output.measurements,
                               linkBytes: UInt32(payloadBytes), rawRecvNs: rawRecvNs)
        let nextHop = Int(incoming.hop) + 1
        var outHeader = header
        outHeader.sender = Int32(options.index)
        if nextHop < gamma.route.count {
            let next = Int(gamma.route[nextHop])
            gamma.hop = UInt32(nextHop)
            gamma.checksum = output.checksumError ? 0 : particleChecksum(gamma.particles)
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            outHeader.type = .gamma
            send(Envelope(header: outHeader, body: .gamma(gamma)), toPanel: next, header: header, hop: UInt32(nextHop))
        } else {
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            let estimate = output.estimate ?? .zero
            let result = StepResult(
                estX: estimate.x, estY: estimate.y, estVX: estimate.z, estVY: estimate.w,
                posterior: gamma.particles, timings: gamma.timings,
                contributed: gamma.route.filter { !gamma.skipped.contains($0) }, skipped: gamma.skipped,
                reports: gamma.reports, outcome: gamma.skipped.isEmpty ? .delivered : .degraded,
                checksum: particleChecksum(gamma.particles))
            sendControl(.stepResult, .stepResult(result), run: header.run, step: header.step, attempt: header.attempt)
            counters.forwarded += 1
        }
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
            try s.connect(endpoints[panel])
            successors[panel] = s
            return s
        } catch {
            log("cannot connect to panel \(panel) at \(endpoints[panel]): \(error)")
            return nil
        }
    }

    func send(_ envelope: Envelope, toPanel next: Int, header: Header, hop: UInt32) {
        guard let socket = successor(next) else { return }
        WireCodec.encode(envelope, into: &encodeBuffer)
        let sendNs = monotonicNanos()
        do {
            if try socket.send(encodeBuffer, dontWait: true) == false {
                // queue full or not yet connected: wait briefly for the link
                try socket.setSendTimeout(milliseconds: 2000)
                if try socket.send(encodeBuffer, dontWait: false) == false {
                    log("panel \(next) did not take step \(header.step) within 2 s")
                    return
                }
            }
            counters.forwarded += 1
            unacknowledged[Self.hopKey(run: header.run, step: header.step, hop: hop)] =
                (sendNs, encodeBuffer.count, next)
            if unacknowledged.count > 1024 { unacknowledged.removeAll() }
        } catch {
            log("send to panel \(next) failed: \(error)")
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
            guard let sent = unacknowledged.removeValue(forKey: key) else { continue }
            let report = LinkReport(fromPanel: Int32(options.index), toPanel: Int32(sent.to), rttNs: now - sent.sendNs,
                                    bytes: UInt32(sent.bytes), sendNs: sent.sendNs)
            sendControl(.linkReport, .linkReport(report), run: envelope.header.run, step: envelope.header.step)
        }
    }

    func log(_ text: String) {
        var line = "panel-node \(options.index): \(text)\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
