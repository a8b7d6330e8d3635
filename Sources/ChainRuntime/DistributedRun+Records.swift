// DistributedRun+Records: a step's record from its result (or its abandonment), written once its acknowledgement round trips are in.
import ChainProtocol
import Config
import Wire

extension DistributedRun {
    /// Adds a step's record to the statistics; it is written two steps later, when its hops' link reports (sent
    /// by each hop's sender once acknowledged, so they can come after the next step's result) are in.
    func record(_ record: StepRecord) {
        accumulator.add(record)
        pendingHops.append((record, record.run, record.step))
        flushHops(keepLast: 2)
    }

    /// The record of a step abandoned after its attempts: no estimate, its latency up to now.
    func abandonedRecord(run: Int, step: Int, firstSendNs: UInt64) -> StepRecord {
        let panels = experiment.panelCount
        return StepRecord(run: run, step: step, truth: experiment.source.truth(step: step),
                          estimate: SIMD4(.nan, .nan, .nan, .nan), contributing: [], skipped: [],
                          existence: Array(repeating: .nan, count: panels),
                          losDetected: Array(repeating: false, count: panels),
                          losVisible: (0..<panels).map { experiment.source.losVisible(step: step, panel: $0) },
                          latencyNs: elapsedNs(from: firstSendNs, to: monotonicNanos()),
                          outcome: Outcome(StepEnding(contributed: nil, skipped: [], panels: panels)), hops: [],
                          startNs: firstSendNs)
    }

    /// The record of a step from its result: estimate, who contributed, every panel's report and hop timings.
    func record(of delivery: Delivery, run: Int, step: Int, firstSendNs: UInt64) -> StepRecord {
        let panels = experiment.panelCount
        let result = delivery.result
        var hops: [HopRecord] = []
        var reportByPanel: [Int: Wire.PanelReport] = [:]
        for r in result.reports { reportByPanel[Int(r.panel)] = r }
        // one-way figures in the controller's time base: each stamp through its node's clock offset
        let clocks = session.clockTable
        for (i, t) in result.timings.enumerated() {
            let previousSend = i == 0 ? delivery.lastSendNs : result.timings[i - 1].sendNs
            let sender = i == 0 ? ClockOffset.controller : clocks[Int(result.timings[i - 1].panel)]
            let receiver = clocks[Int(t.panel)]
            let link = oneWay(previousSend, by: sender, to: t.recvNs, by: receiver)
            var hop = HopRecord(panel: Int(t.panel), recvNs: t.recvNs, computeDoneNs: t.computeDoneNs,
                                sendNs: t.sendNs, linkNs: link?.clampedNs, ackRttNs: nil,
                                measurements: Int(t.measurements))
            hop.linkBoundNs = link?.boundNs
            hop.linkBytes = Int(t.linkBytes)
            hop.decodeNs = t.decodeNs; hop.measurementWaitNs = t.measurementWaitNs; hop.updateNs = t.updateNs
            hop.rawLinkNs = oneWay(previousSend, by: sender, to: t.rawRecvNs == 0 ? t.recvNs : t.rawRecvNs, by: receiver)?.clampedNs
            if i > 0 && result.skipped.isEmpty { hop.modelledNs = fronthaul.modelledNs(bytes: Int(t.linkBytes)) }
            hops.append(hop)
        }
        return StepRecord(
            run: run, step: step, truth: experiment.source.truth(step: step),
            estimate: SIMD4(result.estX, result.estY, result.estVX, result.estVY),
            contributing: result.contributed.map(Int.init),
            // every panel that did not contribute: skipped on the way or left out of the route
            skipped: (0..<panels).filter { !result.contributed.contains(Int32($0)) },
            existence: (0..<panels).map { reportByPanel[$0].map { Double($0.existence) } ?? .nan },
            losDetected: (0..<panels).map { reportByPanel[$0]?.losDetected ?? false },
            losVisible: (0..<panels).map { experiment.source.losVisible(step: step, panel: $0) },
            latencyNs: elapsedNs(from: firstSendNs, to: delivery.receivedNs),
            outcome: Outcome(StepEnding(contributed: result.contributed, skipped: result.skipped, panels: panels)),
            hops: hops, startNs: firstSendNs,
            resultLink: result.timings.last.flatMap {
                oneWay($0.sendNs, by: clocks[Int($0.panel)], to: delivery.receivedNs, by: .controller)
            })
    }

    /// A one-way time between two nodes' stamps in the controller's time base (nil: a clock not known yet).
    func oneWay(_ sentNs: UInt64, by sender: ClockOffset?, to receivedNs: UInt64, by receiver: ClockOffset?) -> OneWayTime? {
        guard let sender, let receiver else { return nil }
        return OneWayTime(sentNs: sentNs, by: sender, receivedNs: receivedNs, by: receiver)
    }

    func flushHops(keepLast: Int) {
        while pendingHops.count > keepLast {
            var entry = pendingHops.removeFirst()
            for i in entry.record.hops.indices {
                let p = entry.record.hops[i].panel
                entry.record.hops[i].ackRttNs = ackRtts.removeValue(forKey: ReceiverID(step: StepID(run: UInt32(entry.run), step: UInt32(entry.step)), panel: Int32(p)))
                if let rtt = entry.record.hops[i].ackRttNs { accumulator.addAckRtt(panel: p, ns: rtt) }
                // the sender's encoding and send of the γ that arrived here (a panel's link report; joined alike)
                if let costs = hopSendCosts.removeValue(forKey: ReceiverID(step: StepID(run: UInt32(entry.run), step: UInt32(entry.step)), panel: Int32(p))) {
                    entry.record.hops[i].encodeNs = costs.encodeNs
                    entry.record.hops[i].sendCallNs = costs.sendCallNs
                }
            }
            files.append(entry.record)
        }
        if ackRtts.count > 100_000 { ackRtts.removeAll() }
        if hopSendCosts.count > 100_000 { hopSendCosts.removeAll() }
    }
}
