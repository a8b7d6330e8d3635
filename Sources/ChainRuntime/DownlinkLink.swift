// DownlinkLink: the downlink node beside the chain — the controller's client (snapshots out, estimates in) and the
// node's server loop (`dmimo-downlink serve`).
import ChainLog
import ChainProtocol
import Config
import Downlink
import Foundation
import Logging
import Numerics
import Scenario
import Wire
import ZeroMQ

/// The frame both sides agree on: the downlink paper's 40 m AP square re-centred on the room centre.
public let downlinkFrameName = "paper-40m-square-centred-on-room-15-15"
let downlinkSquareCentre = Point2(15, 15)

func downlinkNetwork(illuminationPoints: Int, centre: Point2) throws(RuntimeError) -> DownlinkNetwork {
    var options = DownlinkNetworkOptions()
    options.squareCentre = downlinkSquareCentre
    options.regionCentre = centre
    options.illuminationPoints = illuminationPoints
    do { return try DownlinkNetwork(options: options) } catch { throw RuntimeError("downlink: \(error)") }
}

/// The controller's side: synthesizes the UE's observation each step, sends it, collects estimates into downlink.csv.
public final class DownlinkClient {
    let settings: DownlinkSection
    let socket: ZMQSocket
    let context: ZMQContext
    let file: FileHandle
    let runID: UInt64
    var inFlight: [SnapshotKey: (truth: SIMD2<Double>, centre: Point2, sentNs: UInt64, processing: String)] = [:]
    /// The estimators asked for per step (`downlink.processing`).
    let processing: [String]
    public private(set) var sent = 0, received = 0, skipped = 0
    /// Answers that refused the snapshot (their `error` set); not in downlink.csv.
    public private(set) var refused = 0
    /// Position errors (m) per estimator.
    public private(set) var errors: [String: [Double]] = [:]
    let downlinkProtocol: Downlink.DownlinkProtocol

    /// - Parameter security: the controller's CURVE keys (nil: plain text); the node must hold the `downlink` key.
    public init(settings: DownlinkSection, endpoint: String, directory: URL, runID: UInt64,
                security: NodeSecurity? = nil) throws(RuntimeError) {
        self.settings = settings
        self.runID = runID
        downlinkProtocol = settings.protocolName == "P2" ? .p2 : .p1
        processing = settings.processingList
        do {
            context = try ZMQContext()
            socket = try ChainSockets(context: context, security: security).make(.downlinkLink)
            try socket.connect(endpoint)
        } catch { throw RuntimeError("downlink node \(endpoint): \(error)") }
        let url = directory.appendingPathComponent("downlink.csv")
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        guard let handle = try? FileHandle(forWritingTo: url) else { throw RuntimeError("cannot write \(url.path)") }
        file = handle
        file.write(Data("run,step,true_x_m,true_y_m,est_x_m,est_y_m,error_m,phase_offset_rad,phase_error_rad,centre_x_m,centre_y_m,protocol,power_dbm,compute_us,round_trip_us,processing,peb_m,peb_coherent_m,peb_noncoherent_m\n".utf8))
    }

    /// The in-flight key of (run, step, estimator); the node's answers carry run and step in the header and the
    /// estimator in the body.
    struct SnapshotKey: Hashable {
        var step: StepID
        var processing: String
    }

    static func key(_ run: Int, _ step: Int, _ processing: String) -> SnapshotKey {
        SnapshotKey(step: StepID(run: UInt32(run), step: UInt32(step)), processing: processing)
    }

