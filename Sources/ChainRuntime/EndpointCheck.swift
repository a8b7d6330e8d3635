// EndpointCheck: before (or during) a run, checks every chain endpoint — the name resolves, the TCP port answers,
// the node answers Ping with Pong in our protocol and software version, as the right panel, in the expected run.
import Dispatch
import Foundation
import Synchronization
import Wire
import ZeroMQ
#if canImport(Glibc)
import Glibc
#endif

// MARK: endpoints

/// A `tcp://host:port` endpoint to connect to. `host` is a DNS/hosts name, an IPv4 address or an IPv6 address
/// (written `tcp://[addr]:port`, stored without brackets).
public struct TCPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `tcp://host:port`. Nil for other transports, a wildcard host or port (`*`: bind-only), a missing or
    /// out-of-range port, an empty host or an unbalanced IPv6 bracket.
    public init?(parsing text: String) {
        let trimmed = trimmingBlanks(text)
        guard trimmed.hasPrefix("tcp://") else { return nil }
        let rest = trimmed.dropFirst(6)
        let hostPart: Substring, portPart: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            let afterBracket = rest[rest.index(after: close)...]
            guard afterBracket.hasPrefix(":") else { return nil }
            portPart = afterBracket.dropFirst()
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
            if hostPart.contains(":") { return nil }  // bare IPv6 must be bracketed
        }
        guard !hostPart.isEmpty, hostPart != "*", !hostPart.contains(";"), !hostPart.contains("/"),
              let port = Int(portPart), (1...65535).contains(port) else { return nil }
        self.host = String(hostPart)
        self.port = UInt16(port)
    }

    public var description: String { host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)" }
}

/// `text` without leading and trailing spaces and tabs.
func trimmingBlanks(_ text: String) -> String {
    var chars = Substring(text)
    while let first = chars.first, first == " " || first == "\t" { chars.removeFirst() }
    while let last = chars.last, last == " " || last == "\t" { chars.removeLast() }
    return String(chars)
}

// MARK: results

/// Which run the panels must be in.
public enum RunExpectation: Sendable, Equatable {
    /// Any run id (before a run: panels are idle, run id 0, or still hold an old one they will leave on Configure).
    case ignore
    /// Every panel must be in exactly this run (a running chain).
    case exactly(UInt64)
    /// Every panel must be in one and the same run, not idle (a running chain whose run id is not known).
    case sameRunning
}

/// What the check found at one endpoint, from worst to best.
public enum EndpointStatus: Sendable, Equatable {
    /// The endpoint text cannot be connected to (not `tcp://host:port`).
    case invalidEndpoint(String)
    /// The host name did not resolve (resolver message, or a timeout).
    case unresolvable(String)
    /// The controller cannot bind its control endpoint (e.g. address in use).
    case bindFailed(String)
    /// No TCP connection (refused, timed out, no route).
    case unreachable(String)
    /// TCP connected, but no Pong within the time-out (not a panel-node, or one without the Ping reply).
    case silent(timeoutMs: Int)
    /// The node answered in another wire protocol version.
    case protocolMismatch(UInt32)
    /// The node runs another dmimo software version.
    case softwareMismatch(String)
    /// The node answered as another panel index (endpoints listed in the wrong order, or two panels swapped).
    case wrongNode(Int32)
    /// The node is in another run than expected (0 = idle).
    case runMismatch(found: UInt64, expected: UInt64?)
    /// The reply could not be understood.
    case badReply(String)
    /// Resolved (controller endpoint: only its name is checked) or bindable (controller bind).
    case fine
    /// The panel answered correctly.
    case ok(runID: UInt64, software: String, roundTripNs: UInt64)

    /// Order of reporting: the most basic problem first.
    var severity: Int {
        switch self {
        case .invalidEndpoint: 0
        case .unresolvable: 1
        case .bindFailed: 2
        case .unreachable: 3
        case .silent: 4
        case .protocolMismatch: 5
        case .softwareMismatch: 6
        case .wrongNode: 7
        case .runMismatch: 8
        case .badReply: 9
        case .fine, .ok: 100
        }
    }

    public var isProblem: Bool { severity < 100 }
}

/// The finding for one endpoint.
public struct EndpointCheckResult: Sendable, Equatable {
    /// What the endpoint is: "panel 3", "controller bind", "controller endpoint".
    public var role: String
    /// Panel index, or nil for the controller's endpoints.
    public var panel: Int?
    /// The endpoint as configured.
    public var endpoint: String
    public var status: EndpointStatus

