// PanelNode+Data: a panel's data plane — γ in, acknowledged, held or processed, then forwarded or reported.
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
    /// Reads γ (and pings) until the socket is empty or a γ is held for its measurements. The frames are received
    /// into the node's reused messages and γ is decoded into the storage of the last γ acknowledged
    /// (``spareGamma``), protobuf-c unpacking into the node's ``WireArena``: no allocation per hop once sized.
    func drainData() {
        while !inbound.isHolding {
            let got: Bool
            do { got = try data.receive(into: identityFrame, dontWait: true) } catch {
                log(.error, "data receive: \(error)"); return
            }
            guard got else { return }
            guard identityFrame.more, (try? data.receive(into: payloadFrame, dontWait: false)) == true else {
                counters.droppedMalformed += 1
                continue
            }
            let recvNs = monotonicNanos()
            let payloadBytes = payloadFrame.count
            var envelope: Envelope
            do { envelope = try WireCodec.decode(payloadFrame.bytes, arena: arena, reusing: &spareGamma) } catch {
                count(error)
                if payloadFrame.more { try? data.drainRemainingFrames() }
                // a node of another protocol version gets a Pong in ours, so `chain-controller check` can name it
                if case .wrongVersion = error { answerPing(identityFrame.array, Ping(sentNs: 0, seq: 0), recvNs: recvNs) }
                continue
            }
            let decodedNs = monotonicNanos()  // decoded, the incoming checksum verified (WireCodec.decode)
            if payloadFrame.more { try? data.drainRemainingFrames() }
            counters.received += 1
            if case .ping(let ping) = envelope.body {
                answerPing(identityFrame.array, ping, recvNs: recvNs)
                continue
            }
            guard inbound.admits(runID: envelope.header.runID) else { counters.droppedWrongRun += 1; continue }
            let header = envelope.header
            // moved out of the message, so `gamma` is the only owner of its arrays (no copy on write later)
            guard let gamma = envelope.takeGamma() else { counters.droppedMalformed += 1; continue }
            // acknowledged once γ is forwarded (or held, or dropped): ``flushAcknowledgement()``
            ackIdentity.removeAll(keepingCapacity: true)
            ackIdentity.append(contentsOf: identityFrame.bytes)
            pendingAck = PendingAck(header: header, hop: gamma.hop, island: gamma.island, recvNs: recvNs)
            let arrival = emulateFronthaul(gamma, rawRecvNs: recvNs, bytes: payloadBytes)
            // consumed all the way to the update, so γ's arrays stay uniquely referenced (no copy on write)
            receive(ArrivedGamma(gamma: consume gamma, header: header, recvNs: arrival, payloadBytes: payloadBytes,
                                 rawRecvNs: recvNs, decodeNs: elapsedNs(from: recvNs, to: decodedNs),
                                 readyNs: max(arrival, decodedNs)))
            flushAcknowledgement()
        }
    }

    /// Answers a reachability check and clock exchange: a PONG with this node's software version, protocol
    /// version and run id, stamped with the PING's receipt and the PONG's send (this panel's clock); keeps the
    /// clock table a controller's PING carries.
    func answerPing(_ sender: [UInt8], _ ping: Ping, recvNs: UInt64) {
        if !ping.clockOffsetNs.isEmpty { clockTable = ClockTable(offsetNs: ping.clockOffsetNs, boundNs: ping.clockBoundNs) }
        let text = "dmimo-chain \(dmimoVersion) panel \(options.index) run-id \(runID)"
        let pong = Envelope(header: Header(runID: runID, sender: Int32(options.index)),
                            body: .pong(Ping(sentNs: ping.sentNs, seq: ping.seq, payload: ping.echo ? ping.payload : Array(text.utf8),
                                             nodeRecvNs: recvNs, nodeSendNs: monotonicNanos())))
        _ = try? data.send(frames: [sender, WireCodec.encode(pong)])
    }

    /// Drops everything that arrived while the link was cut.
    func discardQueuedTraffic() {
        for socket in [data, control] + Array(successors.values) {
            while let message = try? socket.receive(dontWait: true) { _ = consume message }
        }
        hops.removeAll()
    }

    /// Sends the acknowledgement of the γ last read, if not sent yet: after γ was forwarded (acknowledgements off
    /// the critical path), before an injected forward delay, or once γ was held or dropped. It carries how long this
    /// panel held γ (``HopAck/heldNs``), which the sender subtracts from its round trip. ``HopAck/recvNs`` stays 0
    /// (no one reads it): the acknowledgement then fits in a libzmq very small message (≤ 33 bytes), which
    /// zmq_send stores inline instead of allocating a body for it (the frame sizes: `hop-bench`).
    func flushAcknowledgement() {
        guard let pending = pendingAck else { return }
        pendingAck = nil
        let h = pending.header
        let ack = Envelope(header: Header(runID: runID, run: h.run, step: h.step, attempt: h.attempt, sender: Int32(options.index)),
                           body: .hopAck(HopAck(hop: pending.hop, recvNs: 0,
                                                heldNs: elapsedNs(from: pending.recvNs, to: monotonicNanos()),
                                                island: pending.island)))
        WireCodec.encode(ack, into: &ackBuffer, arena: arena)
        do {
            guard try data.send(ackIdentity, more: true, dontWait: true) else { return }
            _ = try data.send(ackBuffer, dontWait: true)
        } catch {
            // the sender went away; it will time out and skip us
        }
    }

    /// Fronthaul emulation: holds a panel-to-panel hop until the modelled link time (8·bytes/rate + per-transfer
    /// latency) has passed since the sender's send stamp, mapped onto this panel's clock through the controller's
    /// clock table (``FronthaulHold``: never longer than the model). A hop that already took longer is left as it
    /// is (the report counts it).
    /// - Returns: the arrival time to record.
    func emulateFronthaul(_ gamma: Gamma, rawRecvNs: UInt64, bytes: Int) -> UInt64 {
        guard let fronthaul, let previous = gamma.timings.last else { return rawRecvNs }
        let target = FronthaulHold.releaseNs(senderSendNs: previous.sendNs, sender: clockTable[Int(previous.panel)],
                                             receivedNs: rawRecvNs, receiver: clockTable[options.index],
                                             modelNs: UInt64(fronthaul.modelledNs(bytes: bytes).rounded(.up)))
        guard target > rawRecvNs else { return rawRecvNs }
        while monotonicNanos() < target {}  // sub-microsecond precision: a sleep would overshoot by ~50 µs
        return target
    }

    /// Applies the inbound rules to an arriving γ and executes the verdict.
    func receive(_ arrived: consuming ArrivedGamma) {
        // read through `arrived` (no local copy of γ, which would share its arrays with the update)
        let islands = Int(arrived.gamma.islands)
        let inboundGamma = InboundGamma(
            step: arrived.step, attempt: arrived.header.attempt, route: arrived.gamma.route, hop: Int(arrived.gamma.hop),
            skipped: arrived.gamma.skipped, reset: arrived.gamma.reset,
            wellFormed: arrived.gamma.particles.isConsistent
                && (islands > 1 ? computation?.accepts(islandParticleCount: arrived.gamma.particles.count, islands: islands)
                                : computation?.accepts(particleCount: arrived.gamma.particles.count)) == true,
            measurementsReady: computation?.isReady(run: arrived.header.run, step: arrived.header.step) ?? true,
            island: Int(arrived.gamma.island), islands: islands)
        execute(inbound.onGamma(inboundGamma, payload: consume arrived, now: monotonicNanos()))
    }

    /// Executes an inbound verdict: count a dropped γ, hand a re-issued one on, or run the panel update. Consumes
    /// the verdict so that γ's arrays stay uniquely referenced (the update writes them in place, no copy).
    func execute(_ verdict: consuming GammaVerdict<ArrivedGamma>) {
        if case .process(let order, let arrived) = verdict {
            verdict = .hold  // lets go of γ: `arrived` is the only owner of its arrays
            process(consume arrived, order)
            return
        }
        switch verdict {
        case .drop(.malformed): counters.droppedMalformed += 1
        case .drop(.duplicate): counters.duplicates += 1
        case .drop(.stale): counters.droppedStale += 1
        case .hold: break
        case .handOn(let arrived):
            // a re-issued attempt of a step this panel already processed: γ goes on unchanged, listed as skipped
            counters.duplicates += 1
            var passed = arrived.gamma
            passed.skipped = PanelForward.skippedAfterHandOn(passed.skipped, by: Int32(options.index))
            forward(passed, header: arrived.header, output: PanelOutput(), timing: HopTiming(
                panel: Int32(options.index), recvNs: arrived.recvNs, computeDoneNs: arrived.recvNs,
                linkBytes: UInt32(arrived.payloadBytes), rawRecvNs: arrived.rawRecvNs, decodeNs: arrived.decodeNs))
        case .process(let order, let arrived):
            process(consume arrived, order)
        }
    }

    /// The step's measurement batch did not come within the wait: counted and logged (the update runs without it).
    func noteMissingMeasurements(_ step: StepID) {
        counters.missingMeasurements += 1
        log(.warning, "no measurements within \(inbound.measurementWaitNs / 1_000_000) ms; updating without", step: step)
    }

    /// Runs the panel update on γ and forwards it.
    func process(_ arrived: consuming ArrivedGamma, _ order: ProcessOrder) {
        if order.measurementsMissing { noteMissingMeasurements(arrived.step) }
        if arrived.gamma.islands > 1 { processIsland(consume arrived, order); return }
        let header = arrived.header
        // move the computation out while it works, so its buffers are never shared (no copy-on-write)
        guard var computation = self.computation.take() else { return }
        let recvNs = arrived.recvNs, rawRecvNs = arrived.rawRecvNs, payloadBytes = arrived.payloadBytes
        let decodeNs = arrived.decodeNs, readyNs = arrived.readyNs
        var gamma = (consume arrived).gamma
        let updateStartNs = monotonicNanos()
        // a held γ waited from being ready (decoded, padded) until its batch came (or the wait ended)
        let measurementWaitNs = order.wasHeld ? elapsedNs(from: readyNs, to: updateStartNs) : 0
        let output = computation.process(particles: &gamma.particles, run: header.run, step: header.step,
                                         isFirstOfRoute: order.isFirstOfRoute, reset: order.resetState)
        let updateNs = elapsedNs(from: updateStartNs, to: monotonicNanos())
        self.computation = computation
        if let report = output.report { gamma.reports.append(report) }
        let timing = HopTiming(panel: Int32(options.index), recvNs: recvNs, computeDoneNs: monotonicNanos(),
                               padNs: elapsedNs(from: rawRecvNs, to: recvNs),
                               measurements: output.measurements, linkBytes: UInt32(payloadBytes),
                               rawRecvNs: rawRecvNs, decodeNs: decodeNs, measurementWaitNs: measurementWaitNs,
                               updateNs: updateNs)
        forward(consume gamma, header: header, output: output, timing: timing)
    }

    /// Sends γ to the next panel of the route, or the step result to the controller after the last one.
    func forward(_ gamma: consuming Gamma, header: Header, output: PanelOutput, timing incomingTiming: HopTiming) {
        var timing = incomingTiming
        let delayNs = faults.forwardDelayNs(now: monotonicNanos())
        if delayNs > 0 {
            flushAcknowledgement()  // an injected slow panel is slow, not silent
            let until = monotonicNanos() + delayNs
            while monotonicNanos() < until { usleep(useconds_t(min(1000, (until - min(until, monotonicNanos())) / 1000))) }
        }
        var outHeader = header
        outHeader.sender = Int32(options.index)
        if output.estimate != nil { lastEstimate = output.estimate }
        switch PanelForward(route: gamma.route, hop: Int(gamma.hop), skipped: gamma.skipped) {
        case .next(let nextHop):
            gamma.hop = UInt32(nextHop)
            gamma.checksum = particleChecksum(gamma.particles)
            timing.sendNs = monotonicNanos()
            // islands: only island 0 carries the step's hop timings (hops.csv); the others carry the last hop's
            // alone (its send stamp for the fronthaul emulation), which keeps them small to encode and decode
            if gamma.island != 0 { gamma.timings.removeAll(keepingCapacity: true) }
            gamma.timings.append(timing)
            linkReports.move(into: &gamma.linkReports)  // this panel's reports of its earlier hops ride along
            let route = gamma.route, skipped = gamma.skipped, island = Int(gamma.island)
            execute(hops.send(Envelope(header: outHeader, body: .gamma(consume gamma)),
                              step: StepID(run: header.run, step: header.step), route: route, hop: nextHop,
                              skipped: skipped, island: island, now: monotonicNanos()))
            flushAcknowledgement()
        case .result(let end) where gamma.islands > 1:
            // an island handed on by the last panel: gathered with the step's other islands
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            flushAcknowledgement()
            islandEnded(gamma, header: header, weightedHere: false, skipped: end.skipped)
        case .result(let end):
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            sendResult(gamma, end, header: header, estimate: output.estimate)
            flushAcknowledgement()
            spareGamma = consume gamma
        }
    }

    /// The step result from the last live panel of the route, with the link reports γ carried and this panel's own.
    func sendResult(_ gamma: Gamma, _ end: RouteEnd, header: Header, estimate: SIMD4<Double>?) {
        let e = estimate ?? .zero
        var result = StepResult(
            estX: e.x, estY: e.y, estVX: e.z, estVY: e.w,
            posterior: gamma.particles, timings: gamma.timings,
            contributed: end.contributed, skipped: end.skipped, reports: gamma.reports, outcome: Outcome(end.ending),
            checksum: particleChecksum(gamma.particles), linkReports: gamma.linkReports)
        linkReports.move(into: &result.linkReports)
        sendControl(.stepResult(result), run: header.run, step: header.step, attempt: header.attempt)
        counters.forwarded += 1
    }
}
