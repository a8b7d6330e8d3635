// StepRecord: what one step of one run produced — truth, estimate, LoS decisions, latency, per-hop timing.
import ChainProtocol
import Localization
import Wire

/// Timing of one panel's part of one step: stamps on the panel's monotonic clock, durations in ns (one-way links in
/// the controller's time base).
public struct HopRecord: Sendable {
    public var panel: Int
    public var recvNs: UInt64
    public var computeDoneNs: UInt64
    public var sendNs: UInt64
    /// One-way time of the hop into this panel: receive stamp − sender's send stamp, both in the controller's
    /// time base (negative values, possible within the bound, as 0); nil while a clock is not known.
    public var linkNs: UInt64?
    /// The one-way time's uncertainty: the sum of both ends' clock bounds (half their best round trips), ns.
    public var linkBoundNs: UInt64?
    /// Round trip send → acknowledgement of the hop into this panel, as its sender measured it.
    public var ackRttNs: UInt64?
    public var measurements: Int
    /// Bytes of the message on the hop into this panel.
    public var linkBytes: Int = 0
    /// One-way time of the hop before fronthaul-emulation padding.
    public var rawLinkNs: UInt64?
    /// Modelled fronthaul time of the hop (8·bytes/rate + per-transfer latency), for panel-to-panel hops.
    public var modelledNs: Double?
    /// This panel's decoding of γ (frames read → decoded, checksum verified), ns of its clock (a duration).
    public var decodeNs: UInt64 = 0
    /// This panel's wait for the step's measurement batch once γ was ready, ns (0 when none was needed).
    public var measurementWaitNs: UInt64 = 0
    /// This panel's update alone (Loca-LoS or Loca-MPC), ns.
    public var updateNs: UInt64 = 0
    /// The hop sender's encoding of the γ that arrived here (its last transmission), ns of the sender's clock;
    /// nil for the controller's first hop (not reported) or a hop whose link report did not arrive.
    public var encodeNs: UInt64?
    /// The hop sender's ZeroMQ send call(s) of that transmission, ns; nil as for ``encodeNs``.
    public var sendCallNs: UInt64?
    public var computeNs: UInt64 { elapsedNs(from: recvNs, to: computeDoneNs) }
}

/// One step of one run.
public struct StepRecord: Sendable {
    public var run: Int
    public var step: Int
    /// True position (m).
    public var truth: SIMD2<Double>
    /// MMSE estimate: position (m), velocity (m/s).
    public var estimate: SIMD4<Double>
    /// Panels that processed the step, in route order.
    public var contributing: [Int]
    /// Panels the step skipped.
    public var skipped: [Int]
    /// Existence probability p_e of each panel after the step (chain order; NaN where skipped).
    public var existence: [Double]
    /// LoS decision of each panel (chain order).
    public var losDetected: [Bool]
    /// True LoS visibility of each panel (chain order).
    public var losVisible: [Bool]
    /// End-to-end latency: result receipt − step start on the controller's clock (distributed), or the step's
    /// compute time (in-process).
    public var latencyNs: UInt64
    public var outcome: Outcome
    public var hops: [HopRecord] = []
    /// When the step was started on the controller's clock (ns; 0 in-process).
    public var startNs: UInt64 = 0
    /// The result's hop, last panel → controller, in the controller's time base (nil in-process).
    public var resultLink: OneWayTime?

    /// Position error in metres.
    public var error: Double {
        let d = SIMD2(estimate.x, estimate.y) - truth
        return (d * d).sum().squareRoot()
    }
}

/// Accumulates step records into the statistics the summary reports.
public struct RecordAccumulator: Sendable {
    public let runs: Int
    public let steps: Int
    public let panels: Int
    /// Position errors and LoS decisions, for the accuracy statistics (memory flat past 16,384 errors).
    var accuracy: RunStatisticsAccumulator
    /// End-to-end latency of the delivered and degraded steps (ns).
    public private(set) var latency = LatencyHistogram()
    /// Per-panel compute, one-way link into the panel and acknowledgement round trip of the hop into it (ns).
    public private(set) var computeByPanel: [LatencyHistogram]
    public private(set) var linkByPanel: [LatencyHistogram]
    /// The one-way link into each panel before fronthaul-emulation padding (ns): what the transport floor compares with.
    public private(set) var rawLinkByPanel: [LatencyHistogram]
    public private(set) var ackRttByPanel: [LatencyHistogram]
    /// Uncertainty of every one-way link of `linkByPanel` (both ends' clock bounds), ns.
    public private(set) var linkBounds = LatencyHistogram()
    /// One-way last panel → controller of every step with a result (controller's time base), and its bound, ns.
    public private(set) var resultLinks = LatencyHistogram()
    public private(set) var resultLinkBounds = LatencyHistogram()
    /// Panel-to-panel hops: measured one-way link (after padding), raw link (before padding), modelled time (ns).
    public private(set) var interPanelLink = LatencyHistogram()
    public private(set) var interPanelRawLink = LatencyHistogram()
    public private(set) var interPanelModelled = LatencyHistogram()
    /// Panel-to-panel hops whose raw link was already slower than the model, per receiving panel.
    public private(set) var slowerThanModelByPanel: [Int]
    public private(set) var injected = 0
    public private(set) var delivered = 0
    public private(set) var degraded = 0
    public private(set) var abandoned = 0
    /// Measurements M over all panel updates, and the number of updates (for the mean M).
    public private(set) var measurementSum = 0
    public private(set) var panelUpdates = 0