    public init(role: String, panel: Int?, endpoint: String, status: EndpointStatus) {
        self.role = role; self.panel = panel; self.endpoint = endpoint; self.status = status
    }
}

/// Every finding, and the one line that sums them up.
public struct EndpointCheckReport: Sendable, Equatable {
    public var results: [EndpointCheckResult]
    public var ok: Bool { !results.contains { $0.status.isProblem } }
    /// One line: "check: OK …" or "check: FAIL <the first problem, naming endpoint and what is wrong> …".
    public var line: String { checkSummaryLine(results, protocolVersion: wireProtocolVersion, software: dmimoVersion) }

    public init(results: [EndpointCheckResult]) { self.results = results }
}

// MARK: pure logic

/// Classifies the reply `bytes` to the Ping with `seq` sent to panel `panel`, against our protocol and software
/// versions and the run expectation (``RunExpectation/sameRunning`` is applied across panels later).
public func classifyPong(_ bytes: [UInt8], panel: Int, seq: UInt32, software: String,
                         expectation: RunExpectation, roundTripNs: UInt64) -> EndpointStatus {
    let envelope: Envelope
    do { envelope = try WireCodec.decode(bytes) } catch {
        if case .wrongVersion(let version) = error { return .protocolMismatch(version) }
        return .badReply("\(error)")
    }
    guard case .pong(let pong) = envelope.body else {
        return .badReply("a \(envelope.type) message instead of Pong")
    }
    guard pong.seq == seq else { return .badReply("Pong for sequence \(pong.seq), expected \(seq)") }
    let theirSoftware = softwareVersion(inPongPayload: pong.payload)
    guard theirSoftware == software else { return .softwareMismatch(theirSoftware) }
    guard envelope.header.sender == Int32(panel) else { return .wrongNode(envelope.header.sender) }
    if case .exactly(let expected) = expectation, envelope.header.runID != expected {
        return .runMismatch(found: envelope.header.runID, expected: expected)
    }
    return .ok(runID: envelope.header.runID, software: theirSoftware, roundTripNs: roundTripNs)
}

/// The software version a Pong carries: its payload is either the bare version ("0.1.0") or a description that
/// starts with "dmimo-chain <version>" (PanelNode: "dmimo-chain 0.1.0 panel 3 run-id 0").
public func softwareVersion(inPongPayload payload: [UInt8]) -> String {
    let text = String(decoding: payload, as: UTF8.self)
    let words = text.split(separator: " ", omittingEmptySubsequences: true)
    if words.count >= 2, words[0] == "dmimo-chain" { return String(words[1]) }
    return text
}

/// Applies ``RunExpectation/sameRunning``: every answering panel must report one and the same non-zero run id.
/// The majority run id is taken as the chain's; the others are marked ``EndpointStatus/runMismatch(found:expected:)``.
public func applySameRun(_ results: [EndpointCheckResult]) -> [EndpointCheckResult] {
    var counts: [UInt64: Int] = [:]
    for r in results where r.panel != nil { if case .ok(let run, _, _) = r.status { counts[run, default: 0] += 1 } }
    let nonIdle = counts.filter { $0.key != 0 }
    // majority, ties to the smallest id (deterministic)
    let chainRun = nonIdle.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }?.key
    return results.map { r in
        guard r.panel != nil, case .ok(let run, _, _) = r.status, run == 0 || run != chainRun else { return r }
        var marked = r
        marked.status = .runMismatch(found: run, expected: chainRun)
        return marked
    }
}

