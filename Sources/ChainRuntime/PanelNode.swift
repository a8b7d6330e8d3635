// PanelNode: the panel-node process — receive γ, acknowledge, compute, forward to the next panel or the controller.
import ChainLog
import ChainProtocol
import Config
import Logging
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
    /// Frames read → γ decoded and its checksum verified, ns (a duration).
    var decodeNs: UInt64 = 0
    /// γ ready for the inbound checks: decoded and (with fronthaul emulation) padded, ns.
    var readyNs: UInt64 = 0

    var step: StepID { StepID(run: header.run, step: header.step) }
}

/// The acknowledgement owed for the γ last read (sent after γ is forwarded: ``PanelNode/flushAcknowledgement()``).
struct PendingAck: Sendable {
    var header: Header
    var hop: UInt32
    /// The island γ carried (0 without islands).
    var island: UInt32
    /// When γ was read from the socket, ns.
    var recvNs: UInt64
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
    public internal(set) var counters = NodeCounters()
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
    /// This panel's logger (node `panel-<k>`).
    let logger: Logger
    /// Injected faults (fault injection is part of the product).
    var faults = PanelFaultState()
    var encodeBuffer: [UInt8] = []
    /// Link reports of acknowledged hops, carried to the controller by this panel's next γ (or sent alone when due).
    var linkReports = LinkReportQueue<LinkReport>()
    /// The buffers γ is sent from without a copy (a hop's first transmission), freed by its acknowledgement.
    let gammaBuffers = InPlaceGammaBuffers()
    /// The data path's reused memory (no allocation per hop once sized): protobuf-c pack/unpack scratch, the
    /// frames γ and acknowledgements are received into, the storage of the last γ acknowledged (the next γ is
    /// decoded into it), the acknowledgement's bytes and its receiver's routing id, the poll set.
    let arena = WireArena()
    let identityFrame = ZMQMessage()
    let payloadFrame = ZMQMessage()
    let ackFrame = ZMQMessage()
    var spareGamma = Gamma.empty
    var ackBuffer: [UInt8] = []
    var ackIdentity: [UInt8] = []
    var pendingAck: PendingAck?
    /// Islands of a step that ended at this panel (filter.islands > 1), until all of one attempt are in.
    var islandEnds = IslandAssembly<IslandEnd>()
    let pollSet = ZMQPollSet()
    var polledSuccessors: [Int] = []
    var lastControllerContactNs = monotonicNanos()
    let computationFactory: (Configure, Int) throws -> any PanelComputation
    /// The modelled fronthaul when hops are emulated (nil: raw links).
    var fronthaul: FronthaulSection?
    /// Every panel's clock offset to the controller, from the controller's latest clock PING (fronthaul emulation).
    var clockTable = ClockTable(offsets: [])

    /// Binds the data socket and connects to the controller.
    /// - Parameter makeComputation: builds the panel's computation from the controller's Configure message.
    public init(options: PanelNodeOptions, signals: SignalWatcher,
                makeComputation: @escaping (Configure, Int) throws -> any PanelComputation) throws(RuntimeError) {
        self.options = options
        self.signals = signals
        self.computationFactory = makeComputation
        logger = ChainLog.panel(options.index)
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
            log(.info, "CURVE: \(authenticator.accepted) handshakes admitted, \(authenticator.rejected) refused (key not configured)")
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
                    log(.notice, "the controller (pid \(parent)) has exited; exiting")
                    return 3
                }
                nextHeartbeat = now + UInt64(options.heartbeatIntervalMs) * 1_000_000
            }
            if options.controllerSilenceMs > 0,
               now - lastControllerContactNs > UInt64(options.controllerSilenceMs) * 1_000_000 {
                log(.notice, "controller \(options.controllerEndpoint) silent for \(options.controllerSilenceMs) ms; exiting")
                return 4
            }
            if faults.isPartitioned(now: now) {
                // a cut link: read nothing, send nothing, then drop what queued up meanwhile
                usleep(useconds_t(min(50_000, (faults.partitionedUntilNs - now) / 1000 + 1)))
                if monotonicNanos() >= faults.partitionedUntilNs { discardQueuedTraffic() }
                continue
            }
            execute(hops.onTick(now: now))
            if let verdict = inbound.onTick(now: now) { execute(verdict) }
            if linkReports.isDue(now: now) { sendWaitingLinkReports() }
            // while a γ waits for its measurements, no further γ is read
            let readsData = !inbound.isHolding
            pollSet.removeAll()
            polledSuccessors.removeAll(keepingCapacity: true)
            let controlItem = pollSet.add(control)
            let dataItem = readsData ? pollSet.add(data) : -1
            let signalItem = pollSet.add(fileDescriptor: signals.fileDescriptor)
            let firstSuccessorItem = signalItem + 1
            for (panel, socket) in successors {
                pollSet.add(socket)
                polledSuccessors.append(panel)
            }
            do {
                var waitNs = nextHeartbeat - min(nextHeartbeat, monotonicNanos())
                if let deadline = hops.nextDeadlineNs { waitNs = min(waitNs, deadline - min(deadline, monotonicNanos())) }
                if let deadline = inbound.holdDeadlineNs { waitNs = min(waitNs, deadline - min(deadline, monotonicNanos())) }
                if let deadline = linkReports.dueNs { waitNs = min(waitNs, deadline - min(deadline, monotonicNanos())) }
                // woken by any message at once; the timeout only serves deadlines (rounded up, never early)
                try pollSet.poll(timeoutMs: Int((waitNs + 999_999) / 1_000_000))
            } catch {
                log(.error, "poll failed: \(error)")
                return 1
            }
            if pollSet.isReadable(signalItem) {
                let caught = signals.pending()
                if caught.contains(SIGTERM) || caught.contains(SIGINT) || caught.contains(SIGHUP) { return 0 }
            }
            if pollSet.isReadable(controlItem) {
                if let status = drainControl() { return status }
                while !released.isEmpty { execute(released.removeFirst()) }
            }
            if readsData && pollSet.isReadable(dataItem) { drainData() }
            for (i, panel) in polledSuccessors.enumerated() where pollSet.isReadable(firstSuccessorItem + i) {
                if let socket = successors[panel] { drainAcks(from: socket, panel: panel) }
            }
        }
    }

    /// A diagnostic of this panel (node `panel-<k>`), with the run id once configured and the step it concerns.
    func log(_ level: Logger.Level, _ text: String, step: StepID? = nil) {
        let runID = runID == 0 ? nil : runID
        let metadata: Logger.Metadata = step.map { .step(run: Int($0.run), step: Int($0.step), runID: runID) }
            ?? runID.map { ["run_id": .string(String($0))] } ?? [:]
        logger.log(level: level, "\(text)", metadata: metadata)
    }
}
