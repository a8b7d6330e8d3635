// Messages: the typed Swift values of every dmimo-chain wire message (proto/dmimo.proto), free of C types.

/// The protocol version every node speaks; messages of another version are dropped and counted.
public let wireProtocolVersion: UInt32 = 2
/// The protocol version as a plain number (for reports).
public var wireProtocolVersionNumber: UInt32 { wireProtocolVersion }

/// Largest particle count a message may carry (2^20; 16 MiB of floats).
public let maxParticlesPerMessage = 1 << 20

public enum MessageType: UInt32, Sendable, CaseIterable {
    // 3 was protocol 1's STEP_START: the controller sends γ as GAMMA like every panel
    case hello = 1, configure, gamma = 4, stepResult, hopAck, heartbeat, measurementBatch,
         downlinkSnapshot, downlinkEstimate, control, ping, pong, linkReport, floorRequest, floorReport
}

/// Fields every message carries.
/// The message's kind is not a field: it follows from the body (``Body/messageType``), so it is written once.
public struct Header: Sendable, Equatable {
    public var protocolVersion: UInt32 = wireProtocolVersion
    /// Identifies one run set of the controller; messages of another run id are dropped.
    public var runID: UInt64
    /// Monte-Carlo run index within the run set.
    public var run: UInt32 = 0
    /// Time step index n.
    public var step: UInt32 = 0
    /// Attempt number of this step (0 first; re-issued steps count up).
    public var attempt: UInt32 = 0
    /// Panel index of the sender; -1 controller, -2 downlink node.
    public var sender: Int32

    public init(runID: UInt64, run: UInt32 = 0, step: UInt32 = 0, attempt: UInt32 = 0,
                sender: Int32, protocolVersion: UInt32 = wireProtocolVersion) {
        self.runID = runID
        self.run = run
        self.step = step
        self.attempt = attempt
        self.sender = sender
        self.protocolVersion = protocolVersion
    }
}

/// Sender index of the controller.
public let controllerSender: Int32 = -1
/// Sender index of the downlink node.
public let downlinkSender: Int32 = -2

/// Agent particles, structure of arrays: positions in metres, velocities in metres per second.
public struct ParticleArrays: Sendable, Equatable {
    public var x: [Float]
    public var y: [Float]
    public var vx: [Float]
    public var vy: [Float]

    public init(x: [Float] = [], y: [Float] = [], vx: [Float] = [], vy: [Float] = []) {
        self.x = x; self.y = y; self.vx = vx; self.vy = vy
    }

    public var count: Int { x.count }
    public var isConsistent: Bool { y.count == x.count && vx.count == x.count && vy.count == x.count }
}

public struct Hello: Sendable, Equatable {
    public var node: String
    public var index: Int32
    public var pid: UInt64
    public var version: String
    public var dataEndpoint: String
    public var host: String
    public init(node: String, index: Int32, pid: UInt64, version: String, dataEndpoint: String = "", host: String = "") {
        self.node = node; self.index = index; self.pid = pid; self.version = version
        self.dataEndpoint = dataEndpoint; self.host = host
    }
}

/// What the controller tells a panel before a run set: the chain's data endpoints, what to run, the hop settings,
/// and (filter mode) the panel's own model. A panel needs nothing else to run its part of the chain.
public struct Configure: Sendable, Equatable {
    /// Data endpoint of panel k at index k.
    public var dataEndpoints: [String]
    /// "probe" or the filter method's name ("loca-los", "loca-mpc").
    public var mode: String
    /// Particles per message.
    public var particles: UInt32
    /// How many silent successors a panel may skip.
    public var maxSkip: UInt32
    /// The run set's base seed; run r uses `seed + r`.
    public var seed: UInt64
    /// A hop not acknowledged within this is resent, ms.
    public var ackTimeoutMs: UInt32
    /// Resends of a hop before its receiver is skipped.
    public var hopRetries: UInt32
    /// Longest wait for a step's measurement batch once its γ has arrived, ms.
    public var measurementWaitMs: UInt32
    /// Fronthaul emulation of the panel-to-panel hops.
    public var fronthaul: FronthaulSetup
    /// Filter mode: the receiving panel's own model (nil in probe mode).
    public var panel: PanelSetup?

