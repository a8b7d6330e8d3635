// mpc-sweep: Loca-LoS vs Loca-MPC on the paper's scenario (the numpy reference's comparison table) and per-panel compute time.
//
// Usage (build with -c release; numbers from a debug build are meaningless):
//   mpc-sweep sweep  [runs=2] [steps=526] [J list=2,4,12] [B_w MHz list=40,400] [N_p=1024] [first seed=2025]
//   mpc-sweep replay FILE [J=2] [B_w MHz=40] [N_p=1024] [first filter seed=2025]
//   mpc-sweep timing [steps=100] [J=24] [N_p list=1024,4096] [B_w MHz=400]
//   mpc-sweep trace  [J=2] [B_w MHz=40] [run=0] [method=loca-mpc] [N_p=1024] [steps=526]
//   mpc-sweep measurements [J=2] [B_w MHz=40] [runs=2]
// Run r uses seed 2025 + r for measurements and filter; both methods see the same measurements.
import Localization
import Scenario
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Positional argument `index` (after the mode), or `fallback`.
func argument(_ index: Int, _ fallback: String) -> String {
    CommandLine.arguments.count > index + 1 ? CommandLine.arguments[index + 1] : fallback
}

func integers(_ text: String) -> [Int] { text.split(separator: ",").map { Int($0)! } }

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    var fraction = String(Int(rounded - Double(whole) * scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return (value < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + fraction : "")
}

/// The scenario of one configuration.
func makeWorld(panels: Int, bandwidthMHz: Int, arraySide: Int = 5) -> World {
    var parameters = ScenarioParameters()
    parameters.panelCount = panels
    parameters.radio.bandwidthHz = Double(bandwidthMHz) * 1e6
    parameters.radio.arraySide = arraySide
    return try! World(parameters)
}

func setup(_ world: World, method: PanelFilterMethod, particles: Int) -> ChainSetup {
    var filter = FilterParameters()
    filter.particleCount = particles
    filter.samplingInterval = world.parameters.trajectory.timeStep
    return ChainSetup(panelPositions: world.panels.map(\.position), radio: world.radio, filter: filter,
                      priorCentre: world.trajectory.priorCentre, priorVelocity: world.trajectory.priorVelocity,
                      method: method, room: world.room)
}

/// Outputs of one method on one configuration over all runs.
struct MethodResult {
    var statistics: RunStatistics
    /// Filter time only (measurements precomputed), seconds, all runs.
    var filterSeconds: Double
    /// Panel updates timed.
    var panelUpdates: Int
    var iterations: [Int]
    var notConverged: Int
    /// Statistics of each run alone.
    var perRun: [RunStatistics]

    var microsecondsPerPanel: Double { filterSeconds / Double(panelUpdates) * 1e6 }
}

func runMethod(_ world: World, method: PanelFilterMethod, particles: Int, runs: Int, steps: Int,
               measurements: [[[PanelMeasurements]]], firstSeed: UInt64 = 2025) -> MethodResult {
    let chainSetup = setup(world, method: method, particles: particles)
    let clock = ContinuousClock()
    var errors: [[Double]] = [], visible: [[Bool]] = [], detected: [[Bool]] = []
    var elapsed = Duration.zero
    var iterations: [Int] = [], notConverged = 0
    for run in 0..<runs {
        var chain = InProcessChain(setup: chainSetup, seed: firstSeed + UInt64(run))
        var estimates: [SIMD4<Double>] = [], runVisible: [Bool] = [], runDetected: [Bool] = []
        for step in 0..<steps {
            let start = clock.now
            let outcome = chain.step { measurements[run][step][$0] }
            elapsed += clock.now - start
            estimates.append(outcome.estimate)
            for (j, report) in outcome.reports.enumerated() {
                runVisible.append(world.losVisible(step: step, panel: j))
                runDetected.append(report.losDetected)
                if let association = report.association, report.measurementCount > 0 {
                    iterations.append(association.iterations)
                    if !association.converged { notConverged += 1 }
                }
            }
        }
        errors.append(RunStatistics.positionErrors(estimates: estimates,
                                                   truth: (0..<steps).map { world.agentPosition(step: $0) }))
        visible.append(runVisible)
        detected.append(runDetected)
    }
    return MethodResult(statistics: RunStatistics(errors: errors, losVisible: visible, losDetected: detected),
                        filterSeconds: seconds(elapsed), panelUpdates: runs * steps * world.panelCount,
                        iterations: iterations, notConverged: notConverged,
                        perRun: errors.indices.map {
                            RunStatistics(errors: [errors[$0]], losVisible: [visible[$0]], losDetected: [detected[$0]])
                        })
}

func measurementsOf(_ world: World, runs: Int, steps: Int, firstSeed: UInt64 = 2025) -> [[[PanelMeasurements]]] {
    (0..<runs).map { run in
        (0..<steps).map { step in
            (0..<world.panelCount).map { world.measurements(seed: firstSeed + UInt64(run), step: step, panel: $0) }
        }
    }
}

func iterationSummary(_ iterations: [Int], notConverged: Int) -> String {
    guard !iterations.isEmpty else { return "-" }
    let sorted = iterations.sorted()
    let mean = Double(sorted.reduce(0, +)) / Double(sorted.count)
    return "mean \(fixed(mean, 2)), median \(sorted[sorted.count / 2]), "
        + "99 % \(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]), max \(sorted.last!), "
        + "not converged \(notConverged)/\(sorted.count)"
}

/// Both methods on the same measurements: one line per run and method, a summary line per method; returns the
/// two table rows.
func compare(_ world: World, measurements: [[[PanelMeasurements]]], particles: Int, label: String,
             firstSeed: UInt64 = 2025) -> [String] {
    let runs = measurements.count, steps = measurements[0].count
    var rows: [String] = []
    for method in PanelFilterMethod.allCases {
        let result = runMethod(world, method: method, particles: particles, runs: runs, steps: steps,
                               measurements: measurements, firstSeed: firstSeed)
        let s = result.statistics
        let name = method == .locaLoS ? "Loca-LoS" : "Loca-MPC"
        for (run, r) in result.perRun.enumerated() {
            print("  \(label) \(name) run \(run): time-avg RMSE \(fixed(r.rmseTimeAverage * 100, 2)) cm, "
                  + "max \(fixed(r.errorMax, 3)) m, frac > 1 m \(fixed(r.fractionErrorAboveThreshold, 4)), "
                  + "LoS det \(fixed(r.losDetectionRate ?? .nan, 3)), false LoS \(fixed(r.falseLosRate ?? .nan, 3))")
        }
        print("\(label) \(name): time-avg RMSE \(fixed(s.rmseTimeAverage * 100, 2)) cm, "
              + "overall \(fixed(s.rmseOverall * 100, 2)) cm, median \(fixed(s.errorMedian * 100, 2)) cm, "
              + "90 % \(fixed(s.errorP90 * 100, 2)) cm, max \(fixed(s.errorMax, 3)) m, "
              + "frac > 1 m \(fixed(s.fractionErrorAboveThreshold, 4)), runs > 1 m \(s.runsDiverged), "
              + "LoS det \(fixed(s.losDetectionRate ?? .nan, 3)), false LoS \(fixed(s.falseLosRate ?? .nan, 3)); "
              + "filter \(fixed(result.filterSeconds, 2)) s (\(fixed(result.microsecondsPerPanel, 1)) µs/panel "
              + "update); BP iterations: " + iterationSummary(result.iterations, notConverged: result.notConverged))
        rows.append("| \(world.panelCount) | \(Int(world.radio.bandwidthHz / 1e6)) MHz | \(name) | "
                    + "\(fixed(s.rmseTimeAverage * 100, 2)) cm | \(fixed(s.errorMedian * 100, 2)) cm | "
                    + "\(fixed(s.fractionErrorAboveThreshold, 4)) | \(fixed(s.losDetectionRate ?? .nan, 3)) | "
                    + "\(fixed(s.falseLosRate ?? .nan, 3)) | \(fixed(result.microsecondsPerPanel, 1)) µs |")
    }
    return rows
}

func printTable(_ rows: [String]) {
    print("\n| J | B_w | method | time-avg RMSE | median err | frac err > 1 m | LoS det rate | false LoS rate | "
          + "filter time per panel update |")
    print("|---|-----|--------|---------------|------------|----------------|--------------|----------------|"
          + "------------------------------|")
    for row in rows { print(row) }
}

func sweep() {
    let runs = Int(argument(1, "2"))!, steps = Int(argument(2, "526"))!
    let panelCounts = integers(argument(3, "2,4,12")), bandwidths = integers(argument(4, "40,400"))
    let particles = Int(argument(5, "1024"))!
    let firstSeed = UInt64(argument(6, "2025"))!
    print("mpc-sweep: N_a = 25, N_p = \(particles), \(steps) steps, \(runs) runs (seeds \(firstSeed)…"
          + "\(firstSeed + UInt64(runs) - 1)), measurements from this package's scenario")
    var rows: [String] = []
    for bandwidth in bandwidths {
        for panels in panelCounts {
            let world = makeWorld(panels: panels, bandwidthMHz: bandwidth)
            let measurements = measurementsOf(world, runs: runs, steps: steps, firstSeed: firstSeed)
            rows += compare(world, measurements: measurements, particles: particles,
                            label: "J=\(panels) \(bandwidth) MHz", firstSeed: firstSeed)
        }
    }
    printTable(rows)
}

/// Both methods on measurements read from a file (`run step panel z_d z_φ z_u [origin]` per line, e.g. the numpy
/// reference's, written by scripts/dump_reference_measurements.py): the filters compared on identical inputs.
func replay() {
    let path = argument(1, ""), panels = Int(argument(2, "2"))!, bandwidth = Int(argument(3, "40"))!
    let particles = Int(argument(4, "1024"))!, filterSeed = UInt64(argument(5, "2025"))!
    guard let file = fopen(path, "r") else { print("cannot open \(path)"); return }
    defer { fclose(file) }
    let world = makeWorld(panels: panels, bandwidthMHz: bandwidth)
    var measurements: [[[PanelMeasurements]]] = []
    var line: UnsafeMutablePointer<CChar>? = nil
    var capacity = 0
    while getline(&line, &capacity, file) > 0 {
        let fields = String(cString: line!).split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" })
        guard fields.count >= 6, let run = Int(fields[0]), let step = Int(fields[1]), let j = Int(fields[2]),
              let zd = Double(fields[3]), let zp = Double(fields[4]),
              let zu = Double(fields[5]) else { continue }
        while measurements.count <= run {
            measurements.append(Array(repeating: Array(repeating: PanelMeasurements(), count: panels),
                                      count: world.stepCount))
        }
        measurements[run][step][j].distance.append(zd)
        measurements[run][step][j].aoa.append(zp)
        measurements[run][step][j].amplitude.append(zu)
    }
    free(line)
    print("mpc-sweep replay: \(path), J = \(panels), \(bandwidth) MHz, N_p = \(particles), \(measurements.count) runs "
          + "(filter seeds \(filterSeed)…)")
    printTable(compare(world, measurements: measurements, particles: particles, label: "J=\(panels) \(bandwidth) MHz",
                       firstSeed: filterSeed))
}

func timing() {
    let steps = Int(argument(1, "100"))!, panels = Int(argument(2, "24"))!
    let particleCounts = integers(argument(3, "1024,4096")), bandwidth = Int(argument(4, "400"))!
    let world = makeWorld(panels: panels, bandwidthMHz: bandwidth)
    let measurements = measurementsOf(world, runs: 1, steps: steps)
    print("mpc-sweep timing: J = \(panels), \(bandwidth) MHz, N_a = 25, \(steps) steps, seed 2025, filter only")
    print("| N_p | method | ms per step | µs per panel update | MPC / LoS |")
    print("|-----|--------|-------------|---------------------|-----------|")
    for particles in particleCounts {
        var losPerPanel = 0.0
        for method in PanelFilterMethod.allCases {
            // warm-up (first-touch allocations, caches), then the timed run
            _ = runMethod(world, method: method, particles: particles, runs: 1, steps: min(steps, 5),
                          measurements: measurements)
            let result = runMethod(world, method: method, particles: particles, runs: 1, steps: steps,
                                   measurements: measurements)
            let perPanel = result.microsecondsPerPanel
            if method == .locaLoS { losPerPanel = perPanel }
            print("| \(particles) | \(method.rawValue) | \(fixed(result.filterSeconds / Double(steps) * 1e3, 3)) | "
                  + "\(fixed(perPanel, 1)) | \(method == .locaMPC ? fixed(perPanel / losPerPanel, 2) + "×" : "-") |")
        }
    }
}

/// Per-step trace of one run: truth, estimate, error and per panel M, LoS visibility and existences.
func trace() {
    let panels = Int(argument(1, "2"))!, bandwidth = Int(argument(2, "40"))!, run = Int(argument(3, "0"))!
    let method = PanelFilterMethod(rawValue: argument(4, "loca-mpc"))!, particles = Int(argument(5, "1024"))!
    let steps = Int(argument(6, "526"))!
    let world = makeWorld(panels: panels, bandwidthMHz: bandwidth)
    let seed = 2025 + UInt64(run)
    var chain = InProcessChain(setup: setup(world, method: method, particles: particles), seed: seed)
    print("step truth_x truth_y est_x est_y err_m | per panel: M los_visible p_e(features…) bp_iterations")
    for step in 0..<steps {
        let outcome = chain.step { world.measurements(seed: seed, step: step, panel: $0) }
        let p = world.agentPosition(step: step), e = outcome.estimate
        let error = ((e.x - p.x) * (e.x - p.x) + (e.y - p.y) * (e.y - p.y)).squareRoot()
        var line = "\(step) \(fixed(p.x, 2)) \(fixed(p.y, 2)) \(fixed(e.x, 2)) \(fixed(e.y, 2)) \(fixed(error, 3)) |"
        for (j, r) in outcome.reports.enumerated() {
            let existences = r.association?.featureExistence ?? [r.existence]
            line += " [\(r.measurementCount) \(world.losVisible(step: step, panel: j) ? "V" : "-") "
                + existences.map { fixed($0, 2) }.joined(separator: ",")
                + (r.association.map { " it\($0.iterations)" } ?? "") + "]"
        }
        print(line)
    }
}

/// The measurements of a configuration as text, one line per measurement: run step panel z_d z_φ z_u origin
/// (origin: los, bounce-w<wall>, fa), for running another implementation on exactly these inputs.
func dumpMeasurements() {
    let panels = Int(argument(1, "2"))!, bandwidth = Int(argument(2, "40"))!, runs = Int(argument(3, "2"))!
    let world = makeWorld(panels: panels, bandwidthMHz: bandwidth)
    var out = ""
    for run in 0..<runs {
        for step in 0..<world.stepCount {
            for j in 0..<panels {
                let s = world.synthesize(seed: 2025 + UInt64(run), step: step, panel: j)
                for m in 0..<s.measurements.count {
                    let origin: String
                    switch s.origins[m] {
                    case .lineOfSight: origin = "los"
                    case .singleBounce(let wall): origin = "bounce-w\(wall)"
                    case .falseAlarm: origin = "fa"
                    }
                    out += "\(run) \(step) \(j) \(s.measurements.distance[m]) \(s.measurements.aoa[m]) "
                        + "\(s.measurements.amplitude[m]) \(origin)\n"
                }
            }
        }
        print(out, terminator: "")
        out = ""
    }
}

switch argument(0, "") {
case "measurements": dumpMeasurements()
case "sweep": sweep()
case "timing": timing()
case "trace": trace()
case "replay": replay()
default:
    print("""
    usage: mpc-sweep sweep  [runs=2] [steps=526] [J list=2,4,12] [B_w MHz list=40,400] [N_p=1024] [first seed=2025]
           mpc-sweep replay FILE [J=2] [B_w MHz=40] [N_p=1024] [first filter seed=2025]   (measurements from FILE, e.g. the numpy reference's)
           mpc-sweep timing [steps=100] [J=24] [N_p list=1024,4096] [B_w MHz=400]
           mpc-sweep trace  [J=2] [B_w MHz=40] [run=0] [method=loca-mpc] [N_p=1024] [steps=526]
           mpc-sweep measurements [J=2] [B_w MHz=40] [runs=2]   (text: run step panel z_d z_phi z_u origin)
    (build with -c release)
    """)
}