/// The one line for `results`: the first problem (most basic kind first, then panel order) with a count of the
/// others, or a summary of a clean check.
public func checkSummaryLine(_ results: [EndpointCheckResult], protocolVersion: UInt32, software: String) -> String {
    let problems = results.enumerated().filter { $0.element.status.isProblem }
        .sorted { ($0.element.status.severity, $0.offset) < ($1.element.status.severity, $1.offset) }
        .map(\.element)
    if let first = problems.first {
        var line = "check: FAIL \(first.role) \(first.endpoint) \(describe(first.status, protocolVersion: protocolVersion, software: software))"
        if problems.count > 1 {
            let others = problems.dropFirst()
            let names = others.prefix(4).map(\.role).joined(separator: ", ")
            line += " (and \(others.count) more: \(names)\(others.count > 4 ? ", …" : ""))"
        }
        return line
    }
    let panels = results.filter { $0.panel != nil }
    var parts: [String] = []
    if panels.isEmpty {
        parts.append("no panel endpoints configured (chain.panel_endpoints is empty: `run` spawns panels on loopback)")
    } else {
        let range = panels.count == 1 ? panels[0].endpoint : "\(panels[0].endpoint) … \(panels[panels.count - 1].endpoint)"
        var runs = Set<UInt64>(), maxRTT: UInt64 = 0
        for p in panels { if case .ok(let run, _, let rtt) = p.status { runs.insert(run); maxRTT = max(maxRTT, rtt) } }
        let runText = runs == [0] ? "all idle (run id 0)"
            : runs.count == 1 ? "all in run \(runs.first!)" : "in runs \(runs.sorted().map(String.init).joined(separator: ", "))"
        parts.append("\(panels.count) panel\(panels.count == 1 ? "" : "s") (\(range)) answer: protocol version "
                     + "\(protocolVersion), dmimo \(software), \(runText), Ping round trip max "
                     + String(format3(Double(maxRTT) / 1e6)) + " ms")
    }
    for r in results where r.panel == nil {
        if case .ok(_, _, let rtt) = r.status {
            parts.append("\(r.role) \(r.endpoint) answers (Ping round trip " + format3(Double(rtt) / 1e6) + " ms)")
        } else {
            parts.append(r.role == "controller bind" ? "controller bind \(r.endpoint) is free" : "\(r.role) \(r.endpoint) resolves")
        }
    }
    return "check: OK " + parts.joined(separator: "; ")
}

/// Text of a problem, after "<role> <endpoint> ".
func describe(_ status: EndpointStatus, protocolVersion: UInt32, software: String) -> String {
    switch status {
    case .invalidEndpoint(let why): "is not a connectable endpoint: \(why)"
    case .unresolvable(let why): "does not resolve: \(why)"
    case .bindFailed(let why): "cannot be bound: \(why)"
    case .unreachable(let why): "is unreachable: \(why)"
    case .silent(let ms): "accepts TCP but sent no Pong within \(ms) ms (not a panel-node, a panel-node without "
        + "the Ping reply, one of another protocol version, or CURVE keys that do not match on one side)"
    case .protocolMismatch(let v): "speaks protocol version \(v), this controller speaks \(protocolVersion)"
    case .softwareMismatch(let v): "runs dmimo \(v.isEmpty ? "(unknown)" : v), this controller runs \(software)"
    case .wrongNode(let k): "answered as panel \(k) (endpoints in the wrong order?)"
    case .runMismatch(let found, let expected):
        "is \(found == 0 ? "idle (run id 0)" : "in run \(found)"), expected "
            + (expected.map { "run \($0)" } ?? "one common running run")
    case .badReply(let why): "sent a reply that is not a Pong: \(why)"
    case .fine, .ok: "is fine"
    }
}

/// `x` with 3 decimals (no Foundation).
func format3(_ x: Double) -> String {
    let thousandths = Int((x * 1000).rounded())
    let frac = thousandths % 1000
    return "\(thousandths / 1000)." + String(repeating: "0", count: 3 - String(frac).count) + "\(frac)"
}

// MARK: I/O

/// One resolved socket address (bytes of a `sockaddr_in` / `sockaddr_in6`).
public struct ResolvedAddress: Sendable, Equatable {
    public var family: Int32
    public var bytes: [UInt8]
}

/// Resolves `(host, port)` pairs with getaddrinfo, waiting at most `timeoutMs` in all. IP addresses are converted
/// at once (no lookup); names are looked up concurrently, each on a thread of its own (not a shared pool, which a
/// busy process may have exhausted); a lookup still running at the deadline is reported as timed out and its
/// thread finishes in the background.
public func resolveEndpoints(_ endpoints: [TCPEndpoint], timeoutMs: Int) -> [Result<[ResolvedAddress], ResolveFailure>] {
    final class Box: Sendable { let results = Mutex<[Int: Result<[ResolvedAddress], ResolveFailure>]>([:]) }
    let box = Box()
    let group = DispatchGroup()
    for (i, endpoint) in endpoints.enumerated() {
        if isIPAddress(endpoint.host) {
            let result = resolveBlocking(endpoint, numeric: true)
            box.results.withLock { $0[i] = result }
            continue
        }
        group.enter()
        let thread = Thread {
            let result = resolveBlocking(endpoint, numeric: false)
            box.results.withLock { $0[i] = result }
            group.leave()
        }
        thread.start()
    }
    _ = group.wait(timeout: .now() + .milliseconds(timeoutMs))
    let done = box.results.withLock { $0 }
    return endpoints.indices.map { done[$0] ?? .failure(ResolveFailure(message: "no answer within \(timeoutMs) ms")) }
}