    public init(dataEndpoints: [String], mode: String, particles: UInt32 = 0, maxSkip: UInt32 = 1, seed: UInt64 = 0,
                ackTimeoutMs: UInt32 = 100, hopRetries: UInt32 = 1, measurementWaitMs: UInt32 = 2000,
                fronthaul: FronthaulSetup = FronthaulSetup(), panel: PanelSetup? = nil) {
        self.dataEndpoints = dataEndpoints; self.mode = mode; self.particles = particles; self.maxSkip = maxSkip
        self.seed = seed; self.ackTimeoutMs = ackTimeoutMs; self.hopRetries = hopRetries
        self.measurementWaitMs = measurementWaitMs; self.fronthaul = fronthaul; self.panel = panel
    }
}

/// The modelled fronthaul: a transfer of b bytes takes 8·b/rate + the per-transfer latency.
public struct FronthaulSetup: Sendable, Equatable {
    /// Hold each panel-to-panel hop until its modelled time.
    public var emulate: Bool
    /// Line rate, Gbit/s.
    public var rateGbps: Double
    /// Fixed latency per transfer, µs.
    public var perTransferUs: Double
    public init(emulate: Bool = false, rateGbps: Double = 0, perTransferUs: Double = 0) {
        self.emulate = emulate; self.rateGbps = rateGbps; self.perTransferUs = perTransferUs
    }
}

/// One panel's model as the wire carries it: position (m), radio and filter constants, the room.
public struct PanelSetup: Sendable, Equatable {
    /// Panel (array centroid) position, metres.
    public var x: Double, y: Double
    public var radio: RadioSetup
    public var filter: FilterSetup
    /// Side of the square room, metres.
    public var roomSide: Double
    public var walls: [WallSetup]
    public init(x: Double, y: Double, radio: RadioSetup, filter: FilterSetup, roomSide: Double, walls: [WallSetup]) {
        self.x = x; self.y = y; self.radio = radio; self.filter = filter; self.roomSide = roomSide; self.walls = walls
    }
}

/// The radio constants a panel's filter uses (docs/MODEL.md §A.5–§A.7).
public struct RadioSetup: Sendable, Equatable {
    /// Bandwidth and carrier, Hz.
    public var bandwidthHz: Double, carrierHz: Double
    /// Side M_a of the M_a × M_a array.
    public var arraySide: UInt32
    /// Per-element SNR at 1 m and the single-bounce loss, dB.
    public var snr1mDb: Double, reflectionLossDb: Double
    /// Detection threshold u_de (normalized amplitude) and mean false alarms μ_fa per panel and step.
    public var detectionThreshold: Double, falseAlarmMean: Double
    /// Largest false-alarm distance, metres.
    public var maxDistance: Double
    public init(bandwidthHz: Double, carrierHz: Double, arraySide: UInt32, snr1mDb: Double, reflectionLossDb: Double,
                detectionThreshold: Double, falseAlarmMean: Double, maxDistance: Double) {
        self.bandwidthHz = bandwidthHz; self.carrierHz = carrierHz; self.arraySide = arraySide; self.snr1mDb = snr1mDb
        self.reflectionLossDb = reflectionLossDb; self.detectionThreshold = detectionThreshold
        self.falseAlarmMean = falseAlarmMean; self.maxDistance = maxDistance
    }
}

