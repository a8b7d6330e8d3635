// PanelNode+Control: a panel's control plane — Hello, heartbeats, Configure, measurement batches, fault commands.
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

extension PanelNode {
    func sendHello() {
        let hello = Hello(node: "panel", index: Int32(options.index), pid: UInt64(getpid()), version: dmimoVersion,
                          dataEndpoint: dataEndpoint, host: hostName())
        sendControl(.hello(hello))
    }

    func sendHeartbeat() {
        counters.peakRSSBytes = peakRSSBytes()
        counters.rssBytes = currentRSSBytes()
        sendControl(.heartbeat(Heartbeat(sentNs: monotonicNanos(), counters: counters)))
    }

    func sendControl(_ body: Body, run: UInt32 = 0, step: UInt32 = 0, attempt: UInt32 = 0) {
        let envelope = Envelope(header: Header(runID: runID, run: run, step: step, attempt: attempt,
                                               sender: Int32(options.index)), body: body)
        WireCodec.encode(envelope, into: &encodeBuffer, arena: arena)
        do { _ = try control.send(encodeBuffer, dontWait: true) } catch { log(.warning, "control send failed: \(error)") }
    }

    /// Handles every waiting control message. Returns an exit status to stop.
    func drainControl() -> Int32? {
        while true {
            let message: ZMQMessage?
            do { message = try control.receive(dontWait: true) } catch { log(.error, "control receive: \(error)"); return 1 }
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
                    log(.error, "cannot configure: \(error)")
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
                gammaBuffers.retireAll()
                linkReports.removeAll()  // reports of the previous configuration's run set
                for k in successorsToConnect(of: options.index, panels: configure.dataEndpoints.count) { _ = successor(k) }
            case .measurements(let batch):
                guard inbound.admits(runID: envelope.header.runID) else { counters.droppedWrongRun += 1; continue }
                computation?.store(batch, run: envelope.header.run, step: envelope.header.step)
                let step = StepID(run: envelope.header.run, step: envelope.header.step)
                if let verdict = inbound.measurementsArrived(for: step) { released.append(verdict) }
            case .floorRequest(let request):
                guard inbound.admits(runID: envelope.header.runID) else { counters.droppedWrongRun += 1; continue }
                measureFloor(request)
            case .ping(let ping):
                answerControlPing(ping, receivedNs: lastControllerContactNs)
            case .control(let c):
                switch faults.apply(PanelControl(c), now: monotonicNanos()) {
                case .none: break
                case .exit(let status): return status
                case .killProcess: _exit(137)
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
}
