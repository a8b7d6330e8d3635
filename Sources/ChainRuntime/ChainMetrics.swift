// ChainMetrics: the controller's live counters and histograms, updated by the runtime, read by the Prometheus endpoint.
import Synchronization
import Wire

/// A consistent copy of the metrics (what one scrape reports).
public struct MetricsSnapshot: Sendable {
    public var panels = 0
    public var particles = 0
    public var mode = ""
    /// Steps ended, by outcome (delivered, degraded, abandoned).
    public var steps: [String: UInt64] = ["delivered": 0, "degraded": 0, "abandoned": 0]
    public var reissued: UInt64 = 0
    /// End-to-end step latency (ns) of delivered and degraded steps.
    public var latency = LatencyHistogram()
    /// Per-panel compute and one-way link into the panel (ns).
    public var compute: [LatencyHistogram] = []
    public var link: [LatencyHistogram] = []
    /// Panels that processed the last step.
    public var panelsInRoute = 0
    /// Each panel's last heartbeat counters.
    public var nodeCounters: [NodeCounters] = []
    public var faultsInjected: UInt64 = 0
    public var faultsRecovered: UInt64 = 0
    public var downlinkSent: UInt64 = 0
    public var downlinkAnswers: UInt64 = 0

    public init() {}
}

/// The metrics of the controller process. One instance (`shared`): the runtime reports to it at a few points (a step
/// ended, a heartbeat arrived, an attempt was re-issued, a fault was injected or recovered, downlink answers), the
/// metrics endpoint reads snapshots. Thread-safe; recording is a few counter updates under a lock.
public final class ChainMetrics: Sendable {
    public static let shared = ChainMetrics()
    let state = Mutex(MetricsSnapshot())

    public init() {}

    /// Starts a run set: J, N_p and the mode label; clears everything.
    public func begin(panels: Int, particles: Int, mode: String) {
        state.withLock {
            $0 = MetricsSnapshot()
            $0.panels = panels; $0.particles = particles; $0.mode = mode
            $0.compute = Array(repeating: LatencyHistogram(), count: panels)
            $0.link = Array(repeating: LatencyHistogram(), count: panels)
            $0.nodeCounters = Array(repeating: NodeCounters(), count: panels)
        }
    }

    /// A step ended (its record is final).
    public func stepEnded(_ r: StepRecord) {
        state.withLock { s in
            switch r.outcome {
            case .delivered: s.steps["delivered", default: 0] += 1
            case .degraded: s.steps["degraded", default: 0] += 1
            case .abandoned: s.steps["abandoned", default: 0] += 1
            case .unspecified: s.steps["unspecified", default: 0] += 1
            }
            s.panelsInRoute = r.contributing.count
            guard r.outcome != .abandoned else { return }
            s.latency.record(r.latencyNs)
            for h in r.hops where h.panel >= 0 && h.panel < s.compute.count {
                s.compute[h.panel].record(h.computeNs)
                if let l = h.linkNs { s.link[h.panel].record(l) }
            }
        }
    }

    /// Attempts of a step re-issued from the checkpoint.
    public func reissued(_ count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.reissued += UInt64(count) }
    }

    /// A panel's heartbeat counters.
    public func heartbeat(panel: Int, _ counters: NodeCounters) {
        state.withLock { if panel >= 0 && panel < $0.nodeCounters.count { $0.nodeCounters[panel] = counters } }
    }

    public func faultInjected() { state.withLock { $0.faultsInjected += 1 } }
    public func faultRecovered() { state.withLock { $0.faultsRecovered += 1 } }

    /// The downlink client's totals: snapshots sent, answers received.
    public func downlink(sent: Int, answers: Int) {
        state.withLock { $0.downlinkSent = UInt64(sent); $0.downlinkAnswers = UInt64(answers) }
    }

    /// A copy of the metrics (tests, tools). The copy shares the histograms' storage, so the next update after it
    /// copies them (copy-on-write); a scrape uses ``prometheus(controllerRSS:)`` instead.
    public var snapshot: MetricsSnapshot { state.withLock { $0 } }

    /// The Prometheus text of the metrics, rendered under the lock from the metrics themselves: no copy of the
    /// histograms is left behind, so the next update does not copy them (a copy per scrape made the controller's
    /// heap grow over a long run: docs/RESULTS.md, Soak). Holds the lock while rendering (well under a millisecond).
    public func prometheus(controllerRSS: UInt64) -> String {
        state.withLock { prometheusText($0, controllerRSS: controllerRSS) }
    }
}