/// The filter constants of a panel (the `filter` section; positions m, velocities m/s, time s).
public struct FilterSetup: Sendable, Equatable {
    public var particleCount: UInt32
    public var samplingInterval: Double
    public var accelerationStd: Double
    public var regularizationFactor: Double
    /// x, y, vx, vy.
    public var regularizationFloor: [Double]
    public var survivalProbability: Double, birthProbability: Double
    public var amplitudeWalkRelative: Double, amplitudeWalkFloor: Double
    public var initialExistence: Double, existenceThreshold: Double
    public var reflectionClutterMean: Double
    public var priorRadius: Double, priorVelocitySpread: Double
    public var associationMaxIterations: UInt32
    public var associationTolerance: Double
    public init(particleCount: UInt32, samplingInterval: Double, accelerationStd: Double, regularizationFactor: Double,
                regularizationFloor: [Double], survivalProbability: Double, birthProbability: Double,
                amplitudeWalkRelative: Double, amplitudeWalkFloor: Double, initialExistence: Double,
                existenceThreshold: Double, reflectionClutterMean: Double, priorRadius: Double,
                priorVelocitySpread: Double, associationMaxIterations: UInt32, associationTolerance: Double) {
        self.particleCount = particleCount; self.samplingInterval = samplingInterval
        self.accelerationStd = accelerationStd; self.regularizationFactor = regularizationFactor
        self.regularizationFloor = regularizationFloor; self.survivalProbability = survivalProbability
        self.birthProbability = birthProbability; self.amplitudeWalkRelative = amplitudeWalkRelative
        self.amplitudeWalkFloor = amplitudeWalkFloor; self.initialExistence = initialExistence
        self.existenceThreshold = existenceThreshold; self.reflectionClutterMean = reflectionClutterMean
        self.priorRadius = priorRadius; self.priorVelocitySpread = priorVelocitySpread
        self.associationMaxIterations = associationMaxIterations; self.associationTolerance = associationTolerance
    }
}

/// One wall of the room: a segment, metres.
public struct WallSetup: Sendable, Equatable {
    public var startX: Double, startY: Double, endX: Double, endY: Double
    public var interior: Bool
    public var name: String
    public init(startX: Double, startY: Double, endX: Double, endY: Double, interior: Bool, name: String) {
        self.startX = startX; self.startY = startY; self.endX = endX; self.endY = endY
        self.interior = interior; self.name = name
    }
}

/// One panel's stamps for one step, on the panel's monotonic clock (nanoseconds).
public struct HopTiming: Sendable, Equatable {
    public var panel: Int32
    public var recvNs: UInt64 = 0
    public var computeDoneNs: UInt64 = 0
    public var sendNs: UInt64 = 0
    /// Round trip send → acknowledgement of the hop into this panel, measured by its sender.
    public var linkRttNs: UInt64 = 0
    /// Fronthaul-emulation padding added before sending.
    public var padNs: UInt64 = 0
    public var measurements: UInt32 = 0
    /// Size in bytes of the message that arrived on the hop into this panel.
    public var linkBytes: UInt32 = 0
    /// Arrival time before fronthaul-emulation padding (equals `recvNs` when not padded).
    public var rawRecvNs: UInt64 = 0
    /// Frames read → γ decoded and its checksum verified, ns of this panel's clock (a duration).
    public var decodeNs: UInt64 = 0
    /// γ ready → the step's measurement batch there, ns (0 when γ was not held for it).
    public var measurementWaitNs: UInt64 = 0
    /// The panel update alone (Loca-LoS or Loca-MPC), ns.
    public var updateNs: UInt64 = 0
    public init(panel: Int32, recvNs: UInt64 = 0, computeDoneNs: UInt64 = 0, sendNs: UInt64 = 0,
                linkRttNs: UInt64 = 0, padNs: UInt64 = 0, measurements: UInt32 = 0, linkBytes: UInt32 = 0,
                rawRecvNs: UInt64 = 0, decodeNs: UInt64 = 0, measurementWaitNs: UInt64 = 0, updateNs: UInt64 = 0) {
        self.panel = panel; self.recvNs = recvNs; self.computeDoneNs = computeDoneNs; self.sendNs = sendNs
        self.linkRttNs = linkRttNs; self.padNs = padNs; self.measurements = measurements
        self.linkBytes = linkBytes; self.rawRecvNs = rawRecvNs
        self.decodeNs = decodeNs; self.measurementWaitNs = measurementWaitNs; self.updateNs = updateNs
    }
}

