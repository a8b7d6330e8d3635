// ChainSession+Startup: start-up of a session — spawn the panels, collect their Hello, configure them, ping every data link, exchange clocks.
import ChainLog
import ChainProtocol
import Config
import Wire
#if canImport(Glibc)
import Glibc
#endif

extension ChainSession {
    /// Starts (or waits for) all panels, collects their Hello, and sends each the Configure message.
    public func start() throws(RuntimeError) {
        if options.spawn {
            placement = CPUPlacement.plan(options.cpuPlacement, panelCount: options.panels, allowed: CPUAffinity.allowed())
            if let cpus = placement.controller { try CPUAffinity.pinProcess(to: cpus) }
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
        try synchronizeClocks()
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
                    _ = try sendData(toPanel: k, Envelope(header: Header(runID: options.runID, sender: controllerSender),
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
                case .data(let k, let envelope, _) where envelope.type == .pong: waiting.remove(k)
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
                        "--parent-pid", "\(getpid())"] + (options.security.map { ["--keys-dir", $0.directory] } ?? [])
                + (placement.panels.indices.contains(k) ? placement.panels[k].map { ["--cpus", CPUPlacement.text($0)] } ?? [] : [])
                + ChainLog.settings.arguments,
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
        let configure = options.configure(panel: k, dataEndpoints: dataEndpoints)
        try sendControl(toPanel: k, Envelope(header: Header(runID: options.runID, sender: controllerSender),
                                             body: .configure(configure)))
        incarnations.configured(k)
    }
}
