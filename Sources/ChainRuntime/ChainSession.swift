// ChainSession: the controller's side of a chain — its sockets, control and data sends, and the events it polls.
import ChainLog
import ChainProtocol
import Logging
import Config
import Wire
import ZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// Something that happened on the controller's sockets.
public enum SessionEvent {
    /// A message from panel `panel` on the control plane.
    case control(panel: Int, Envelope)
    /// An acknowledgement (or other reply) on the controller's data link into `panel`.
    case data(panel: Int, Envelope, receivedNs: UInt64)
    /// A spawned panel process ended.
    case panelExited(panel: Int, ChildExit)
    /// SIGINT, SIGTERM or SIGHUP arrived.
    case interrupted(Int32)
    /// A live fault command on the admin endpoint (`chain-controller fault`); answer it with ``ChainSession/reply(admin:_:)``.
    case admin(Control, from: [UInt8])
}

/// The controller's connection to J panels.
public final class ChainSession {
    public let options: SessionOptions
    let context: ZMQContext
    /// Makes the controller's sockets (options and CURVE keys by role).
    let sockets: ChainSockets
    let control: ZMQSocket
    let admin: ZMQSocket?
    let signals: SignalWatcher
    /// The ZAP handler admitting only the configured keys (CURVE on).
    let authenticator: CurveAuthenticator?
    public let children = ChildProcesses()
    var childPanel: [pid_t: Int] = [:]
    var dataLinks: [Int: ZMQSocket] = [:]
    /// Data endpoint of every panel, index k.
    public internal(set) var dataEndpoints: [String]
    /// The process behind each panel: tells a late Hello from a restarted panel.
    var incarnations: PanelIncarnations
    /// Host each panel reported.
    public var panelHosts: [String] { incarnations.hosts }
    /// Process id each panel reported.
    public var panelPIDs: [UInt64] { incarnations.pids }
    /// Last heartbeat counters of every panel.
    public internal(set) var panelCounters: [NodeCounters]
    /// Monotonic time of the last message from each panel.
    public internal(set) var lastHeard: [UInt64]
    /// The endpoint panels connect to.
    public private(set) var controlEndpoint = ""
    var encodeBuffer: [UInt8] = []
    /// Messages the controller itself dropped (undecodable or from another run).
    public internal(set) var dropped: UInt64 = 0
    var started = false
    /// Where the controller and each spawned panel run (chain.cpu_placement; unpinned until `start`).
    public internal(set) var placement = CPUPlacement(controller: nil, panels: [])
    /// Panels that said Hello again after start-up (restarted), oldest first; the runner consumes it.
    public var rejoined: [Int] = []
    /// Each panel's clock offset to the controller, from the stamped PONGs on its data link.
    var clockEstimators: [ClockOffsetEstimator]
    /// Stamped PONGs taken from each panel.
    public internal(set) var clockExchanges: [Int]
    /// When the next clock exchange of the run is due (controller clock), ns, and with which panel.
    var nextClockPingNs: UInt64 = 0
    var nextClockPanel = 0

    /// Whether a Hello that arrives after start-up means the panel restarted (``PanelIncarnations``): a new pid or
    /// host, or a Hello after the panel was heard configured (e.g. pid 1 in a restarted container).
    public static func helloIsRestart(pid: UInt64, host: String, knownPID: UInt64, knownHost: String,
                                      heardConfigured: Bool) -> Bool {
        PanelIncarnations.helloIsRestart(pid: pid, host: host, knownPID: knownPID, knownHost: knownHost,
                                         heardConfigured: heardConfigured)
    }