/// A panel's local LoS outcome for one step.
public struct PanelReport: Sendable, Equatable {
    public var panel: Int32
    /// Existence probability p_e after the update.
    public var existence: Float
    public var losDetected: Bool
    /// MMSE amplitude estimate (normalized amplitude).
    public var amplitude: Float
    public init(panel: Int32, existence: Float, losDetected: Bool, amplitude: Float) {
        self.panel = panel; self.existence = existence; self.losDetected = losDetected; self.amplitude = amplitude
    }
}

/// The particle message γ: the step's prior from the controller to the first live panel of the route, or the
/// particles from one panel to the next. One type whoever sends it.
public struct Gamma: Sendable, Equatable {
    /// Panels in chain order for this step.
    public var route: [Int32]
    /// Index in `route` of the receiving panel (> 0 when earlier panels were skipped).
    public var hop: UInt32
    public var particles: ParticleArrays
    public var timings: [HopTiming]
    public var skipped: [Int32]
    public var reports: [PanelReport]
    /// ``particleChecksum(_:)`` of `particles` as sent (0: none); the decoder verifies it (``Gamma/checksumFailed``).
    public var checksum: UInt64
    /// First step of a run: panels start from fresh state.
    public var reset: Bool
    /// The link reports of earlier hops, from the panels this γ passed (each sender adds its own), for the
    /// controller: they ride with γ rather than in a message per hop.
    public var linkReports: [LinkReport]
    /// Which island of the step's particles this γ carries (filter.islands = B > 1, docs/MODEL.md §B.7), < ``islands``.
    public var island: UInt32 = 0
    /// Number B of islands the step's particles travel as; 1 (0 on the wire): one γ carries them all.
    public var islands: UInt32 = 1
    /// The island's log weight ℓ_b (natural log; 0 after every global resampling).
    public var islandLogWeight: Double = 0
    public init(route: [Int32], hop: UInt32, particles: ParticleArrays, timings: [HopTiming] = [],
                skipped: [Int32] = [], reports: [PanelReport] = [], checksum: UInt64 = 0, reset: Bool = false,
                linkReports: [LinkReport] = [], island: UInt32 = 0, islands: UInt32 = 1, islandLogWeight: Double = 0) {
        self.route = route; self.hop = hop; self.particles = particles; self.timings = timings
        self.skipped = skipped; self.reports = reports; self.checksum = checksum; self.reset = reset
        self.linkReports = linkReports
        self.island = island; self.islands = islands; self.islandLogWeight = islandLogWeight
    }

    /// A γ with nothing in it (no storage allocated): the starting spare for ``WireCodec/decode(_:arena:reusing:)``.
    public static var empty: Gamma { Gamma(route: [], hop: 0, particles: ParticleArrays()) }
}

public enum Outcome: UInt32, Sendable {
    case unspecified = 0, delivered, degraded, abandoned
}

public struct StepResult: Sendable, Equatable {
    /// MMSE estimate: position in metres, velocity in metres per second.
    public var estX: Double, estY: Double, estVX: Double, estVY: Double
    public var posterior: ParticleArrays
    public var timings: [HopTiming]
    public var contributed: [Int32]
    public var skipped: [Int32]
    public var reports: [PanelReport]
    public var outcome: Outcome
    public var reason: String
    public var checksum: UInt64
    /// The link reports γ carried, and the last panel's own (``Gamma/linkReports``).
    public var linkReports: [LinkReport]
    public init(estX: Double = 0, estY: Double = 0, estVX: Double = 0, estVY: Double = 0,
                posterior: ParticleArrays = ParticleArrays(), timings: [HopTiming] = [], contributed: [Int32] = [],
                skipped: [Int32] = [], reports: [PanelReport] = [], outcome: Outcome = .delivered,
                reason: String = "", checksum: UInt64 = 0, linkReports: [LinkReport] = []) {
        self.estX = estX; self.estY = estY; self.estVX = estVX; self.estVY = estVY
        self.posterior = posterior; self.timings = timings; self.contributed = contributed
        self.skipped = skipped; self.reports = reports; self.outcome = outcome; self.reason = reason
        self.checksum = checksum; self.linkReports = linkReports
    }
}

