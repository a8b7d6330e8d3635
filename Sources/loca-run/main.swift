// loca-run: Monte Carlo runs of the in-process Loca-LoS chain with the reference's statistics (developer tool).
//
//   loca-run synth [--panels J] [--bandwidth-mhz B] [--array-side M_a] [--particles N] [--runs R]
//                  [--steps S] [--seed s] [--per-run] [--json] [--steps-csv FILE]
//       runs the chain on the synthetic world (Scenario), run r with seed s + r; --steps-csv writes
//       run,step,true_x,true_y,est_x,est_y,err_m,los_visible,los_detected,measurements per step.
//   loca-run trace FILE [--particles N] [--seed s] [--json]
//       runs the chain on measurements read from FILE (JSON written by scripts/compare-ref.py from the numpy
//       reference's own synthesis), so that both implementations filter the very same measurements.
import Foundation
import Localization
import Scenario

struct Options {
    var mode = ""
    var file = ""
    var panels = 24
    var bandwidthMHz = 400.0
    var arraySide = 5
    var particles = 4096
    var runs = 5
    var steps: Int? = nil
    var seed: UInt64 = 2025
    var perRun = false
    var json = false
    var stepsCSV = ""
}

func parse(_ arguments: [String]) -> Options {
    var o = Options()
    var rest = arguments.dropFirst()
    guard let mode = rest.popFirst(), mode == "synth" || mode == "trace" else { usage() }
    o.mode = mode
    if mode == "trace" { guard let f = rest.popFirst() else { usage() }; o.file = f }
    while let flag = rest.popFirst() {
        func value() -> String { guard let v = rest.popFirst() else { usage() }; return v }
        switch flag {
        case "--panels": o.panels = Int(value()) ?? { usage() }()
        case "--bandwidth-mhz": o.bandwidthMHz = Double(value()) ?? { usage() }()
        case "--array-side": o.arraySide = Int(value()) ?? { usage() }()
        case "--particles": o.particles = Int(value()) ?? { usage() }()
        case "--runs": o.runs = Int(value()) ?? { usage() }()
        case "--steps": o.steps = Int(value()) ?? { usage() }()
        case "--seed": o.seed = UInt64(value()) ?? { usage() }()
        case "--per-run": o.perRun = true
        case "--json": o.json = true
        case "--steps-csv": o.stepsCSV = value()
        default: usage()
        }
    }
    return o
}

func usage() -> Never {
    FileHandle.standardError.write(Data("""
    usage: loca-run synth [--panels J] [--bandwidth-mhz B] [--array-side M_a] [--particles N] [--runs R]
                          [--steps S] [--seed s] [--per-run] [--json] [--steps-csv FILE]
           loca-run trace FILE [--particles N] [--seed s] [--json]

    """.utf8))
    exit(2)
}

/// One run's outputs as printed per run.
func runLine(_ index: Int, seed: UInt64, errors: [Double], visible: [Bool], detected: [Bool], seconds: Double) -> String {
    let s = RunStatistics(errors: [errors], losVisible: [visible], losDetected: [detected])
    return String(format: "  run %d (seed %llu): RMSE %.2f cm, median %.2f cm, max %.3f m, steps>1m %.3f, "
                  + "LoS-det %.3f, false LoS %.3f  [%.1f s]", index, seed, s.rmseOverall * 100, s.errorMedian * 100,
                  s.errorMax, s.fractionErrorAboveThreshold, s.losDetectionRate ?? .nan, s.falseLosRate ?? .nan, seconds)
}

