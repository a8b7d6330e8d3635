// PanelNode+Hops: a panel's hops to its successors — connect, transmit (with injected faults), acknowledgements.
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
    func successor(_ panel: Int) -> ZMQSocket? {
        if let s = successors[panel] { return s }
        guard let endpoints = configuration?.dataEndpoints, panel >= 0, panel < endpoints.count else { return nil }
        do {
            let s = try sockets.make(.panelToSuccessor(from: options.index, to: panel))
            try s.connect(endpoints[panel])
            successors[panel] = s
            return s
        } catch {
            log(.error, "cannot connect to panel \(panel) at \(endpoints[panel]): \(error)")
            return nil
        }
    }

    /// Executes the hop sender's directives: transmit (again), log a skipped successor, or end the step here.
    func execute(_ directives: [HopDirective<Envelope>]) {
        for directive in directives { execute(directive) }
    }

    /// Executes one of the hop sender's directives.
    func execute(_ directive: HopDirective<Envelope>) {
        switch directive {
            case .transmit(let flight, let envelope):
                transmit(flight, envelope)
            case .skip(let receiver, let hop):
                log(.warning, "panel \(receiver) silent; skipping it", step: hop.step)
            case .routeExhausted(let flight, let envelope):
                // the silent panel was the last one: this panel's own estimate is the step's estimate
                guard case .gamma(var gamma) = envelope.body else { return }
                if gamma.islands > 1 {
                    gamma.skipped = flight.skipped
                    islandEnded(gamma, header: envelope.header, weightedHere: false, skipped: flight.skipped)
                    return
                }
                sendResult(gamma, RouteEnd(route: gamma.route, skipped: flight.skipped), header: envelope.header,
                           estimate: lastEstimate)
        }
    }

    /// Puts a hop on the wire (again), γ carrying the flight's position and skipped panels.
    func transmit(_ flight: HopFlight, _ original: Envelope) {
        guard let socket = successor(Int(flight.receiver)) else { return }
        var envelope = original
        if case .gamma(var gamma) = envelope.body, gamma.hop != UInt32(flight.hop) || gamma.skipped != flight.skipped {
            // the hop goes past a skipped receiver
            gamma.hop = UInt32(flight.hop)
            gamma.skipped = flight.skipped
            envelope.body = .gamma(gamma)
        }
        let injected = faults.takeTransmitFaults()
        // a hop's first transmission, sent once and intact, goes out of a buffer libzmq reads in place (no copy)
        if flight.resends == 0, injected.copies == 1, !injected.corrupt, let buffer = gammaBuffers.freeBuffer() {
            let encodeStartNs = monotonicNanos()
            gammaBuffers.encode(envelope, into: buffer, arena: arena)
            let encodeNs = elapsedNs(from: encodeStartNs, to: monotonicNanos())
            let transmitNs = monotonicNanos()  // the transmit stamp: the round trip runs from here
            do {
                if try gammaBuffers.send(buffer, on: socket, to: flight.receiver, hop: flight.id) { counters.forwarded += 1 }
                // not queued (peer gone, queue full): the deadline will resend or skip
            } catch {
                log(.warning, "send to panel \(flight.receiver) failed: \(error)", step: flight.step)
            }
            hops.sent(flight.id, at: transmitNs, bytes: gammaBuffers.byteCount(buffer), encodeNs: encodeNs,
                      sendCallNs: elapsedNs(from: transmitNs, to: monotonicNanos()))
            return
        }
        let encodeStartNs = monotonicNanos()
        WireCodec.encode(envelope, into: &encodeBuffer, arena: arena)
        let encodeNs = elapsedNs(from: encodeStartNs, to: monotonicNanos())
        var bytes = encodeBuffer
        if injected.corrupt {
            var garbage = RandomStream(seed: UInt64(envelope.header.step), step: Int(envelope.header.run),
                                       panel: UInt32(options.index), purpose: .faults)
            for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: garbage.nextUInt32()) }
        }
        let transmitNs = monotonicNanos()  // the transmit stamp: the round trip runs from here
        for _ in 0..<injected.copies {
            do {
                if try socket.send(bytes, dontWait: true) { counters.forwarded += 1 }
                // not queued (peer gone, queue full): the deadline will resend or skip
            } catch {
                log(.warning, "send to panel \(flight.receiver) failed: \(error)", step: flight.step)
            }
        }
        hops.sent(flight.id, at: transmitNs, bytes: bytes.count, encodeNs: encodeNs,
                  sendCallNs: elapsedNs(from: transmitNs, to: monotonicNanos()))
    }

    /// Reads the acknowledgements of a successor: each ends its hop (γ's storage becomes the spare the next γ is
    /// decoded into) and is reported to the controller with the hop's network round trip (``HopRoundTrip``) — in
    /// this panel's next γ (``LinkReportQueue``).
    func drainAcks(from socket: ZMQSocket, panel: Int) {
        while (try? socket.receive(into: ackFrame, dontWait: true)) == true {
            let now = monotonicNanos()
            guard let envelope = try? WireCodec.decode(ackFrame.bytes, arena: arena, reusing: &spareGamma),
                  case .hopAck(let ack) = envelope.body, envelope.header.runID == runID else {
                counters.droppedMalformed += 1
                continue
            }
            let hop = HopID(step: StepID(run: envelope.header.run, step: envelope.header.step), hop: Int(ack.hop),
                            island: Int(ack.island))
            // the receiver holds the whole γ: its in-place buffer (and earlier ones to that receiver) are free again
            gammaBuffers.acknowledged(hop, by: Int32(panel))
            guard let (sent, payload) = hops.acknowledge(hop, by: Int32(panel)) else { continue }
            if case .gamma(let gamma) = (consume payload).body { spareGamma = gamma }
            // islands: the report of island 0's hop stands for the step's hop (hops.csv has island 0's timings)
            guard ack.island == 0 else { continue }
            let report = LinkReport(fromPanel: Int32(options.index), toPanel: Int32(panel),
                                    rttNs: HopRoundTrip.networkNs(sentNs: sent.sentNs, ackedNs: now, heldNs: ack.heldNs),
                                    bytes: UInt32(sent.bytes), sendNs: sent.sentNs, encodeNs: sent.encodeNs,
                                    sendCallNs: sent.sendCallNs, run: envelope.header.run, step: envelope.header.step)
            linkReports.add(report, now: now)
        }
    }

    /// Sends the link reports that found no γ to ride in within the hold time, one message each.
    func sendWaitingLinkReports() {
        for report in linkReports.reports {
            sendControl(.linkReport(report), run: report.run, step: report.step)
        }
        linkReports.removeAll()
    }
}