    public init(options: SessionOptions, signals: SignalWatcher) throws(RuntimeError) {
        precondition(options.panels >= 1)
        self.options = options
        self.signals = signals
        dataEndpoints = options.panelEndpoints ?? Array(repeating: "", count: options.panels)
        incarnations = PanelIncarnations(panels: options.panels)
        panelCounters = Array(repeating: NodeCounters(), count: options.panels)
        lastHeard = Array(repeating: 0, count: options.panels)
        clockEstimators = Array(repeating: ClockOffsetEstimator(), count: options.panels)
        clockExchanges = Array(repeating: 0, count: options.panels)
        do { context = try ZMQContext() } catch { throw RuntimeError("controller: cannot create a ZeroMQ context: \(error)") }
        authenticator = try options.security?.startAuthenticator(context)
        sockets = ChainSockets(context: context, security: options.security)
        control = try sockets.make(.controllerControl)
        do { try control.bind(options.controlBind) } catch {
            throw RuntimeError("controller: cannot bind control endpoint \(options.controlBind): \(error.text)")
        }
        let bound = (try? control.lastEndpoint()) ?? options.controlBind
        controlEndpoint = options.controlAdvertised ?? bound
        if let endpoint = options.adminEndpoint {
            do {
                let socket = try sockets.make(.controllerAdmin)
                try socket.bind(endpoint)
                admin = socket
            } catch {
                // live faults are a convenience: the run goes on without them
                ChainLog.controller.warning("no live fault endpoint (\(endpoint): \(error)); scripted faults still work")
                admin = nil
            }
        } else {
            admin = nil
        }
    }

    deinit { shutdown() }

    /// Sends a message to panel `k` over the control plane.
    public func sendControl(toPanel k: Int, _ envelope: Envelope) throws(RuntimeError) {
        WireCodec.encode(envelope, into: &encodeBuffer)
        do {
            if try control.send(frames: [panelRoutingID(k), encodeBuffer]) == false {
                throw RuntimeError("panel \(k) (\(dataEndpoints[k])): control queue full")
            }
        } catch let error as ZMQError {
            if error.isHostUnreachable {
                throw RuntimeError("panel \(k) (\(dataEndpoints[k])) is not connected to the controller")
            }
            throw RuntimeError("panel \(k) (\(dataEndpoints[k])): \(error)")
        } catch let error as RuntimeError { throw error } catch { throw RuntimeError("\(error)") }
    }

    /// Sends a message into panel `k`'s data socket (as a hop of the chain). Returns the send time (ns).
    @discardableResult
    public func sendData(toPanel k: Int, _ envelope: Envelope) throws(RuntimeError) -> UInt64 {
        let link: ZMQSocket
        if let existing = dataLinks[k] {
            link = existing
        } else {
            do {
                link = try sockets.make(.controllerToPanel(panel: k))
                try link.connect(dataEndpoints[k])
            } catch {
                throw RuntimeError("panel \(k): cannot connect to data endpoint \(dataEndpoints[k]): \(error)")
            }
            dataLinks[k] = link
        }
        WireCodec.encode(envelope, into: &encodeBuffer)
        let sendNs = monotonicNanos()
        do {
            if try link.send(encodeBuffer, dontWait: true) == false {
                try link.setSendTimeout(milliseconds: 2000)
                if try link.send(encodeBuffer, dontWait: false) == false {
                    throw RuntimeError("panel \(k) (\(dataEndpoints[k])) did not accept data within 2 s")
                }
            }
        } catch let error as ZMQError {
            throw RuntimeError("panel \(k) (\(dataEndpoints[k])): send failed: \(error)")
        } catch let error as RuntimeError { throw error } catch { throw RuntimeError("\(error)") }
        return sendNs
    }