func summary(_ s: RunStatistics, label: String, seconds: Double, json: Bool) {
    if json {
        let object: [String: Any] = [
            "label": label, "runs": s.runs, "steps": s.steps, "rmse_m": s.rmseTimeAverage,
            "rmse_overall_m": s.rmseOverall, "error_p50_m": s.errorMedian, "error_p90_m": s.errorP90,
            "error_max_m": s.errorMax, "frac_error_gt_1m": s.fractionErrorAboveThreshold,
            "runs_diverged": s.runsDiverged, "los_detection_rate": s.losDetectionRate ?? NSNull(),
            "false_los_rate": s.falseLosRate ?? NSNull(), "wall_time_s": seconds,
        ]
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    } else {
        print(String(format: "==> %@: runs=%d steps=%d  rmse_m (time-avg of per-step RMSE) = %.2f cm; overall RMSE "
                     + "%.2f cm; median %.2f cm; p90 %.2f cm; max %.3f m; frac err>1m %.4f; runs diverged %d; "
                     + "LoS detection %.4f; false LoS %.4f; wall time %.1f s", label, s.runs, s.steps,
                     s.rmseTimeAverage * 100, s.rmseOverall * 100, s.errorMedian * 100, s.errorP90 * 100, s.errorMax,
                     s.fractionErrorAboveThreshold, s.runsDiverged, s.losDetectionRate ?? .nan,
                     s.falseLosRate ?? .nan, seconds))
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

let options = parse(CommandLine.arguments)
var filter = FilterParameters()
filter.particleCount = options.particles
let clock = ContinuousClock()
let started = clock.now

switch options.mode {
case "synth":
    var parameters = ScenarioParameters()
    parameters.panelCount = options.panels
    parameters.radio.bandwidthHz = options.bandwidthMHz * 1e6
    parameters.radio.arraySide = options.arraySide
    let world: World
    do { world = try World(parameters) } catch { print("invalid scenario: \(error)"); exit(1) }
    let steps = options.steps ?? world.stepCount
    var runs: [ChainRun] = []
    for r in 0..<options.runs {
        let seed = options.seed + UInt64(r)
        let t0 = clock.now
        let run = runInProcessChain(world: world, filter: filter, seed: seed, steps: steps)
        runs.append(run)
        if options.perRun && !options.json {
            let errors = RunStatistics.positionErrors(estimates: run.estimates,
                                                      truth: (0..<steps).map { world.agentPosition(step: $0) })
            let visible = (0..<steps).flatMap { n in (0..<world.panelCount).map { world.losVisible(step: n, panel: $0) } }
            print(runLine(r, seed: seed, errors: errors, visible: visible, detected: run.losDetected,
                          seconds: seconds(clock.now - t0)))
        }
    }
    if !options.stepsCSV.isEmpty {
        var csv = "run,step,true_x,true_y,est_x,est_y,err_m,los_visible,los_detected,measurements\n"
        for (r, run) in runs.enumerated() {
            for n in 0..<run.stepCount {
                let p = world.agentPosition(step: n), e = run.estimates[n]
                let err = ((SIMD2(e.x, e.y) - p) * (SIMD2(e.x, e.y) - p)).sum().squareRoot()
                let j = world.panelCount
                let detected = run.losDetected[(n * j)..<((n + 1) * j)].filter { $0 }.count
                let measured = run.measurementCounts[(n * j)..<((n + 1) * j)].reduce(0, +)
                csv += "\(r),\(n),\(p.x),\(p.y),\(e.x),\(e.y),\(err),\(world.losVisibleCount(step: n)),\(detected),\(measured)\n"
            }
        }
        try! csv.write(toFile: options.stepsCSV, atomically: true, encoding: .utf8)
    }
    let label = String(format: "swift synth J=%d Na=%d Bw=%.0fMHz Np=%d", options.panels,
                       options.arraySide * options.arraySide, options.bandwidthMHz, options.particles)
    summary(RunStatistics(runs: runs, world: world), label: label, seconds: seconds(clock.now - started),
            json: options.json)

case "trace":
    // {"panels": [[x, y]], "prior_centre": [x, y], "prior_velocity": [vx, vy], "bandwidth_hz": B, "array_side": M,
    //  "truth": [[x, y]], "los_visible": [[0/1 per panel]], "runs": [{"measurements": [[[[zd, zphi, zu]]]]}]}
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: options.file)) } catch { print("\(error)"); exit(1) }
    let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    func vec(_ v: Any?) -> SIMD2<Double> { let a = v as! [NSNumber]; return SIMD2(a[0].doubleValue, a[1].doubleValue) }
    var radio = RadioParameters()
    radio.bandwidthHz = (root["bandwidth_hz"] as! NSNumber).doubleValue
    radio.arraySide = (root["array_side"] as! NSNumber).intValue
    let setup = ChainSetup(panelPositions: (root["panels"] as! [Any]).map(vec), radio: radio, filter: filter,
                           priorCentre: vec(root["prior_centre"]), priorVelocity: vec(root["prior_velocity"]))
    let truth = (root["truth"] as! [Any]).map(vec)
    let visible = (root["los_visible"] as! [[NSNumber]]).flatMap { $0.map(\.boolValue) }
    let traces = root["runs"] as! [[String: Any]]
    var errors: [[Double]] = [], detected: [[Bool]] = []
    for (r, trace) in traces.enumerated() {
        let steps = trace["measurements"] as! [[[[NSNumber]]]]
        let measurements = steps.map { panels in
            panels.map { rows in
                PanelMeasurements(distance: rows.map { $0[0].doubleValue }, aoa: rows.map { $0[1].doubleValue },
                                  amplitude: rows.map { $0[2].doubleValue })
            }
        }
        let seed = options.seed + UInt64(r)
        let t0 = clock.now
        let run = runInProcessChain(setup, seed: seed, steps: measurements.count) { n, j in measurements[n][j] }
        let e = RunStatistics.positionErrors(estimates: run.estimates, truth: Array(truth.prefix(run.stepCount)))
        errors.append(e)
        detected.append(run.losDetected)
        if !options.json {
            print(runLine(r, seed: seed, errors: e, visible: Array(visible.prefix(run.losDetected.count)),
                          detected: run.losDetected, seconds: seconds(clock.now - t0)))
        }
    }
    let stats = RunStatistics(errors: errors, losVisible: detected.map { Array(visible.prefix($0.count)) },
                              losDetected: detected)
    summary(stats, label: "swift trace \(options.file)", seconds: seconds(clock.now - started), json: options.json)

default:
    usage()
}