    /// Sends the snapshot of (run, step) once per estimator of `downlink.processing`: the UE at `truth`, illumination
    /// centred on `centre` (room metres).
    public func send(run: Int, step: Int, seed: UInt64, truth: SIMD2<Double>, centre: SIMD2<Double>) throws(RuntimeError) {
        drain()
        guard inFlight.count + processing.count <= max(settings.maxInFlight, processing.count) else { skipped += 1; return }
        let c = settings.followChain && centre.x.isFinite ? Point2(centre.x, centre.y) : downlinkSquareCentre
        let network = try downlinkNetwork(illuminationPoints: settings.illuminationPoints, centre: c)
        let samples = DownlinkSignalModel.noisySnapshot(
            network: network, protocol: downlinkProtocol, user: Point2(truth.x, truth.y),
            phaseOffset: settings.phaseOffsetDeg * .pi / 180, perAPPower: watts(fromDBm: settings.powerDbm),
            noiseVariance: DownlinkConstants.noiseVariance, seed: seed, runIndex: step)
        for mode in processing {
            let snapshot = DownlinkSnapshot(
                downlinkProtocol: downlinkProtocol == .p2 ? .p2 : .p1, re: samples.map(\.real), im: samples.map(\.imaginary),
                illuminationX: network.illuminationX, illuminationY: network.illuminationY, powerDbm: settings.powerDbm,
                centreX: c.x, centreY: c.y, frame: downlinkFrameName, processing: mode)
            let envelope = Envelope(header: Header(runID: runID, run: UInt32(run), step: UInt32(step),
                                                   sender: controllerSender), body: .downlinkSnapshot(snapshot))
            do { guard try socket.send(WireCodec.encode(envelope)) else { skipped += 1; continue } } catch {
                throw RuntimeError("downlink node: send failed: \(error)")
            }
            inFlight[Self.key(run, step, mode)] = (truth, c, monotonicNanos(), mode)
            sent += 1
        }
    }

    /// Writes every estimate that has arrived.
    public func drain() {
        while let message = try? socket.receive(dontWait: true) {
            let now = monotonicNanos()
            guard let envelope = try? WireCodec.decode(message.bytes), envelope.header.runID == runID,
                  case .downlinkEstimate(let e) = envelope.body,
                  let pending = inFlight.removeValue(forKey: Self.key(Int(envelope.header.run), Int(envelope.header.step), e.processing))
            else { continue }
            received += 1
            if !e.error.isEmpty { refused += 1; continue }
            let error = ((e.x - pending.truth.x) * (e.x - pending.truth.x) + (e.y - pending.truth.y) * (e.y - pending.truth.y)).squareRoot()
            errors[pending.processing, default: []].append(error)
            // δφ is identifiable modulo π (spec): the error is folded into (−π/2, π/2]
            var phaseError = e.phaseOffsetRad - settings.phaseOffsetDeg * .pi / 180
            phaseError -= .pi * (phaseError / .pi).rounded()
            file.write(Data(("\(envelope.header.run),\(envelope.header.step),\(pending.truth.x),\(pending.truth.y),\(e.x),\(e.y),"
                + "\(error),\(e.phaseOffsetRad),\(phaseError),\(pending.centre.x),\(pending.centre.y),\(settings.protocolName),"
                + "\(settings.powerDbm),\(fixed(Double(e.computeNs) / 1000, 1)),\(fixed(Double(elapsedNs(from: pending.sentNs, to: now)) / 1000, 1)),"
                + "\(pending.processing),\(e.pebM),\(e.pebCoherentM),\(e.pebNonCoherentM)\n").utf8))
        }
    }

    /// Waits up to `timeoutMs` for the outstanding estimates, then closes the file.
    public func finish(timeoutMs: Int = 10_000) {
        let deadline = monotonicNanos() + UInt64(timeoutMs) * 1_000_000
        while !inFlight.isEmpty && monotonicNanos() < deadline {
            _ = try? zmqPoll([socket], timeoutMs: 50)
            drain()
        }
        try? file.close()
        socket.close()
    }