    public init(runs: Int, steps: Int, panels: Int) {
        self.runs = runs; self.steps = steps; self.panels = panels
        accuracy = RunStatisticsAccumulator(runs: runs, steps: steps)
        computeByPanel = Array(repeating: LatencyHistogram(), count: panels)
        linkByPanel = Array(repeating: LatencyHistogram(), count: panels)
        rawLinkByPanel = Array(repeating: LatencyHistogram(), count: panels)
        ackRttByPanel = Array(repeating: LatencyHistogram(), count: panels)
        slowerThanModelByPanel = Array(repeating: 0, count: panels)
    }

    /// Every step in order from the first fault on (``startTimeline()``): (run, step, error in metres or NaN,
    /// outcome, start ns) — for the fault accounting. Empty in a run set without faults, so that memory stays flat.
    public private(set) var timeline: [(run: Int, step: Int, error: Double, outcome: Outcome, startNs: UInt64)] = []
    /// True from the first fault on: every step goes to `timeline`.
    public private(set) var keepsTimeline = false
    /// The finite errors of the steps before the timeline started: their sum of squares (m², added in step order,
    /// so a fault's "RMSE before" is the same sum as over a timeline of every step) and their number.
    public private(set) var beforeTimeline = (sumSquares: 0.0, count: 0)
    /// Global index (run · steps + step) of the last step added + 1; 0 before the first.
    public private(set) var end = 0

    /// A fault was injected: from now on every step is kept in `timeline`.
    public mutating func startTimeline() { keepsTimeline = true }

    public mutating func add(_ r: StepRecord) {
        injected += 1
        let error = r.outcome == .abandoned ? .nan : r.error
        if keepsTimeline {
            timeline.append((r.run, r.step, error, r.outcome, r.startNs))
        } else if error.isFinite {
            beforeTimeline.sumSquares += error * error
            beforeTimeline.count += 1
        }
        end = r.run * steps + r.step + 1
        switch r.outcome {
        case .delivered: delivered += 1
        case .degraded: degraded += 1
        case .abandoned: abandoned += 1; return
        case .unspecified: break
        }
        if !r.truth.x.isNaN {   // accuracy where the truth is known (a trace may not give it at every step)
            accuracy.add(run: r.run, error: r.error, losVisible: r.losVisible, losDetected: r.losDetected)
        }
        latency.record(r.latencyNs)
        if let back = r.resultLink { resultLinks.record(back.clampedNs); resultLinkBounds.record(back.boundNs) }
        for h in r.hops where h.panel < panels {
            computeByPanel[h.panel].record(h.computeNs)
            if let l = h.linkNs { linkByPanel[h.panel].record(l) }
            if let l = h.rawLinkNs { rawLinkByPanel[h.panel].record(l) }
            if let b = h.linkBoundNs { linkBounds.record(b) }
            measurementSum += h.measurements
            panelUpdates += 1
            if let model = h.modelledNs, let link = h.linkNs, let raw = h.rawLinkNs {
                interPanelLink.record(link)
                interPanelRawLink.record(raw)
                interPanelModelled.record(UInt64(model.rounded()))
                if Double(raw) > model { slowerThanModelByPanel[h.panel] += 1 }
            }
        }
    }

    /// Adds an acknowledgement round trip reported for the hop into `panel`.
    public mutating func addAckRtt(panel: Int, ns: UInt64) {
        if panel >= 0 && panel < panels { ackRttByPanel[panel].record(ns) }
    }

    /// Runs that completed at least one step, truncated to the shortest, for the accuracy statistics
    /// (``RunStatisticsAccumulator``: exact up to 16,384 errors, p50/p90 within 0.025 % past them).
    public func statistics() -> RunStatistics? { accuracy.statistics() }

    /// RMSE so far over the completed (run, step) pairs, metres (for the progress line).
    public var rmseSoFar: Double { accuracy.rmseSoFar }
}
