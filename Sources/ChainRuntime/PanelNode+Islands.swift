// PanelNode+Islands: a panel's data plane for a step that travels as B islands — update, forward, gather, combine.
import ChainProtocol
import Localization
import Wire

/// An island that ended at this panel, kept until the step's other islands are in.
struct IslandEnd: Sendable {
    var gamma: Gamma
    /// This panel weighted the island as the last of the route (it is in the computation's step buffer, not
    /// resampled within itself); otherwise the island was handed on, or its route ended at this sender.
    var weightedHere: Bool
}

extension PanelNode {
    /// Runs the panel update on one island (docs/MODEL.md §B.7) and forwards it at once. The step's report rides on
    /// the island this panel updated last; the panel's own state is finished after that island left. At the last
    /// panel of the route the islands are gathered instead (``islandEnded(_:header:weightedHere:skipped:)``).
    func processIsland(_ arrived: consuming ArrivedGamma, _ order: ProcessOrder) {
        let header = arrived.header
        guard var computation = self.computation.take() else { return }
        let recvNs = arrived.recvNs, rawRecvNs = arrived.rawRecvNs, payloadBytes = arrived.payloadBytes
        let decodeNs = arrived.decodeNs, readyNs = arrived.readyNs
        var gamma = (consume arrived).gamma
        let isLastOfRoute = Int(gamma.hop) + 1 == gamma.route.count
        let updateStartNs = monotonicNanos()
        let measurementWaitNs = order.wasHeld ? elapsedNs(from: readyNs, to: updateStartNs) : 0
        let measured = computation.processIsland(
            particles: &gamma.particles, logWeight: &gamma.islandLogWeight, island: order.island,
            islands: Int(gamma.islands), run: header.run, step: header.step, beginsStep: order.beginsStep,
            isFirstOfRoute: order.isFirstOfRoute, isLastOfRoute: isLastOfRoute, reset: order.resetState)
        var output = PanelOutput(measurements: measured)
        if order.completesStep && !isLastOfRoute {
            output = computation.reportIslands(kept: nil)  // O(B): the report rides on this, the last island here
            if let report = output.report { gamma.reports.append(report) }
        }
        let updateNs = elapsedNs(from: updateStartNs, to: monotonicNanos())
        self.computation = computation
        var timing = HopTiming(panel: Int32(options.index), recvNs: recvNs, computeDoneNs: monotonicNanos(),
                               padNs: elapsedNs(from: rawRecvNs, to: recvNs), measurements: measured,
                               linkBytes: UInt32(payloadBytes), rawRecvNs: rawRecvNs, decodeNs: decodeNs,
                               measurementWaitNs: measurementWaitNs, updateNs: updateNs)
        if isLastOfRoute {
            timing.sendNs = monotonicNanos()
            gamma.timings.append(timing)
            flushAcknowledgement()
            islandEnded(gamma, header: header, weightedHere: true, skipped: gamma.skipped)
            return
        }
        forward(consume gamma, header: header, output: output, timing: timing)
        if order.completesStep {
            // off the critical path: the step's last island here has left
            guard var computation = self.computation.take() else { return }
            _ = computation.finishIslands(isLastOfRoute: false)
            self.computation = computation
        }
    }

    /// An island ended at this panel (updated as the last of the route, handed on by it, or its route exhausted at
    /// this sender): once all B islands of the attempt are in, the step result goes to the controller. Its hop
    /// timings are island 0's (the per-island compute and link of every panel, hops.csv); the last panel's then adds
    /// the step's combination to island 0's update (compute), and its send is the result's.
    func islandEnded(_ gamma: Gamma, header: Header, weightedHere: Bool, skipped: [Int32]) {
        let combineStartNs = monotonicNanos()
        guard let done = islandEnds.add(IslandEnd(gamma: gamma, weightedHere: weightedHere), island: Int(gamma.island),
                                        islands: Int(gamma.islands), step: StepID(run: header.run, step: header.step),
                                        attempt: header.attempt, route: gamma.route, skipped: skipped) else { return }
        guard var computation = self.computation.take() else { return }
        defer { self.computation = computation }
        var reports = done.parts.flatMap(\.gamma.reports)
        let posterior: ParticleArrays
        let estimate: SIMD4<Double>
        if done.parts.allSatisfy(\.weightedHere) {
            // the last panel weighted every island: its report, then the global resampling (docs/MODEL.md §B.7)
            let keptAll = done.kept.allSatisfy { $0 }
            let output = computation.reportIslands(kept: keptAll ? nil : done.kept)
            if let report = output.report { reports.append(report) }
            posterior = computation.finishIslands(isLastOfRoute: true) ?? ParticleArrays()
            estimate = output.estimate ?? .zero
        } else {
            // no panel weighted them last: combined by their log weights alone
            let logWeights = done.parts.indices.map { done.kept[$0] ? done.parts[$0].gamma.islandLogWeight : -.infinity }
            posterior = computation.combineIslands(done.parts.map(\.gamma.particles), logWeights: logWeights,
                                                   run: header.run, step: header.step)
            estimate = Self.mean(posterior)
        }
        var timings = done.parts[0].gamma.timings
        if let last = timings.indices.last, timings[last].panel == Int32(options.index) {
            let now = monotonicNanos(), combineNs = elapsedNs(from: combineStartNs, to: now)
            if done.parts.allSatisfy(\.weightedHere) {
                timings[last].updateNs += combineNs
                timings[last].computeDoneNs += combineNs
            }
            timings[last].sendNs = now
        }
        let route = gamma.route
        reports.sort { (route.firstIndex(of: $0.panel) ?? .max) < (route.firstIndex(of: $1.panel) ?? .max) }
        var linkReportsCarried = done.parts.flatMap(\.gamma.linkReports)
        linkReports.move(into: &linkReportsCarried)
        let end = RouteEnd(route: route, skipped: done.skipped)
        let result = StepResult(
            estX: estimate.x, estY: estimate.y, estVX: estimate.z, estVY: estimate.w,
            posterior: posterior, timings: timings,
            contributed: end.contributed, skipped: end.skipped, reports: reports, outcome: Outcome(end.ending),
            checksum: particleChecksum(posterior), linkReports: linkReportsCarried)
        lastEstimate = estimate
        sendControl(.stepResult(result), run: header.run, step: header.step, attempt: header.attempt)
        counters.forwarded += 1
    }

    /// Mean of equally weighted particles: x, y (m), vx, vy (m/s).
    static func mean(_ p: ParticleArrays) -> SIMD4<Double> {
        guard p.count > 0 else { return .zero }
        var s = SIMD4<Double>.zero
        for i in 0..<p.count { s += SIMD4(Double(p.x[i]), Double(p.y[i]), Double(p.vx[i]), Double(p.vy[i])) }
        return s / Double(p.count)
    }
}