public struct HopAck: Sendable, Equatable {
    public var hop: UInt32
    /// When the receiver read the Gamma (its clock), ns; panels send 0 (nothing reads it, and without it the
    /// acknowledgement fits in libzmq's inline very small message, so sending it allocates nothing).
    public var recvNs: UInt64
    /// How long the receiver held the Gamma before sending this acknowledgement (its clock), ns: it forwards γ
    /// first and acknowledges after, so the sender subtracts this from its round trip (``HopRoundTrip``).
    public var heldNs: UInt64
    /// The island acknowledged (``Gamma/island``; 0 without islands).
    public var island: UInt32
    public init(hop: UInt32, recvNs: UInt64, heldNs: UInt64 = 0, island: UInt32 = 0) {
        self.hop = hop; self.recvNs = recvNs; self.heldNs = heldNs; self.island = island
    }
}

/// What a node counted since it started.
public struct NodeCounters: Sendable, Equatable {
    public var received: UInt64 = 0
    public var droppedMalformed: UInt64 = 0
    public var droppedWrongVersion: UInt64 = 0
    public var droppedWrongRun: UInt64 = 0
    public var droppedStale: UInt64 = 0
    public var duplicates: UInt64 = 0
    public var checksumErrors: UInt64 = 0
    public var forwarded: UInt64 = 0
    public var peakRSSBytes: UInt64 = 0
    /// Steps processed without their measurement batch (it did not arrive in time).
    public var missingMeasurements: UInt64 = 0
    /// Current resident set size in bytes.
    public var rssBytes: UInt64 = 0
    public init() {}
    /// Everything dropped for any reason.
    public var dropped: UInt64 { droppedMalformed + droppedWrongVersion + droppedWrongRun + droppedStale }
}

public struct Heartbeat: Sendable, Equatable {
    public var sentNs: UInt64
    public var counters: NodeCounters
    public init(sentNs: UInt64, counters: NodeCounters) { self.sentNs = sentNs; self.counters = counters }
}

/// The measurements of one panel for one step (distances in metres, AoA in radians, normalized amplitudes).
public struct MeasurementBatch: Sendable, Equatable {
    public var panel: Int32
    public var distance: [Double]
    public var aoa: [Double]
    public var amplitude: [Double]
    public init(panel: Int32, distance: [Double], aoa: [Double], amplitude: [Double]) {
        self.panel = panel; self.distance = distance; self.aoa = aoa; self.amplitude = amplitude
    }
}

public enum DownlinkProtocol: UInt32, Sendable { case unspecified = 0, p1, p2 }

public struct DownlinkSnapshot: Sendable, Equatable {
    public var downlinkProtocol: DownlinkProtocol
    /// Received samples (√W), real and imaginary parts.
    public var re: [Double], im: [Double]
    /// Illumination points in metres.
    public var illuminationX: [Double], illuminationY: [Double]
    /// Per-AP transmit power in dBm.
    public var powerDbm: Double
    /// Centre of the illumination region in metres.
    public var centreX: Double, centreY: Double
    public var frame: String
    /// The estimator asked for (coherent, noncoherent, hybrid, adaptive); empty: the node's default (adaptive).
    public var processing: String
    public init(downlinkProtocol: DownlinkProtocol, re: [Double], im: [Double], illuminationX: [Double],
                illuminationY: [Double], powerDbm: Double, centreX: Double, centreY: Double, frame: String, processing: String = "") {
        self.downlinkProtocol = downlinkProtocol; self.re = re; self.im = im
        self.illuminationX = illuminationX; self.illuminationY = illuminationY; self.powerDbm = powerDbm
        self.centreX = centreX; self.centreY = centreY; self.frame = frame; self.processing = processing
    }
}

