// ConfigKeys: the table of every configuration key (name, meaning, unit, range), one line each, and the section docs.
import Foundation
import Localization
import Scenario

extension ExperimentConfig {
    /// The sections in file order, with the comment written above each.
    public static let sections: [(name: String, doc: String)] = [
        ("scenario", "Synthetic scenario: 30 × 30 m room with walls W1..W6, panels on the outer walls, agent track "
            + "(docs/MODEL.md §A.1–§A.3)."),
        ("radio", "Radio, detection and clutter model of the measurement synthesis (docs/MODEL.md §A.5–§A.7)."),
        ("filter", "Daisy-chain particle filter: method and model constants (docs/MODEL.md §B.1–§B.6, §C.3). "
            + "Names are the spec's symbols."),
        ("run", "What to run: steps per run, Monte Carlo runs, random seed."),
        ("chain", "Distributed run: where the controller and the panel processes listen, and how steps are driven."),
        ("downlink", "The UE-side downlink node (downlink paper) beside the chain. Frame: the paper's 40 m AP square "
            + "re-centred on the room centre (15, 15) m; the UE is the chain's agent."),
        ("fronthaul", "The modelled fronthaul link each hop is compared with (message-passing paper: 25 Gbit/s, "
            + "0.87 µs per transfer), and whether hops are padded to it."),
        ("security", "CURVE security: encrypted links, and only nodes holding a configured key can join the chain "
            + "(keys from `chain-controller keys --out DIR --panels J`)."),
        ("trace", "Measurements from a trace file instead of the synthetic world (docs/TRACES.md): panel geometry, "
            + "paths and truth come from the trace; radio constants and the filter from this configuration."),
    ]

