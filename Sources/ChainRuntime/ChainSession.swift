// ChainSession: the controller's side of a chain — control socket, panel processes, handshake, data sends, events.
import ChainProtocol
import Wire
import ZeroMQ
#if canImport(Glibc)
import Glibc
#endif

/// How the controller reaches its panels.
public struct SessionOptions: Sendable {
    /// Number of panels J.
    public var panels: Int
    /// Start the panel processes on this host (false: they are started elsewhere and connect to us).
    public var spawn = true
    /// Path of the `panel-node` executable (spawn mode).
    public var panelExecutable = ""
    /// Where the controller's control socket binds, e.g. `tcp://127.0.0.1:*` or `tcp://*:5500`.
    public var controlBind = "tcp://127.0.0.1:*"
    /// What panels connect to for control (defaults to the bound endpoint).
    public var controlAdvertised: String?
    /// Bind endpoint of each panel's data socket in spawn mode (default: any free loopback port).
    public var panelBind: [String]?
    /// Data endpoint of each panel to connect to (overrides what the panels report in Hello).
    public var panelEndpoints: [String]?
    /// How long to wait for every panel's Hello, milliseconds.
    public var startupTimeoutMs = 15_000
    /// Folder for the panels' stdout/stderr logs (nil: inherit the controller's).
    public var logDirectory: String?
    /// Run id of this session.
    public var runID: UInt64
    /// Where `chain-controller fault` reaches this controller (nil: no live faults).
    public var adminEndpoint: String?
    /// The Configure message body sent to every panel (data endpoints are filled in by the session).
    public var mode = PanelMode.probe
    public var configYAML = ""
    public var particles: UInt32 = 0
    public var maxSkip: UInt32 = 1
    /// The controller's CURVE keys (nil: plain-text links). Spawned panels get the same key directory.
    public var security: NodeSecurity?