/// Whether `host` is an IPv4 or IPv6 address (not a name).
func isIPAddress(_ host: String) -> Bool {
    var buffer = [UInt8](repeating: 0, count: 16)
    return inet_pton(AF_INET, host, &buffer) == 1 || inet_pton(AF_INET6, host, &buffer) == 1
}

/// Why a name did not resolve.
public struct ResolveFailure: Error, Sendable, Equatable {
    public var message: String
}

func resolveBlocking(_ endpoint: TCPEndpoint, numeric: Bool) -> Result<[ResolvedAddress], ResolveFailure> {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0)
    var list: UnsafeMutablePointer<addrinfo>?
    let rc = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
    guard rc == 0, let list else {
        return .failure(ResolveFailure(message: String(cString: gai_strerror(rc))))
    }
    defer { freeaddrinfo(list) }
    var addresses: [ResolvedAddress] = []
    var node: UnsafeMutablePointer<addrinfo>? = list
    while let n = node {
        if let address = n.pointee.ai_addr {
            let bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(n.pointee.ai_addrlen)))
            let entry = ResolvedAddress(family: n.pointee.ai_family, bytes: bytes)
            if !addresses.contains(entry) { addresses.append(entry) }
        }
        node = n.pointee.ai_next
    }
    return addresses.isEmpty ? .failure(ResolveFailure(message: "no address")) : .success(addresses)
}