    /// Waits up to `timeoutMs` for messages, signals and panel exits; returns everything that happened.
    public func poll(timeoutMs: Int) throws(RuntimeError) -> [SessionEvent] {
        var events: [SessionEvent] = []
        for (child, how) in children.reap() {
            if let k = childPanel[child.pid] { events.append(.panelExited(panel: k, how)) }
        }
        if !events.isEmpty { return events }
        let links = dataLinks.sorted { $0.key < $1.key }
        let ready: (sockets: [Bool], fileDescriptors: [Bool])
        do {
            // with spawned children, wake at least every 20 ms to notice exits
            let wait = options.spawn && !children.running.isEmpty ? min(timeoutMs, 20) : timeoutMs
            ready = try zmqPoll([control] + links.map(\.value) + (admin.map { [$0] } ?? []),
                                fileDescriptors: [signals.fileDescriptor], timeoutMs: wait)
        } catch {
            throw RuntimeError("controller: poll failed: \(error)")
        }
        if ready.fileDescriptors[0] {
            for s in signals.pending() { events.append(.interrupted(s)) }
        }
        if ready.sockets[0] {
            while let frames = try? control.receiveFrames(dontWait: true) {
                guard frames.count == 2, let k = panelIndex(frames[0]), k < options.panels else { dropped += 1; continue }
                guard let envelope = try? WireCodec.decode(frames[1]) else { dropped += 1; continue }
                guard envelope.header.runID == options.runID || envelope.type == .hello else { dropped += 1; continue }
                lastHeard[k] = monotonicNanos()
                if case .heartbeat(let hb) = envelope.body { panelCounters[k] = hb.counters; ChainMetrics.shared.heartbeat(panel: k, hb.counters) }
                if envelope.type != .hello { incarnations.heardAsConfigured(k) }
                if started, case .hello(let hello) = envelope.body,
                   incarnations.helloAfterStart(k, pid: hello.pid, host: hello.host) {
                    // a panel that (re)started after the run began: it rejoins with fresh state
                    if hello.version == dmimoVersion { try? configure(panel: k) }
                    rejoined.append(k)
                }
                events.append(.control(panel: k, envelope))
            }
        }
        for (i, (k, link)) in links.enumerated() where ready.sockets[1 + i] {
            while let message = try? link.receive(dontWait: true) {
                let now = monotonicNanos()
                guard let envelope = try? WireCodec.decode(message.bytes), envelope.header.runID == options.runID else {
                    dropped += 1; continue
                }
                noteClockExchange(panel: k, envelope, receivedNs: now)
                events.append(.data(panel: k, envelope, receivedNs: now))
            }
        }
        if let admin, ready.sockets[1 + links.count] {
            while let frames = try? admin.receiveFrames(dontWait: true) {
                guard frames.count == 2, let envelope = try? WireCodec.decode(frames[1]), case .control(let c) = envelope.body else {
                    dropped += 1
                    continue
                }
                events.append(.admin(c, from: frames[0]))
            }
        }
        for (child, how) in children.reap() {
            if let k = childPanel[child.pid] { events.append(.panelExited(panel: k, how)) }
        }
        return events
    }

    /// Answers a live fault command: `text` says what was done (or why not).
    public func reply(admin identity: [UInt8], _ text: String, ok: Bool) {
        let envelope = Envelope(header: Header(runID: options.runID, sender: controllerSender),
                                body: .ping(Ping(sentNs: ok ? 1 : 0, seq: 0, payload: Array(text.utf8))))
        _ = try? admin?.send(frames: [identity, WireCodec.encode(envelope)])
    }

    func panelIndex(_ identity: [UInt8]) -> Int? {
        let text = String(decoding: identity, as: UTF8.self)
        guard text.hasPrefix("panel-") else { return nil }
        return Int(text.dropFirst(6))
    }

    /// Asks every panel to shut down, then stops and reaps every spawned process. Idempotent.
    public func shutdown(graceMs: Int = 1000) {
        for k in 0..<options.panels {
            let bye = Envelope(header: Header(runID: options.runID, sender: controllerSender),
                               body: .control(Control(action: .shutdown)))
            try? sendControl(toPanel: k, bye)
        }
        children.terminateAll(graceMs: graceMs)
        for link in dataLinks.values { link.close() }
        dataLinks.removeAll()
        control.close()
        admin?.close()
        authenticator?.stop()
    }

    /// CURVE handshakes the controller admitted and refused (nil: CURVE off).
    public var curveHandshakes: (admitted: Int, refused: Int)? {
        authenticator.map { ($0.accepted, $0.rejected) }
    }

    /// The panel a process id belongs to (spawn mode).
    public func panel(ofChild pid: pid_t) -> Int? { childPanel[pid] }
}