    /// Summary for summary.json.
    public var json: RunSummary.DownlinkSummary {
        func rmse(_ values: [Double]) -> Double {
            values.isEmpty ? .nan : (values.map { $0 * $0 }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        // rmse_m: the first estimator listed (the only one by default)
        let byProcessing = Dictionary(uniqueKeysWithValues: processing.map { ($0, rmse(errors[$0] ?? [])) })
        return .init(frame: downlinkFrameName, protocol: settings.protocolName, powerDbm: settings.powerDbm,
                     illuminationPoints: settings.illuminationPoints, followChain: settings.followChain,
                     processing: processing.joined(separator: ","), snapshotsSent: sent, estimatesReceived: received,
                     snapshotsSkippedNodeBusy: skipped, refused: refused, lost: sent - received,
                     rmseM: byProcessing[processing[0]] ?? Double.nan, rmseMByProcessing: byProcessing)
    }
}

/// The estimator a snapshot asks for when its `processing` is empty.
public let defaultDownlinkEstimator = DownlinkEstimatorKind.adaptive

/// The node's answer to one snapshot (compute time left 0): the estimate of the estimator it asks for (empty: adaptive)
/// with the coherent and non-coherent PEBs at the estimate for the snapshot's geometry and power (default reading:
/// noise variance `DownlinkConstants.noiseVariance`, free amplitudes), `pebM` the one of the estimator's processing.
/// An unknown estimator name gives an answer with `error` set; a snapshot that does not fit its frame throws.
/// - Parameter cache: estimators per (protocol, K, centre), reused across snapshots (emptied beyond 64).
public func answerDownlinkSnapshot(_ s: DownlinkSnapshot, cache: inout [String: DownlinkEstimators]) throws(RuntimeError) -> Wire.DownlinkEstimate {
    let name = s.processing.isEmpty ? defaultDownlinkEstimator.rawValue : s.processing
    guard let kind = DownlinkEstimatorKind(name: name) else {
        return Wire.DownlinkEstimate(x: .nan, y: .nan, phaseOffsetRad: .nan, cost: .nan, computeNs: 0, processing: s.processing,
                                     error: "unknown processing '\(s.processing)'; allowed: \(DownlinkEstimatorKind.allowedNames)")
    }
    let proto: Downlink.DownlinkProtocol = s.downlinkProtocol == .p2 ? .p2 : .p1
    let network = try downlinkNetwork(illuminationPoints: s.illuminationX.count, centre: Point2(s.centreX, s.centreY))
    guard network.illuminationX == s.illuminationX, network.illuminationY == s.illuminationY else {
        throw RuntimeError("the illumination points do not match the frame's grid around (\(s.centreX), \(s.centreY)) m")
    }
    let key = "\(proto)-\(s.illuminationX.count)-\(s.centreX)-\(s.centreY)"
    let estimators: DownlinkEstimators
    if let cached = cache[key] { estimators = cached } else {
        do { estimators = try DownlinkEstimators(network: network, protocol: proto) } catch { throw RuntimeError("\(error)") }
        if cache.count > 64 { cache.removeAll() }
        cache[key] = estimators
    }
    let samples = zip(s.re, s.im).map { Complex($0, $1) }
    let e: DownlinkModeEstimate
    do { e = try estimators.estimate(kind, samples: samples) } catch { throw RuntimeError("\(error)") }
    let reading = DownlinkReading()
    func peb(_ processing: DownlinkProcessing) -> Double {
        reading.peb(network: network, protocol: proto, processing: processing, user: e.position, phaseOffset: e.phaseOffset ?? 0,
                    powerDBm: s.powerDbm)
    }
    let coherent = peb(.coherent), nonCoherent = peb(.nonCoherent)
    return Wire.DownlinkEstimate(x: e.position.x, y: e.position.y, phaseOffsetRad: e.phaseOffset ?? .nan, cost: e.normalisedCost,
                                 computeNs: 0, processing: kind.rawValue, pebM: kind.processing == .coherent ? coherent : nonCoherent,
                                 pebCoherentM: coherent, pebNonCoherentM: nonCoherent)
}

/// The downlink node: answers each snapshot with the estimate of the estimator it asks for (`answerDownlinkSnapshot`).
/// - Parameter security: the node's CURVE keys (nil: plain text): only the ring's nodes can send snapshots.
public func serveDownlink(endpoint: String, signals: SignalWatcher, parentPID: Int32? = nil, security: NodeSecurity? = nil,
                          log: Logger = ChainLog.downlink) throws(RuntimeError) {
    let context: ZMQContext, socket: ZMQSocket
    do { context = try ZMQContext() } catch { throw RuntimeError("dmimo-downlink: cannot create a ZeroMQ context: \(error)") }
    let authenticator = try security?.startAuthenticator(context)
    defer { authenticator?.stop() }
    do {
        socket = try ChainSockets(context: context, security: security).make(.downlinkServer)
        try socket.bind(endpoint)
    } catch { throw RuntimeError("dmimo-downlink: cannot bind \(endpoint): \(error)") }
    defer { socket.close() }
    var counters = NodeCounters()
    var estimators: [String: DownlinkEstimators] = [:]
    var refusals = 0
    log.info("serving on \(endpoint) (frame \(downlinkFrameName))")
    while true {
        let ready: (sockets: [Bool], fileDescriptors: [Bool])
        do { ready = try zmqPoll([socket], fileDescriptors: [signals.fileDescriptor], timeoutMs: 1000) } catch {
            throw RuntimeError("dmimo-downlink: poll: \(error)")
        }
        if let parentPID, parentHasExited(expectedParent: parentPID) {
            log.notice("the controller (pid \(parentPID)) has exited; stopping")
            return
        }
        if ready.fileDescriptors[0], !signals.pending().isEmpty {
            log.info("stopping: \(counters.received) snapshots answered, \(counters.dropped) dropped")
            return
        }
        guard ready.sockets[0] else { continue }
        while let frames = try? socket.receiveFrames(dontWait: true) {
            guard frames.count == 2 else { counters.droppedMalformed += 1; continue }
            let envelope: Envelope
            do { envelope = try WireCodec.decode(frames[1]) } catch {
                if case .wrongVersion = error { counters.droppedWrongVersion += 1 } else { counters.droppedMalformed += 1 }
                continue
            }
            // `chain-controller check`: Ping → Pong with this node's software version (sender −2, run id 0)
            if case .ping(let ping) = envelope.body {
                let pong = Envelope(header: Header(runID: 0, sender: downlinkSender),
                                    body: .pong(Ping(sentNs: ping.sentNs, seq: ping.seq,
                                                     payload: Array("dmimo-chain \(dmimoVersion) downlink".utf8))))
                _ = try? socket.send(frames: [frames[0], WireCodec.encode(pong)])
                continue
            }
            guard case .downlinkSnapshot(let s) = envelope.body, s.frame == downlinkFrameName, s.re.count == s.im.count else {
                counters.droppedMalformed += 1
                continue
            }
            let start = monotonicNanos()
            do {
                var answer = try answerDownlinkSnapshot(s, cache: &estimators)
                counters.received += 1
                if !answer.error.isEmpty {
                    refusals += 1
                    if refusals <= 5 {
                        log.warning("snapshot refused: \(answer.error)",
                                    metadata: .step(run: Int(envelope.header.run), step: Int(envelope.header.step),
                                          runID: envelope.header.runID))
                    }
                }
                answer.computeNs = monotonicNanos() - start
                let reply = Envelope(header: Header(runID: envelope.header.runID, run: envelope.header.run,
                                                    step: envelope.header.step, sender: downlinkSender),
                                     body: .downlinkEstimate(answer))
                _ = try? socket.send(frames: [frames[0], WireCodec.encode(reply)])
            } catch {
                counters.droppedMalformed += 1
                log.warning("snapshot rejected: \(error)",
                            metadata: .step(run: Int(envelope.header.run), step: Int(envelope.header.step),
                                          runID: envelope.header.runID))
            }
        }
    }
}