    public init(panels: Int, runID: UInt64) {
        self.panels = panels
        self.runID = runID
    }
}

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
    let control: ZMQSocket
    let admin: ZMQSocket?
    let signals: SignalWatcher
    /// The ZAP handler admitting only the configured keys (CURVE on).
    let authenticator: CurveAuthenticator?
    public let children = ChildProcesses()
    var childPanel: [pid_t: Int] = [:]
    var dataLinks: [Int: ZMQSocket] = [:]
    /// Data endpoint of every panel, index k.
    public private(set) var dataEndpoints: [String]
    /// The process behind each panel: tells a late Hello from a restarted panel.
    var incarnations: PanelIncarnations
    /// Host each panel reported.
    public var panelHosts: [String] { incarnations.hosts }
    /// Process id each panel reported.
    public var panelPIDs: [UInt64] { incarnations.pids }
    /// Last heartbeat counters of every panel.
    public private(set) var panelCounters: [NodeCounters]
    /// Monotonic time of the last message from each panel.
    public private(set) var lastHeard: [UInt64]
    /// The endpoint panels connect to.
    public private(set) var controlEndpoint = ""
    var encodeBuffer: [UInt8] = []
    /// Messages the controller itself dropped (undecodable or from another run).
    public private(set) var dropped: UInt64 = 0
    var started = false
    /// Panels that said Hello again after start-up (restarted), oldest first; the runner consumes it.
    public var rejoined: [Int] = []

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
        do { context = try ZMQContext() } catch { throw RuntimeError("controller: cannot create a ZeroMQ context: \(error)") }
        authenticator = try options.security?.startAuthenticator(context)
        do {
            control = try ZMQSocket(context, .router)
            try options.security?.makeServer(control)
            try control.setRouterMandatory(true)
            try control.setRouterHandover(true)
            try control.setMaxMessageSize(Int64(maxMessageBytes))
            try control.setChainHeartbeat()
            try control.setSendHighWaterMark(100_000)
            try control.setReceiveHighWaterMark(100_000)
        } catch {
            throw RuntimeError("controller: cannot create sockets: \(error)")
        }
        do { try control.bind(options.controlBind) } catch {
            throw RuntimeError("controller: cannot bind control endpoint \(options.controlBind): \(error.text)")
        }
        let bound = (try? control.lastEndpoint()) ?? options.controlBind
        controlEndpoint = options.controlAdvertised ?? bound
        if let endpoint = options.adminEndpoint {
            do {
                let socket = try ZMQSocket(context, .router)
                try socket.bind(endpoint)
                admin = socket
            } catch {
                // live faults are a convenience: the run goes on without them
                printError("chain-controller: no live fault endpoint (\(endpoint): \(error)); scripted faults still work")
                admin = nil
            }
        } else {
            admin = nil
        }
    }

    deinit { shutdown() }

    /// Starts (or waits for) all panels, collects their Hello, and sends each the Configure message.
    public func start() throws(RuntimeError) {
        if options.spawn {
            for k in 0..<options.panels { try spawnPanel(k) }
        }
        var greeted = Set<Int>()
        let deadline = monotonicNanos() + UInt64(options.startupTimeoutMs) * 1_000_000
        while greeted.count < options.panels {
            let now = monotonicNanos()
            if now >= deadline {
                let missing = (0..<options.panels).filter { !greeted.contains($0) }
                let names = missing.prefix(8).map { k in
                    let endpoint = options.panelEndpoints?[k] ?? options.panelBind?[k] ?? "its data endpoint"
                    return "panel \(k) (\(endpoint))"
                }
                throw RuntimeError("no Hello within \(options.startupTimeoutMs) ms from \(names.joined(separator: ", "))"
                                   + (missing.count > 8 ? " and \(missing.count - 8) more" : "")
                                   + "; panels connect to \(controlEndpoint)")
            }
            for event in try poll(timeoutMs: Int(min(100, (deadline - now) / 1_000_000 + 1))) {
                switch event {
                case .control(let k, let envelope):
                    if case .hello(let hello) = envelope.body {
                        greeted.insert(k)
                        if options.panelEndpoints == nil, dataEndpoints[k].isEmpty { dataEndpoints[k] = hello.dataEndpoint }
                        incarnations.greeted(k, pid: hello.pid, host: hello.host)
                        if hello.version != dmimoVersion {
                            throw RuntimeError("panel \(k) at \(dataEndpoints[k]) runs version \(hello.version), controller \(dmimoVersion)")
                        }
                    }
                case .panelExited(let k, let how):
                    let endpoint = options.panelBind?[k] ?? "tcp://127.0.0.1:*"
                    throw RuntimeError("panel \(k) (\(endpoint)) \(how) during start-up"
                                       + (options.logDirectory.map { "; see \($0)/panel-\(k).log" } ?? ""))
                case .interrupted(let s):
                    throw RuntimeError("interrupted by signal \(s) during start-up")
                case .data, .admin:
                    break
                }
            }
        }
        for k in 0..<options.panels { try configure(panel: k) }
        started = true
        try pingAll(deadline: deadline)
    }

    /// Opens the controller's data link to every panel and waits for a PONG on each, so no step pays for
    /// connection set-up and an unreachable data endpoint is named before the run starts.
    func pingAll(deadline: UInt64) throws(RuntimeError) {
        var waiting = Set(0..<options.panels)
        var nextPing: UInt64 = 0
        while !waiting.isEmpty {
            let now = monotonicNanos()
            if now >= nextPing {
                for k in waiting {
                    _ = try sendData(toPanel: k, Envelope(header: Header(type: .ping, runID: options.runID, sender: controllerSender),
                                                          body: .ping(Ping(sentNs: now, seq: UInt32(k)))))
                }
                nextPing = now + 200_000_000
            }
            if now >= deadline {
                let names = waiting.sorted().prefix(8).map { "panel \($0) (\(dataEndpoints[$0]))" }
                throw RuntimeError("no answer on the data endpoint of " + names.joined(separator: ", "))
            }
            for event in try poll(timeoutMs: 50) {
                switch event {
                case .data(let k, let envelope, _) where envelope.header.type == .pong: waiting.remove(k)
                case .panelExited(let k, let how): throw RuntimeError("panel \(k) (\(dataEndpoints[k])) \(how) during start-up")
                case .interrupted(let s): throw RuntimeError("interrupted by signal \(s) during start-up")
                default: break
                }
            }
        }
    }

    /// Starts the process of panel `k` (spawn mode), with its log appended to the panel's log file.
    public func spawnPanel(_ k: Int) throws(RuntimeError) {
        let bind = options.panelBind?[k] ?? (dataEndpoints[k].isEmpty ? "tcp://127.0.0.1:*" : dataEndpoints[k])
        let log = options.logDirectory.map { "\($0)/panel-\(k).log" }
        let child = try children.spawn(
            name: "panel \(k)", executable: options.panelExecutable,
            arguments: ["run", "--index", "\(k)", "--controller", controlEndpoint, "--bind", bind,
                        "--parent-pid", "\(getpid())"] + (options.security.map { ["--keys-dir", $0.directory] } ?? []),
            logPath: log)
        childPanel[child.pid] = k
        if options.panelEndpoints == nil && options.panelBind != nil && !bind.contains("*") { dataEndpoints[k] = bind }
    }

    /// The running process of panel `k`, if this session spawned it.
    public func child(ofPanel k: Int) -> ChildProcess? {
        children.running.values.first { childPanel[$0.pid] == k }
    }

    /// Sends panel `k` the Configure message (data endpoints, mode, configuration).
    public func configure(panel k: Int) throws(RuntimeError) {
        let configure = Configure(dataEndpoints: dataEndpoints, mode: options.mode.wireName, configYAML: options.configYAML,
                                  particles: options.particles, maxSkip: options.maxSkip)
        try sendControl(toPanel: k, Envelope(header: Header(type: .configure, runID: options.runID, sender: controllerSender),
                                             body: .configure(configure)))
        incarnations.configured(k)
    }

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
                link = try ZMQSocket(context, .dealer)
                try link.setRoutingID("controller")
                try link.setChainReconnect()
                try link.setChainHeartbeat()
                try options.security?.makeClient(link, server: panelKeyName(k))
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
                guard envelope.header.runID == options.runID || envelope.header.type == .hello else { dropped += 1; continue }
                lastHeard[k] = monotonicNanos()
                if case .heartbeat(let hb) = envelope.body { panelCounters[k] = hb.counters; ChainMetrics.shared.heartbeat(panel: k, hb.counters) }
                if envelope.header.type != .hello { incarnations.heardAsConfigured(k) }
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
        let envelope = Envelope(header: Header(type: .ping, runID: options.runID, sender: controllerSender),
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
            let bye = Envelope(header: Header(type: .control, runID: options.runID, sender: controllerSender),
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