public struct DownlinkEstimate: Sendable, Equatable {
    /// Position estimate in metres.
    public var x: Double, y: Double
    public var phaseOffsetRad: Double
    public var cost: Double
    public var computeNs: UInt64
    /// The estimator that answered.
    public var processing: String
    /// PEB (m) of that estimator's processing at the estimate, with the snapshot's geometry and power; and the coherent
    /// and non-coherent PEBs there (0: not given).
    public var pebM: Double, pebCoherentM: Double, pebNonCoherentM: Double
    /// Non-empty: the snapshot was refused (the reason); the other fields carry no estimate.
    public var error: String
    public init(x: Double, y: Double, phaseOffsetRad: Double, cost: Double, computeNs: UInt64, processing: String,
                pebM: Double = 0, pebCoherentM: Double = 0, pebNonCoherentM: Double = 0, error: String = "") {
        self.x = x; self.y = y; self.phaseOffsetRad = phaseOffsetRad; self.cost = cost
        self.computeNs = computeNs; self.processing = processing
        self.pebM = pebM; self.pebCoherentM = pebCoherentM; self.pebNonCoherentM = pebNonCoherentM; self.error = error
    }
}

public enum ControlAction: UInt32, Sendable {
    case unspecified = 0, shutdown, kill, stop, restart, partition, slow, corrupt, duplicate, heal
}

public struct Control: Sendable, Equatable {
    public var action: ControlAction
    public var panel: Int32
    public var durationMs: UInt32
    public var delayUs: UInt32
    public init(action: ControlAction, panel: Int32 = -1, durationMs: UInt32 = 0, delayUs: UInt32 = 0) {
        self.action = action; self.panel = panel; self.durationMs = durationMs; self.delayUs = delayUs
    }
}

/// PING and PONG. A PONG echoes `sentNs` and `seq` and carries the node's receive and send stamps, so each
/// ping-pong is one clock exchange; the controller's PINGs carry its clock table (every panel's offset).
public struct Ping: Sendable, Equatable {
    /// The sender's send stamp (its monotonic clock), ns.
    public var sentNs: UInt64
    public var seq: UInt32
    public var payload: [UInt8]
    /// PONG: when the node received the PING and sent the PONG (node clock), ns; 0 when not stamped.
    public var nodeRecvNs: UInt64 = 0
    public var nodeSendNs: UInt64 = 0
    /// PING from the controller: panel k's clock − controller clock (ns) at index k …
    public var clockOffsetNs: [Int64] = []
    /// … within ± this (ns); `UInt64.max` where not known yet.
    public var clockBoundNs: [UInt64] = []
    /// PING: the PONG carries this PING's payload back (the transport-floor ping-pong, γ-sized both ways).
    public var echo = false
    public init(sentNs: UInt64, seq: UInt32, payload: [UInt8] = [], nodeRecvNs: UInt64 = 0, nodeSendNs: UInt64 = 0,
                clockOffsetNs: [Int64] = [], clockBoundNs: [UInt64] = [], echo: Bool = false) {
        self.sentNs = sentNs; self.seq = seq; self.payload = payload
        self.nodeRecvNs = nodeRecvNs; self.nodeSendNs = nodeSendNs
        self.clockOffsetNs = clockOffsetNs; self.clockBoundNs = clockBoundNs
        self.echo = echo
    }
}

