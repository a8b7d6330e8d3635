// panel-bench: times one Loca-LoS panel update (p50/p99) and counts its heap allocations (benchmark executable).
//
//   panel-bench INPUT [--sizes "1024 4096 16384"] [--measurements "3 6"] [--updates 2000] [--warmup 200]
//               [--repeats 3] [--first-of-route]
//
// INPUT is the fixed input of the C baseline (Tests/Fixtures/panel_input_M6.bin, see its README): panel position, true
// agent state and 6 measurements of one J = 24, 400 MHz panel at step 60; M = 3 uses its first 3 rows. As in
// the C baseline, the agent particles start in a 5 cm cloud around the truth and every update feeds its γ out
// back in (same measurements, a new step key each time); later-panel mode (regularization) unless
// --first-of-route. Per size: `repeats` runs of `warmup` + `updates` updates; the run with the lowest median
// is reported (as the C baseline's run.sh does). Allocations are counted by the malloc interposer linked into
// this executable (CMallocCounter), over the timed updates.
import CMallocCounter
import Foundation
import Localization
import Scenario

struct Input {
    var panel: SIMD2<Double>
    var truth: SIMD2<Double>, velocity: SIMD2<Double>
    var rows: [[Double]]
    var distanceVarianceTimesU2: Double
}

func readInput(_ path: String) -> Input {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("cannot read \(path)\n".utf8)); exit(1)
    }
    let values: [Double] = data.withUnsafeBytes { raw in
        (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
    }
    let n = Int(values[0]), m = Int(values[1])
    let zStart = 29 + 5 * n
    let rows = (0..<m).map { Array(values[(zStart + 3 * $0)..<(zStart + 3 * $0 + 3)]) }
    return Input(panel: SIMD2(values[2], values[3]), truth: SIMD2(values[24], values[25]),
                 velocity: SIMD2(values[26], values[27]), rows: rows, distanceVarianceTimesU2: values[4])
}

var arguments = CommandLine.arguments.dropFirst()
guard let inputPath = arguments.popFirst() else {
    print("usage: panel-bench INPUT [--sizes \"1024 4096 16384\"] [--measurements \"3 6\"] [--updates 2000] "
          + "[--warmup 200] [--repeats 3] [--first-of-route]")
    exit(2)
}
var sizes = [1024, 4096, 16384], measurementCounts = [3, 6]
var updates = 2000, warmup = 200, repeats = 3, firstOfRoute = false
while let flag = arguments.popFirst() {
    switch flag {
    case "--sizes": sizes = arguments.popFirst()!.split(separator: " ").map { Int($0)! }
    case "--measurements": measurementCounts = arguments.popFirst()!.split(separator: " ").map { Int($0)! }
    case "--updates": updates = Int(arguments.popFirst()!)!
    case "--warmup": warmup = Int(arguments.popFirst()!)!
    case "--repeats": repeats = Int(arguments.popFirst()!)!
    case "--first-of-route": firstOfRoute = true
    default: print("unknown option \(flag)"); exit(2)
    }
}

let input = readInput(inputPath)
let radio = RadioParameters()
if abs(radio.distanceStdTimesU * radio.distanceStdTimesU - input.distanceVarianceTimesU2) > 1e-9 * input.distanceVarianceTimesU2 {
    print("warning: the input's k_d differs from the default 400 MHz radio")
}
let clock = ContinuousClock()

func microseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
}

print("# swift panel update, \(firstOfRoute ? "first of route (CV)" : "later panel (regularization)"), "
      + "\(updates) updates after \(warmup) warm-up, best median of \(repeats)")
print("# impl N M p50_us p99_us allocs_per_update first_update_allocs est_x est_y p_e")
for n in sizes {
    for m in measurementCounts {
        precondition(m <= input.rows.count, "the input has \(input.rows.count) measurement rows")
        var filter = FilterParameters()
        filter.particleCount = n
        let model = PanelModel(position: input.panel, radio: radio, filter: filter)
        let rows = Array(input.rows.prefix(m))
        let z = PanelMeasurements(distance: rows.map { $0[0] }, aoa: rows.map { $0[1] }, amplitude: rows.map { $0[2] })
        var best: (p50: Double, p99: Double, allocs: Double, first: UInt64, report: PanelReport)? = nil
        var times = [Double](repeating: 0, count: updates)
        for repeatIndex in 0..<repeats {
            // agent particles: 5 cm around the truth, velocity ± 0.1 m/s (as the C baseline)
            var g = RandomStream(seed: 12345, step: repeatIndex, panel: 0, purpose: .shuffle)
            var gamma = AgentParticles(count: n)
            for i in 0..<n {
                gamma.x[i] = Float(input.truth.x + 0.05 * g.nextGaussian())
                gamma.y[i] = Float(input.truth.y + 0.05 * g.nextGaussian())
                gamma.vx[i] = Float(input.velocity.x + 0.1 * g.nextGaussian())
                gamma.vy[i] = Float(input.velocity.y + 0.1 * g.nextGaussian())
            }
            var state = PanelState.initial(model: model, seed: 1, step: 0, panel: 0)
            var workspace = PanelWorkspace()
            let beforeFirst = dmimo_malloc_count()
            var report = updatePanel(&gamma, state: &state, measurements: z, model: model,
                                     key: PanelStepKey(seed: 1, step: 0, panel: 0), isFirstOfRoute: firstOfRoute,
                                     workspace: &workspace)
            let firstAllocs = dmimo_malloc_count() - beforeFirst
            for k in 1..<warmup {
                report = updatePanel(&gamma, state: &state, measurements: z, model: model,
                                     key: PanelStepKey(seed: 1, step: k, panel: 0), isFirstOfRoute: firstOfRoute,
                                     workspace: &workspace)
            }
            let before = dmimo_malloc_count()
            for r in 0..<updates {
                let t0 = clock.now
                report = updatePanel(&gamma, state: &state, measurements: z, model: model,
                                     key: PanelStepKey(seed: 1, step: warmup + r, panel: 0),
                                     isFirstOfRoute: firstOfRoute, workspace: &workspace)
                times[r] = microseconds(clock.now - t0)
            }
            let allocs = Double(dmimo_malloc_count() - before) / Double(updates)
            times.sort()
            let p50 = times[updates / 2], p99 = times[Int(0.99 * Double(updates - 1) + 0.5)]
            if best == nil || p50 < best!.p50 { best = (p50, p99, allocs, firstAllocs, report) }
        }
        let b = best!
        print(String(format: "swift %d %d %.1f %.1f %.3f %llu %.4f %.4f %.3f", n, m, b.p50, b.p99, b.allocs, b.first,
                     b.report.estimate.x, b.report.estimate.y, b.report.existence))
    }
}