    /// Every key, in file order. To add a key: one line here plus the stored property (with its default) in
    /// its section struct.
    public static let keys: [ConfigKey] = [
        // scenario
        .integer("scenario.panels", \.scenario.panels, 2...4096, unit: "panels",
                 "Number J of antenna panels, in daisy-chain order. J = 2: the two upper corners; J = 4k: k panels "
                 + "per outer wall at (i + 0.5)·30/k m, counter-clockwise from the bottom wall (docs/MODEL.md §A.2).",
                 check: isValidPanelCount, checkDescription: "2 or a multiple of 4"),
        .integer("scenario.array_size", \.scenario.arraySize, 4...1_048_576, unit: "elements",
                 "Number N_a = M_a² of antenna elements per panel: an M_a × M_a URA, spacing λ/4, horizontal "
                 + "(paper: 25, 49, 100, 144, 289).",
                 check: { integerSquareRoot($0) * integerSquareRoot($0) == $0 },
                 checkDescription: "a perfect square M_a² with M_a ≥ 2 (4, 9, 16, 25, …)"),
        .integer("scenario.trajectory_samples", \.scenario.trajectorySamples, 2...1_000_000, unit: "samples",
                 "Number N of samples of the agent track (the polyline with fillets of docs/MODEL.md §A.3); the speed is "
                 + "track length / ((N − 1)·Δt), 0.994 m/s by default."),
        .real("scenario.time_step_s", \.scenario.timeStep, 1e-6...3600, unit: "s",
              "Sampling interval Δt between steps; also the filter's constant-velocity model interval."),
        .real("scenario.fillet_radius_m", \.scenario.filletRadius, 0.01...5, unit: "m",
              "Radius of the circular fillets that round the track's corners."),
        // radio
        .real("radio.bandwidth_hz", \.radio.bandwidthHz, 1e3...1e12, unit: "Hz",
              "Signal bandwidth B_w (flat spectrum, RMS bandwidth B_w/√12); sets the ranging std "
              + "σ_d(u) = c/(2√2 π β u): 0.292 m/u at 400 MHz, 2.92 m/u at 40 MHz (paper: 40e6, 400e6)."),
        .real("radio.carrier_hz", \.radio.carrierHz, 1e6...1e13, unit: "Hz",
              "Carrier frequency f_c; the wavelength λ = c/f_c sets the array spacing λ/4."),
        .real("radio.snr_1m_db", \.radio.snr1mDb, -100...200, unit: "dB",
              "Per-element SNR at 1 m, SNR_1m. Path amplitude u = g·√(SNR_1m·N_a)/d; u_bmax = √(SNR_1m·N_a)."),
        .real("radio.reflection_loss_db", \.radio.reflectionLossDb, 0...200, unit: "dB",
              "Extra loss L_refl of a single-bounce path: g = 10^(−L_refl/20)."),
        .real("radio.detection_threshold", \.radio.detectionThreshold, 0...100, unit: "",
              "Channel-estimator detection threshold u_de on the normalized amplitude z_u (2 = 6 dB); a path "
              + "with z_u ≤ u_de is missed. Must be below u_bmax."),
        .real("radio.false_alarm_mean", \.radio.falseAlarmMean, 0...25, unit: "per panel and step",
              "Mean number μ_fa of false alarms (Poisson) per panel and step."),
        .real("radio.max_distance_m", \.radio.maxDistance, 1e-3...1e6, unit: "m",
              "Largest false-alarm distance d_max: false-alarm distances are uniform on [0, d_max] (30√2 m)."),
        // filter
        .choice("filter.method", \.filter.method,
                "Filter run by the panels: \(PanelFilterMethod.documentation)."),
        .integer("filter.particles", \.filter.particles, 1...1_048_576, unit: "particles",
                 "Number N_p of particles (paper: 2048, 4096, 8192, 16384)."),
        .integer("filter.islands", \.filter.islands, 1...65_536, unit: "islands",
                 "Number B of islands γ travels as (docs/MODEL.md §B.7): 1 = the paper's chain; B > 1 = N_p/B particles "
                 + "per island, each regularized, weighted and resampled on its own at every panel with a carried log "
                 + "weight, combined and resampled globally at the last panel. N_p/B must be a whole multiple of 16. "
                 + "Loca-LoS and Loca-MPC, in one process or over panel processes (at most 64 islands there)."),
        .real("filter.sigma_a", \.filter.accelerationStd, 0...100, unit: "m/s²",
              "σ_a: acceleration noise std of the constant-velocity model (applied at the first panel)."),
        .real("filter.h_reg", \.filter.regularizationFactor, 0...10, unit: "",
              "h_reg: inter-panel regularization noise std as a fraction of the particle std, per dimension."),
        .realList("filter.reg_floor", \.filter.regularizationFloor, count: 4, 0...10, unit: "m, m, m/s, m/s",
                  "s_floor: minimum regularization noise std for (p_x, p_y, v_x, v_y)."),
        .real("filter.p_s", \.filter.survivalProbability, 0...1, unit: "",
              "p_s: LoS survival probability p(r_n = 1 | r_{n−1} = 1)."),
        .real("filter.p_b", \.filter.birthProbability, 0...1, unit: "",
              "p_b: LoS birth probability p(r_n = 1 | r_{n−1} = 0); birth amplitude U[u_de, u_bmax]."),
        .real("filter.rw_rel", \.filter.amplitudeWalkRelative, 0...10, unit: "",
              "Relative part of the amplitude random-walk std σ_rw(u) = max(rw_abs, rw_rel·u)."),
        .real("filter.rw_abs", \.filter.amplitudeWalkFloor, 0...100, unit: "",
              "Floor of the amplitude random-walk std σ_rw(u) = max(rw_abs, rw_rel·u)."),
        .real("filter.pe0", \.filter.initialExistence, 0...1, unit: "",
              "Initial existence probability p_e,0 of every panel's LoS (and, for loca-mpc, every feature)."),
        .real("filter.p_de", \.filter.existenceThreshold, 0...1, unit: "",
              "p_de: a path is declared detected iff its existence probability p_e > p_de."),
        .real("filter.mu_mpc", \.filter.reflectionClutterMean, 0...100, unit: "per panel and step",
              "μ_mpc: filter-side mean number of reflection measurements per panel in the Loca-LoS clutter "
              + "model (amplitude pdf U[u_de, u_bmax]); 0 gives the false-alarm-only model. Loca-MPC uses 0."),
        .real("filter.prior_radius_m", \.filter.priorRadius, 0...100, unit: "m",
              "Radius of the uniform prior disc around p_prior = p_0 − v_0·Δt."),
        .real("filter.prior_velocity_halfwidth_mps", \.filter.priorVelocityHalfWidth, 0...100, unit: "m/s",
              "Half-width of the uniform prior velocity interval around v_prior = v_0, per component."),
        .integer("filter.bp_max_iterations", \.filter.associationMaxIterations, 1...10_000_000, unit: "iterations",
                 "Loca-MPC: cap T_max on the BP data-association iterations."),
        .real("filter.bp_tolerance", \.filter.associationTolerance, 1e-15...1, unit: "",
              "Loca-MPC: BP stops when max |log(ν_new/ν_old)| falls below this."),
        // run
        .integer("run.steps", \.run.steps, 1...1_000_000, unit: "steps",
                 "Number of time steps per run: the first `steps` samples of the track (at most "
                 + "scenario.trajectory_samples)."),
        .integer("run.runs", \.run.runs, 1...1_000_000, unit: "runs", "Number of Monte Carlo runs."),
        .integer("run.seed", \.run.seed, 0...UInt64.max, unit: "",
                 "Seed of the run set: run r (0-based) uses seed + r for every random stream "
                 + "(measurements and filter)."),
        // chain
        .text("chain.controller_bind", \.chain.controllerBind, allowed: "a ZeroMQ endpoint",
              "Endpoint the controller's control socket binds to (tcp://127.0.0.1:* = any free loopback port; "
              + "tcp://*:5500 for panels on other hosts).", check: isEndpoint),
        .text("chain.controller_endpoint", \.chain.controllerEndpoint, allowed: "empty or a ZeroMQ endpoint",
              "Endpoint panels connect to for control; empty = the bound endpoint. Set it when binding a wildcard "
              + "address (e.g. tcp://10.0.0.1:5500).", check: { $0.isEmpty || isEndpoint($0) }),
        .text("chain.panel_endpoints", \.chain.panelEndpoints, allowed: "empty, a pattern with {k}, or J endpoints",
              "Data endpoints of the panels: empty = any free loopback port for each spawned panel; a pattern such "
              + "as tcp://10.0.0.{k}:5550 or tcp://panel-{k}.lab:5550 (k = panel index); or a comma-separated "
              + "list of J endpoints.", check: { $0.isEmpty || $0.split(separator: ",").allSatisfy { isEndpoint(String($0)) } }),
        .integer("chain.startup_timeout_ms", \.chain.startupTimeoutMs, 100...3_600_000, unit: "ms",
                 "Longest wait for every panel's Hello at start-up."),
        .integer("chain.lookahead_steps", \.chain.lookaheadSteps, 1...1000, unit: "steps",
                 "Measurement batches are sent this many steps ahead of γ (they are local data, not fronthaul)."),
        .integer("chain.ack_timeout_ms", \.chain.ackTimeoutMs, 1...600_000, unit: "ms",
                 "Hop liveness: a sender without an acknowledgement for a hop after this long resends it "
                 + "(chain.hop_retries times), then skips the silent receiver and sends γ to the next live panel."),
        .integer("chain.hop_retries", \.chain.hopRetries, 0...100, unit: "resends",
                 "Resends of a hop to the same receiver before that receiver is skipped."),
        .integer("chain.step_deadline_ms", \.chain.stepDeadlineMs, 10...3_600_000, unit: "ms",
                 "Backstop: the controller re-issues a step from its checkpoint (attempt + 1, live panels only) "
                 + "when no result arrived after this long."),
        .integer("chain.max_attempts", \.chain.maxAttempts, 1...100, unit: "attempts",
                 "Attempts of one step before it is abandoned (reported, never silently missing)."),
        .integer("chain.readmit_after_ms", \.chain.readmitAfterMs, 0...3_600_000, unit: "ms",
                 "A panel skipped in a step leaves the routes until its heartbeats have been back for this long; "
                 + "it rejoins at a later step with fresh state."),
        .choice("chain.cpu_placement", \.chain.cpuPlacement,
                "CPUs of the controller and the panels it spawns on this host: os = no pinning (the scheduler decides); "
                + "apart = controller on the first CPU, panels on the others; shared = all on the first CPU; "
                + "spread = controller on the first CPU, panel k on CPU k mod n. Panels started elsewhere: "
                + "panel-node --cpus. docs/LATENCY.md §11 has the measurements behind the default."),
        .integer("chain.floor_rounds", \.chain.floorRounds, 0...100_000, unit: "rounds",
                 "Transport floor: before the first step, ping-pongs of γ-sized payloads timed on every link of the "
                 + "route (controller -> first panel, panel -> next panel on the data sockets, last panel -> "
                 + "controller); one-way floor = round trip / 2 (summary link_floor_us, links.csv). 0 = off."),
        // downlink
        .flag("downlink.enabled", \.downlink.enabled,
              "Run a dmimo-downlink node beside the chain: each step the controller sends it the samples the UE "
              + "observes and writes its estimates to downlink.csv."),
        .text("downlink.endpoint", \.downlink.endpoint, allowed: "empty or a ZeroMQ endpoint",
              "Endpoint of the dmimo-downlink node (dmimo-downlink serve --endpoint ...); empty = start one on this host.",
              check: { $0.isEmpty || isEndpoint($0) }),
        .flag("downlink.follow_chain", \.downlink.followChain,
              "Centre the 5 m illumination region on the chain's latest estimate (else on the room centre)."),
        .text("downlink.protocol", \.downlink.protocolName, allowed: "P1 | P2",
              "P1: the APs transmit one after another; P2: simultaneous beamfocusing.", check: { $0 == "P1" || $0 == "P2" }),
        .real("downlink.power_dbm", \.downlink.powerDbm, -200...100, unit: "dBm", "Per-AP transmit power."),
        .integer("downlink.illumination_points", \.downlink.illuminationPoints, 1...10_000, unit: "points",
                 "Number K of illumination points in the region (a perfect square; P2 needs K ≥ 20).",
                 check: { integerSquareRoot($0) * integerSquareRoot($0) == $0 }, checkDescription: "a perfect square"),
        .real("downlink.phase_offset_deg", \.downlink.phaseOffsetDeg, -180...180, unit: "degrees", "UE phase offset δφ."),
        .integer("downlink.max_in_flight", \.downlink.maxInFlight, 1...1000, unit: "snapshots",
                 "Snapshots outstanding at the node before a step sends none (counted as skipped)."),
        .text("downlink.processing", \.downlink.processing, allowed: "comma-separated coherent, noncoherent, hybrid, adaptive",
              "Estimators the node answers with: each step's snapshot is sent once per listed estimator (adaptive: the "
              + "coherent search sized by the non-coherent stage's uncertainty; hybrid: the paper's) and downlink.csv has "
              + "one row per answer, with the PEB of the snapshot's geometry.",
              check: { text in
                  let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                  return !names.isEmpty && names.count <= 4 && Set(names).count == names.count
                      && names.allSatisfy { DownlinkSection.processingNames.contains($0) }
              }),
        // fronthaul
        .choice("fronthaul.mode", \.fronthaul.mode,
                "raw: hops take what the real link takes; emulate: each hop is padded to the modelled link "
                + "time (8·bytes/rate + per-transfer latency); a hop already slower than the model is reported, "
                + "not hidden."),
        .real("fronthaul.rate_gbps", \.fronthaul.rateGbps, 0.001...10_000, unit: "Gbit/s",
              "Modelled line rate of a hop (paper: 25G Ethernet)."),
        .real("fronthaul.per_transfer_us", \.fronthaul.perTransferUs, 0...1_000_000, unit: "µs",
              "Modelled fixed latency of one transfer (paper: 174 cycles at 200 MHz = 0.87 µs)."),
        // security
        .flag("security.curve", \.security.curve,
              "Encrypt every link with CURVE and admit only peers whose public key is in keys_dir/public.keys "
              + "(costs the encryption time of each γ; on in deploy/)."),
        .text("security.keys_dir", \.security.keysDir, allowed: "a directory path",
              "Key directory made by `chain-controller keys` (public.keys + one <node>.key per node); relative "
              + "paths are from the working directory. Spawned panels and the downlink node get the same directory.",
              check: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
        // trace
        .text("trace.file", \.trace.file, allowed: "empty or a trace file path",
              "Trace to run the chain on (CSV, docs/TRACES.md); empty = the synthetic world. `chain-controller run "
              + "--trace FILE` sets it. Its panels replace scenario.panels; its steps bound run.steps."),
    ]

    /// Index of `keys` by name.
    static let keyIndex: [String: Int] = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1.name, $0) })

    /// The descriptor of a dotted key name, or nil.
    public static func key(named name: String) -> ConfigKey? { keyIndex[name].map { keys[$0] } }
}

/// Whether `text` looks like a ZeroMQ endpoint this project uses (tcp://host:port or ipc://path).
func isEndpoint(_ text: String) -> Bool {
    let t = text.trimmingCharacters(in: .whitespaces)
    if t.hasPrefix("ipc://") { return t.count > 6 }
    guard t.hasPrefix("tcp://"), let colon = t.lastIndex(of: ":"), colon > t.index(t.startIndex, offsetBy: 6) else { return false }
    let port = t[t.index(after: colon)...]
    return port == "*" || (Int(port).map { (1...65535).contains($0) } ?? false)
}