/// Transport floor: the controller asks a panel to time `rounds` ping-pongs of `payloadBytes` bytes from its
/// successor socket to panel `toPanel`'s data socket, one at a time, each waiting up to `timeoutMs` for its PONG.
public struct FloorRequest: Sendable, Equatable {
    public var toPanel: Int32
    /// Payload of each PING (and of its echoing PONG), bytes: the size of the γ that link carries.
    public var payloadBytes: UInt32
    public var rounds: UInt32
    /// Longest wait for one PONG, ms.
    public var timeoutMs: UInt32
    public init(toPanel: Int32, payloadBytes: UInt32, rounds: UInt32, timeoutMs: UInt32) {
        self.toPanel = toPanel; self.payloadBytes = payloadBytes; self.rounds = rounds; self.timeoutMs = timeoutMs
    }
}

/// A panel's answer to a ``FloorRequest``: the round trips it timed (its own clock, ns), or why it could not.
public struct FloorReport: Sendable, Equatable {
    public var fromPanel: Int32
    public var toPanel: Int32
    /// Send stamp (after encoding) → PONG receipt (before decoding), ns, in order.
    public var roundTripNs: [UInt64]
    public var payloadBytes: UInt32
    /// Non-empty: the round trips could not be timed (e.g. a PONG did not come back in time).
    public var error: String
    public init(fromPanel: Int32, toPanel: Int32, roundTripNs: [UInt64], payloadBytes: UInt32, error: String = "") {
        self.fromPanel = fromPanel; self.toPanel = toPanel; self.roundTripNs = roundTripNs
        self.payloadBytes = payloadBytes; self.error = error
    }
}

/// A sender's round-trip measurement of one hop it sent (send → acknowledgement, its own clock).
public struct LinkReport: Sendable, Equatable {
    public var fromPanel: Int32
    public var toPanel: Int32
    public var rttNs: UInt64
    public var bytes: UInt32
    public var sendNs: UInt64
    /// The sender's encoding of γ for the last transmission, ns of its clock (a duration).
    public var encodeNs: UInt64
    /// The sender's ZeroMQ send call(s) of the last transmission, ns.
    public var sendCallNs: UInt64
    /// The run and step of the hop reported: a report rides to the controller in a later step's γ.
    public var run: UInt32
    public var step: UInt32
    public init(fromPanel: Int32, toPanel: Int32, rttNs: UInt64, bytes: UInt32, sendNs: UInt64,
                encodeNs: UInt64 = 0, sendCallNs: UInt64 = 0, run: UInt32 = 0, step: UInt32 = 0) {
        self.fromPanel = fromPanel; self.toPanel = toPanel; self.rttNs = rttNs; self.bytes = bytes; self.sendNs = sendNs
        self.encodeNs = encodeNs; self.sendCallNs = sendCallNs; self.run = run; self.step = step
    }
}

/// The body of a message; it must match the header's type (PING and PONG both carry ``Ping``).
public enum Body: Sendable, Equatable {
    case hello(Hello)
    case configure(Configure)
    case gamma(Gamma)
    case stepResult(StepResult)
    case hopAck(HopAck)
    case heartbeat(Heartbeat)
    case measurements(MeasurementBatch)
    case downlinkSnapshot(DownlinkSnapshot)
    case downlinkEstimate(DownlinkEstimate)
    case control(Control)
    case ping(Ping)
    /// The answer to a ping: same fields, the payload says who answers.
    case pong(Ping)
    case linkReport(LinkReport)
    case floorRequest(FloorRequest)
    case floorReport(FloorReport)

    /// The message kind on the wire: the one place that pairs a body with its type.
    public var messageType: MessageType {
        switch self {
        case .hello: .hello
        case .configure: .configure
        case .gamma: .gamma
        case .stepResult: .stepResult
        case .hopAck: .hopAck
        case .heartbeat: .heartbeat
        case .measurements: .measurementBatch
        case .downlinkSnapshot: .downlinkSnapshot
        case .downlinkEstimate: .downlinkEstimate
        case .control: .control
        case .ping: .ping
        case .pong: .pong
        case .linkReport: .linkReport
        case .floorRequest: .floorRequest
        case .floorReport: .floorReport
        }
    }
}

