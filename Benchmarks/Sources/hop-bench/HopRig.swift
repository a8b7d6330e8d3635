// HopRig: one in-process panel node and the sockets of its controller, predecessor and successor (hop-bench).
import ChainRuntime
import CMallocCounter
import Foundation
import Wire
import ZeroMQ

/// A panel node (index 1, probe mode) on its own thread, and this thread's stand-ins for its neighbours.
final class HopRig {
    let context: ZMQContext
    let control: ZMQSocket
    let predecessor: ZMQSocket
    let successor: ZMQSocket
    /// A run id of full width, as the controller draws them (a small one would shrink every frame's header).
    let runID: UInt64 = 0x9e37_79b9_7f4a_7c15
    let particles: ParticleArrays
    private var panelIdentity: [UInt8] = []
    /// The last hop's frames from panel 1: γ and its acknowledgement (bytes), and the link reports γ carried.
    private(set) var frameBytes = (gamma: 0, ack: 0, linkReport: 0)
    private let thread: Thread

    init(particles n: Int) throws {
        context = try ZMQContext()
        control = try ZMQSocket(context, .router)
        try control.setLinger(milliseconds: 0)
        try control.bind("tcp://127.0.0.1:*")
        successor = try ZMQSocket(context, .router)
        try successor.setLinger(milliseconds: 0)
        try successor.bind("tcp://127.0.0.1:*")
        predecessor = try ZMQSocket(context, .dealer)
        try predecessor.setLinger(milliseconds: 0)
        try predecessor.setRoutingID("panel-0")
        var values = (0..<n).map { Float($0) * 0.001 }
        particles = ParticleArrays(x: values, y: values.reversed(), vx: values, vy: values.reversed())
        values.removeAll()
        var options = PanelNodeOptions(index: 1, controllerEndpoint: try control.lastEndpoint(),
                                       bindEndpoint: "tcp://127.0.0.1:*")
        options.heartbeatIntervalMs = 3_600_000  // no heartbeats during the count (they are not the data path)
        let panelOptions = options
        thread = Thread {
            dmimo_malloc_track_this_thread()
            do {
                let node = try PanelNode(options: panelOptions, signals: try SignalWatcher(signals: []),
                                         makeComputation: makePanelComputation)
                _ = node.run()
            } catch {
                FileHandle.standardError.write(Data("hop-bench: panel failed: \(error)\n".utf8))
                exit(2)
            }
        }
        thread.start()
        try configure()
    }

    /// Waits for the panel's Hello, configures it (route 0 → 1 → 2, probe) and connects panel 0's DEALER.
    private func configure() throws {
        var hello: Hello?
        while hello == nil {
            guard let frames = try control.receiveFrames(), frames.count == 2 else { continue }
            if case .hello(let h) = try WireCodec.decode(frames[1]).body { hello = h; panelIdentity = frames[0] }
        }
        let endpoints = ["tcp://127.0.0.1:1", hello!.dataEndpoint, try successor.lastEndpoint()]
        let configure = Configure(dataEndpoints: endpoints, mode: "probe", particles: UInt32(particles.count),
                                  ackTimeoutMs: 5000, hopRetries: 1, measurementWaitMs: 2000)
        let envelope = Envelope(header: Header(runID: runID, sender: -1), body: .configure(configure))
        _ = try control.send(frames: [panelIdentity, WireCodec.encode(envelope)], dontWait: false)
        try predecessor.connect(hello!.dataEndpoint)
    }

    /// One hop through panel 1: γ in from panel 0, γ out to panel 2 (carrying panel 1's link report of the
    /// previous hop), panel 2's acknowledgement, panel 1's acknowledgement to panel 0; then a pause so that the
    /// panel is back in its poll before the next count starts.
    func hop(step: UInt32) throws {
        let header = Header(runID: runID, step: step, sender: 0)
        let gamma = Gamma(route: [0, 1, 2], hop: 1, particles: particles,
                          timings: [HopTiming(panel: 0, recvNs: 1, computeDoneNs: 2, sendNs: 3)],
                          checksum: particleChecksum(particles), reset: step == 0)
        _ = try predecessor.send(WireCodec.encode(Envelope(header: header, body: .gamma(gamma))), dontWait: false)
        // panel 2 receives γ and acknowledges it
        guard let out = try successor.receiveFrames(), out.count == 2,
              case .gamma(let forwarded) = try WireCodec.decode(out[1]).body, forwarded.hop == 2,
              forwarded.particles.count == particles.count else { throw HopRigError("panel 1 forwarded no γ for step \(step)") }
        frameBytes.gamma = out[1].count
        let ack = Envelope(header: Header(runID: runID, step: step, sender: 2),
                           body: .hopAck(HopAck(hop: 2, recvNs: 0)))
        _ = try successor.send(frames: [out[0], WireCodec.encode(ack)], dontWait: false)
        // panel 0 receives panel 1's acknowledgement
        guard let back = try predecessor.receive(), case .hopAck = try WireCodec.decode(back.bytes).body else {
            throw HopRigError("panel 1 did not acknowledge step \(step)")
        }
        frameBytes.ack = back.count
        // panel 1's report of its previous hop rides in this γ (no message of its own)
        if step > 0 {
            guard let report = forwarded.linkReports.last, report.step == step - 1, report.toPanel == 2,
                  report.fromPanel == 1 else { throw HopRigError("γ of step \(step) carried no link report of step \(step - 1)") }
            frameBytes.linkReport = forwarded.linkReports.count
        }
        usleep(2000)
    }

    func stop() {
        let shutdown = Envelope(header: Header(runID: runID, sender: -1),
                                body: .control(Control(action: .shutdown)))
        _ = try? control.send(frames: [panelIdentity, WireCodec.encode(shutdown)], dontWait: false)
    }
}

struct HopRigError: Error, CustomStringConvertible {
    let description: String
    init(_ text: String) { description = text }
}
