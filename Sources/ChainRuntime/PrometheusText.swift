// PrometheusText: a metrics snapshot in the Prometheus text exposition format (version 0.0.4).
import Foundation
import Wire

/// Upper bounds (seconds) of the latency histogram buckets: 10 µs … 2.5 s, then +Inf.
public let prometheusLatencyBuckets: [Double] = [
    10e-6, 25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 1, 2.5,
]

/// The exposition text of `s` (metric names `dmimo_…`, durations in seconds, as Prometheus expects).
/// - Parameter controllerRSS: the controller's resident set size now (bytes).
public func prometheusText(_ s: MetricsSnapshot, controllerRSS: UInt64, version: String = dmimoVersion,
                           commit: String = buildCommit) -> String {
    var out = ""
    func family(_ name: String, _ type: String, _ help: String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }
    func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        let l = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
        out += "\(name)\(l) \(number(value))\n"
    }
    func histogram(_ name: String, _ labels: [(String, String)], _ h: LatencyHistogram) {
        let counts = h.cumulativeCounts(upperBoundsNs: prometheusLatencyBuckets.map { UInt64(($0 * 1e9).rounded()) })
        for (bound, count) in zip(prometheusLatencyBuckets, counts) {
            sample(name + "_bucket", labels + [("le", number(bound))], Double(count))
        }
        sample(name + "_bucket", labels + [("le", "+Inf")], Double(h.count))
        sample(name + "_sum", labels, h.sumNs / 1e9)
        sample(name + "_count", labels, Double(h.count))
    }
    family("dmimo_build_info", "gauge", "Software of the controller (value 1).")
    sample("dmimo_build_info", [("version", version), ("commit", commit)], 1)
    family("dmimo_chain_panels", "gauge", "Panels J configured for the run set.")
    sample("dmimo_chain_panels", [("mode", s.mode)], Double(s.panels))
    family("dmimo_chain_particles", "gauge", "Particles N_p per panel.")
    sample("dmimo_chain_particles", [], Double(s.particles))
    family("dmimo_steps_total", "counter", "Steps ended, by outcome.")
    for outcome in s.steps.keys.sorted() { sample("dmimo_steps_total", [("outcome", outcome)], Double(s.steps[outcome]!)) }
    family("dmimo_steps_reissued_total", "counter", "Step attempts re-issued from the checkpoint.")
    sample("dmimo_steps_reissued_total", [], Double(s.reissued))
    family("dmimo_step_latency_seconds", "histogram",
           "End-to-end step latency (distributed: result receipt - step start; in-process: the step's compute).")
    histogram("dmimo_step_latency_seconds", [], s.latency)
    family("dmimo_panel_compute_seconds", "histogram", "Per-panel compute time of a step.")
    for (k, h) in s.compute.enumerated() { histogram("dmimo_panel_compute_seconds", [("panel", "\(k)")], h) }
    family("dmimo_panel_link_seconds", "histogram", "One-way link time of the hop into a panel (controller's time base).")
    for (k, h) in s.link.enumerated() { histogram("dmimo_panel_link_seconds", [("panel", "\(k)")], h) }
    family("dmimo_panels_in_route", "gauge", "Panels that processed the last step.")
    sample("dmimo_panels_in_route", [], Double(s.panelsInRoute))
    let counters: [(String, String, (NodeCounters) -> UInt64)] = [
        ("dmimo_node_received_total", "Messages a panel received (last heartbeat).", { $0.received }),
        ("dmimo_node_dropped_total", "Messages a panel dropped (malformed, wrong version or run, stale).", { $0.dropped }),
        ("dmimo_node_duplicates_total", "Duplicate messages a panel suppressed.", { $0.duplicates }),
        ("dmimo_node_checksum_errors_total", "Checksum errors a panel counted.", { $0.checksumErrors }),
    ]
    for (name, help, value) in counters {
        family(name, "counter", help)
        for (k, c) in s.nodeCounters.enumerated() { sample(name, [("panel", "\(k)")], Double(value(c))) }
    }
    family("dmimo_node_rss_bytes", "gauge", "A panel's resident set size (last heartbeat).")
    for (k, c) in s.nodeCounters.enumerated() { sample("dmimo_node_rss_bytes", [("panel", "\(k)")], Double(c.rssBytes)) }
    family("dmimo_controller_rss_bytes", "gauge", "The controller's resident set size.")
    sample("dmimo_controller_rss_bytes", [], Double(controllerRSS))
    family("dmimo_faults_injected_total", "counter", "Faults injected (scripted or live).")
    sample("dmimo_faults_injected_total", [], Double(s.faultsInjected))
    family("dmimo_faults_recovered_total", "counter", "Faults whose panel contributed again.")
    sample("dmimo_faults_recovered_total", [], Double(s.faultsRecovered))
    family("dmimo_downlink_snapshots_total", "counter", "Snapshots sent to the downlink node.")
    sample("dmimo_downlink_snapshots_total", [], Double(s.downlinkSent))
    family("dmimo_downlink_answers_total", "counter", "Estimates the downlink node answered.")
    sample("dmimo_downlink_answers_total", [], Double(s.downlinkAnswers))
    return out
}

/// A sample value: integers without a fraction, others shortest round-trip, NaN/Inf spelled as Prometheus does.
func number(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "+Inf" : "-Inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// A label value with backslash, quote and newline escaped.
func escape(_ v: String) -> String {
    v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        .replacingOccurrences(of: "\n", with: "\\n")
}