/// One message: header and body.
public struct Envelope: Sendable, Equatable {
    public var header: Header
    public var body: Body
    public init(header: Header, body: Body) { self.header = header; self.body = body }
    /// The message kind, from the body.
    public var type: MessageType { body.messageType }

    /// Moves a γ body out of the message (an empty acknowledgement takes its place), so that the caller holds the
    /// only reference to γ's arrays and can write them in place; nil (the message unchanged) for any other body.
    public mutating func takeGamma() -> Gamma? {
        guard case .gamma = body else { return nil }
        var taken = Body.hopAck(HopAck(hop: 0, recvNs: 0))
        swap(&taken, &body)
        guard case .gamma(let gamma) = consume taken else { return nil }
        return gamma
    }
}

/// Why bytes could not be decoded into a message.
public enum WireError: Error, Equatable, CustomStringConvertible, Sendable {
    case malformed
    case wrongVersion(UInt32)
    case unknownType(UInt32)
    case bodyMismatch(type: UInt32)
    case invalid(String)
    case tooLarge(Int)
    /// A γ or step result whose particles do not match its checksum (changed on the way).
    case checksumMismatch

    public var description: String {
        switch self {
        case .malformed: "malformed message (protobuf decode failed)"
        case .wrongVersion(let v): "protocol version \(v), expected \(wireProtocolVersion)"
        case .unknownType(let t): "unknown message type \(t)"
        case .bodyMismatch(let t): "body does not match message type \(t)"
        case .invalid(let why): "invalid message: \(why)"
        case .tooLarge(let n): "message of \(n) bytes is too large"
        case .checksumMismatch: "particles do not match their checksum"
        }
    }
}

/// A 64-bit checksum of the particle arrays' bytes (x, y, vx, vy in order): four interleaved
/// FNV-1a-style lanes over 64-bit words, then mixed. Not cryptographic. The lanes are four scalars rather
/// than a `SIMD4<UInt64>`: x86-64 has no vector 64-bit multiply below AVX-512, and the SIMD form measured
/// 60 µs for 4,096 particles where the scalar form takes a few µs (same value, bit for bit).
public func particleChecksum(_ p: ParticleArrays) -> UInt64 {
    let prime: UInt64 = 0x0000_0100_0000_01b3
    var l0: UInt64 = 0xcbf2_9ce4_8422_2325, l1: UInt64 = 0x8422_2325_cbf2_9ce4
    var l2: UInt64 = 0x9e37_79b9_7f4a_7c15, l3: UInt64 = 0x1234_5678_9abc_def1
    var total: UInt64 = 0
    func mix(_ array: [Float]) {
        array.withUnsafeBytes { bytes in
            let words = bytes.count / 8
            var i = 0
            while i + 4 <= words {
                l0 = (l0 ^ bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* prime
                l1 = (l1 ^ bytes.loadUnaligned(fromByteOffset: (i + 1) * 8, as: UInt64.self)) &* prime
                l2 = (l2 ^ bytes.loadUnaligned(fromByteOffset: (i + 2) * 8, as: UInt64.self)) &* prime
                l3 = (l3 ^ bytes.loadUnaligned(fromByteOffset: (i + 3) * 8, as: UInt64.self)) &* prime
                l0 ^= l0 >> 29; l1 ^= l1 >> 29; l2 ^= l2 >> 29; l3 ^= l3 >> 29
                i += 4
            }
            var tail: UInt64 = 0
            for b in bytes[(i * 8)...] { tail = (tail ^ UInt64(b)) &* prime }
            l0 = (l0 ^ tail) &* prime
            total &+= UInt64(bytes.count)
        }
    }
    mix(p.x); mix(p.y); mix(p.vx); mix(p.vy)
    var h = total
    for lane in [l0, l1, l2, l3] { h = (h ^ lane) &* prime; h ^= h >> 31 }
    return h
}