/// Opens a TCP connection to each endpoint (every address in turn until one connects), all at once, within
/// `timeoutMs` in all. Returns nil for a connection made (and closed again at once), or why none was.
public func probeTCP(_ addresses: [[ResolvedAddress]], timeoutMs: Int) -> [String?] {
    struct Attempt { var next = 0; var fd: Int32 = -1; var lastError: String = "no address" }
    var attempts = Array(repeating: Attempt(), count: addresses.count)
    var outcome: [String??] = Array(repeating: nil, count: addresses.count)  // nil: pending
    let deadline = monotonicNanos() + UInt64(timeoutMs) * 1_000_000

    /// Starts the next address of endpoint i; records failure when none is left.
    func startNext(_ i: Int) {
        while attempts[i].next < addresses[i].count {
            let address = addresses[i][attempts[i].next]
            attempts[i].next += 1
            let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                                | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { attempts[i].lastError = errnoText(errno); continue }
            let rc = address.bytes.withUnsafeBytes { raw in
                connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            if rc == 0 { close(fd); outcome[i] = .some(nil); return }
            let e = errno
            if e == EINPROGRESS { attempts[i].fd = fd; return }
            close(fd)
            attempts[i].lastError = errnoText(e)
        }
        outcome[i] = .some(attempts[i].lastError)
    }

    for i in addresses.indices { startNext(i) }
    while true {
        let pending = addresses.indices.filter { outcome[$0] == nil }
        if pending.isEmpty { break }
        let now = monotonicNanos()
        if now >= deadline {
            for i in pending {
                close(attempts[i].fd)
                outcome[i] = .some("no TCP connection within \(timeoutMs) ms (timed out)")
            }
            break
        }
        var fds = pending.map { pollfd(fd: attempts[$0].fd, events: Int16(POLLOUT), revents: 0) }
        let waitMs = Int32(min(1000, (deadline - now) / 1_000_000 + 1))
        let n = poll(&fds, nfds_t(fds.count), waitMs)
        if n < 0 && errno != EINTR { for i in pending { close(attempts[i].fd); outcome[i] = .some(errnoText(errno)) }; break }
        for (slot, i) in pending.enumerated() where fds[slot].revents != 0 {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(attempts[i].fd, SOL_SOCKET, SO_ERROR, &error, &length)
            close(attempts[i].fd)
            attempts[i].fd = -1
            if error == 0 { outcome[i] = .some(nil) } else { attempts[i].lastError = errnoText(error); startNext(i) }
        }
    }
    return outcome.map { $0 ?? "not checked" }
}

func errnoText(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    // connect() on a blackhole route fails with EINVAL
    return code == EINVAL ? "\(text) (a blackhole route?)" : text
}

/// What to check and how long to wait.
public struct EndpointCheckOptions: Sendable {
    /// Longest wait of each phase (name resolution, TCP connection, Pong), milliseconds.
    public var timeoutMs = 2000
    public var runExpectation = RunExpectation.ignore
    /// Software version the panels must run (sent in Ping, compared with Pong's).
    public var software = dmimoVersion
    /// Check that the controller's control endpoint can be bound here (skip it while a controller runs).
    public var checkControllerBind = true
    /// CURVE keys to ping the panels with (security.curve: the controller's keys); nil: plain text.
    public var security: NodeSecurity?

    public init() {}
}

/// Checks a chain's endpoints: `panels[k]` is panel k's data endpoint; `controllerBind` the controller's
/// control bind endpoint (checked for being bindable), `controllerEndpoint` what panels connect to (its name
/// must resolve here). Never waits longer than about three times `options.timeoutMs`.
///
/// Panel contract (Ping → Pong on the data socket): a panel answers a `.ping` envelope on its data ROUTER with a
/// `.pong` envelope to the same peer: header protocol version = its own, run id = its current run (0 before
/// Configure), sender = its index; body Ping with the same `seq` and `sentNs`, payload = its software version
/// (UTF-8), bare or as "dmimo-chain <version> …". A panel that cannot decode a message because of its protocol version answers with such a Pong too
/// (seq 0), so a version mismatch is named instead of looking like silence.
///
/// `downlink`: the endpoint of a dmimo-downlink node (`tcp://host:port`), checked the same way (it answers Ping as
/// sender −2, any run id); nil: none configured (or one the controller starts itself).
public func checkEndpoints(panels: [String], controllerBind: String?, controllerEndpoint: String?, downlink: String? = nil,
                           options: EndpointCheckOptions) -> EndpointCheckReport {
    var results: [EndpointCheckResult] = []
    // controller: its bind endpoint must be bindable here, the endpoint panels use must at least resolve
    if let bind = controllerBind, options.checkControllerBind {
        results.append(EndpointCheckResult(role: "controller bind", panel: nil, endpoint: bind,
                                           status: checkBind(bind)))
    }
    var toResolve: [TCPEndpoint] = []
    var controllerIndex: Int?
    if let endpoint = controllerEndpoint, !endpoint.isEmpty {
        if let parsed = TCPEndpoint(parsing: endpoint) {
            controllerIndex = results.count
            toResolve.append(parsed)
            results.append(EndpointCheckResult(role: "controller endpoint", panel: nil, endpoint: endpoint, status: .fine))
        } else if !endpoint.hasPrefix("ipc://") {
            results.append(EndpointCheckResult(role: "controller endpoint", panel: nil, endpoint: endpoint,
                                               status: .invalidEndpoint("expected tcp://host:port")))
        }
    }
    let panelBase = results.count
    var panelEndpoints: [TCPEndpoint?] = []
    for (k, text) in panels.enumerated() {
        let parsed = TCPEndpoint(parsing: text)
        panelEndpoints.append(parsed)
        results.append(EndpointCheckResult(role: "panel \(k)", panel: k, endpoint: text,
                                           status: parsed == nil ? .invalidEndpoint("expected tcp://host:port") : .fine))
    }
    // the downlink node is checked like one more panel with index −2 (its sender id)
    var targets = Array(panels.enumerated().map { (index: $0.offset, text: $0.element) })
    if let downlink {
        let parsed = TCPEndpoint(parsing: downlink)
        panelEndpoints.append(parsed)
        targets.append((Int(downlinkSender), downlink))
        results.append(EndpointCheckResult(role: "downlink node", panel: nil, endpoint: downlink,
                                           status: parsed == nil ? .invalidEndpoint("expected tcp://host:port") : .fine))
    }
    let panelIndices = targets.indices.filter { panelEndpoints[$0] != nil }
    toResolve += panelIndices.map { panelEndpoints[$0]! }

    // 1. names
    let resolved = resolveEndpoints(toResolve, timeoutMs: options.timeoutMs)
    var offset = 0
    if let c = controllerIndex {
        if case .failure(let why) = resolved[0] { results[c].status = .unresolvable(why.message) }
        offset = 1
    }
    var reachable: [(k: Int, addresses: [ResolvedAddress])] = []
    for (j, k) in panelIndices.enumerated() {
        switch resolved[offset + j] {
        case .failure(let why): results[panelBase + k].status = .unresolvable(why.message)
        case .success(let addresses): reachable.append((k, addresses))
        }
    }
    // 2. TCP
    let tcp = probeTCP(reachable.map(\.addresses), timeoutMs: options.timeoutMs)
    var connected: [Int] = []
    for (j, entry) in reachable.enumerated() {
        if let why = tcp[j] { results[panelBase + entry.k].status = .unreachable(why) } else { connected.append(entry.k) }
    }
    // 3. Ping → Pong
    let pongs = pingPanels(connected.map { (targets[$0].index, targets[$0].text) }, options: options)
    for (index, status) in pongs {
        results[panelBase + (index == Int(downlinkSender) ? panels.count : index)].status = status
    }
    if options.runExpectation == .sameRunning { results = applySameRun(results) }
    return EndpointCheckReport(results: results)
}

/// Whether `endpoint` can be bound here (bound and released at once). Wildcard ports always can.
func checkBind(_ endpoint: String) -> EndpointStatus {
    do {
        let context = try ZMQContext()
        let socket = try ChainSockets(context: context, security: nil).make(.bindCheck)
        defer { socket.close() }
        try socket.bind(endpoint)
        return .fine
    } catch let error as ZMQError {
        return .bindFailed(error.text)
    } catch {
        return .bindFailed("\(error)")
    }
}

/// Sends one Ping to each `(panel, endpoint)` over its own DEALER and waits (at most `options.timeoutMs`) for
/// every Pong.
func pingPanels(_ targets: [(panel: Int, endpoint: String)], options: EndpointCheckOptions) -> [(Int, EndpointStatus)] {
    guard !targets.isEmpty else { return [] }
    let context: ZMQContext
    do { context = try ZMQContext() } catch { return targets.map { ($0.panel, .badReply("ZeroMQ: \(error)")) } }
    var statuses: [Int: EndpointStatus] = [:]
    var pending: [(panel: Int, socket: ZMQSocket, seq: UInt32, sentNs: UInt64)] = []
    let expectedRun: UInt64 = if case .exactly(let run) = options.runExpectation { run } else { 0 }
    for (i, target) in targets.enumerated() {
        let seq = UInt32(i + 1)
        do {
            let socket = try ChainSockets(context: context, security: options.security)
                .make(.pinger(id: "check-\(getpid())-\(target.panel)", target: target.panel))
            try socket.connect(target.endpoint)
            let sentNs = monotonicNanos()
            let ping = Envelope(header: Header(runID: expectedRun, sender: controllerSender),
                                body: .ping(Ping(sentNs: sentNs, seq: seq, payload: Array(options.software.utf8))))
            if try socket.send(WireCodec.encode(ping), dontWait: true) {
                pending.append((target.panel, socket, seq, sentNs))
            } else {
                statuses[target.panel] = .silent(timeoutMs: options.timeoutMs)
            }
        } catch let error as ZMQError {
            statuses[target.panel] = .unreachable("ZeroMQ: \(error.text)")
        } catch {
            statuses[target.panel] = .unreachable("\(error)")
        }
    }
    let deadline = monotonicNanos() + UInt64(options.timeoutMs) * 1_000_000
    while !pending.isEmpty {
        let now = monotonicNanos()
        guard now < deadline else { break }
        guard let ready = try? zmqPoll(pending.map(\.socket), timeoutMs: Int((deadline - now) / 1_000_000) + 1) else { break }
        var answered = Set<Int>()
        for (slot, entry) in pending.enumerated() where ready[slot] {
            guard let frames = try? entry.socket.receiveFrames(dontWait: true), let reply = frames.last else { continue }
            let rtt = monotonicNanos() - entry.sentNs
            // the downlink node is in no run
            statuses[entry.panel] = classifyPong(reply, panel: entry.panel, seq: entry.seq, software: options.software,
                                                 expectation: entry.panel == Int(downlinkSender) ? .ignore : options.runExpectation,
                                                 roundTripNs: rtt)
            answered.insert(slot)
        }
        pending = pending.enumerated().filter { !answered.contains($0.offset) }.map(\.element)
    }
    for entry in pending { statuses[entry.panel] = .silent(timeoutMs: options.timeoutMs) }
    for entry in pending { entry.socket.close() }
    return targets.map { ($0.panel, statuses[$0.panel] ?? .silent(timeoutMs: options.timeoutMs)) }
}
