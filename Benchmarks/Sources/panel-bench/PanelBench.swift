// panel-bench: times one panel update (p50/p99) and counts its heap allocations (benchmark executable).
//
// INPUT is the fixed input of the C baseline (Tests/Fixtures/panel_input_M6.bin, see its README): panel position, true
// agent state and 6 measurements of one J = 24, 400 MHz panel at step 60; M = 3 uses its first 3 rows. As in
// the C baseline, the agent particles start in a 5 cm cloud around the truth and every update feeds its γ out
// back in (same measurements, a new step key each time); later-panel mode (regularization) unless
// --first-of-route. Per size: `repeats` runs of `warmup` + `updates` updates; the run with the lowest median
// is reported (as the C baseline's run.sh does). Allocations are counted by the malloc interposer linked into
// this executable (CMallocCounter), over the timed updates.
import ArgumentParser
import CMallocCounter
import Foundation
import Localization
import Scenario

@main
struct PanelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "panel-bench",
        abstract: "Times one panel update (p50/p99, µs) and counts its heap allocations per update.",
        discussion: """
        One line per (N_p, M): impl N M p50_us p99_us allocs_per_update first_update_allocs est_x est_y p_e. \
        Build with -c release (scripts/bench-panel.sh does); numbers from a debug build are meaningless.
        """)

    /// Which function is timed.
    enum Path: String, ExpressibleByArgument, CaseIterable {
        /// The Loca-LoS kernel `updatePanel` called directly (what the C baseline times).
        case kernel
        /// `AnyPanelFilter.update` of the configured method: what the in-process chain and a panel process run.
        case filter
    }

    @Argument(help: "The fixed input file (Tests/Fixtures/panel_input_M6.bin).")
    var input: String

    @Option(help: "Particle counts N_p to time, space-separated (particles; multiples of 16).")
    var sizes = "1024 4096 16384"

    @Option(help: "Measurement counts M to time, space-separated (1...6: rows of the input).")
    var measurements = "3 6"

    @Option(help: "Timed updates per repeat.")
    var updates = 2000

    @Option(help: "Untimed warm-up updates per repeat, before the timed ones.")
    var warmup = 200

    @Option(help: "Repeats per size; the one with the lowest median is reported.")
    var repeats = 3

    @Flag(help: "First panel of the route (constant-velocity prediction) instead of a later panel (regularization).")
    var firstOfRoute = false

    @Option(help: "Islands B γ travels as (filter.islands, docs/MODEL.md §B.7): 1 = the paper's update; N_p/B must be a multiple of 16.")
    var islands = 1

    @Flag(help: "With --islands > 1: the last panel of the route (combines the islands, one global resampling).")
    var lastOfRoute = false

    @Option(help: "What is timed: kernel (the Loca-LoS updatePanel itself) or filter (AnyPanelFilter.update of --method, as the panels run it).")
    var path = Path.kernel

    @Option(help: "The filter method of --path filter (the configuration's filter.method values).")
    var method = "loca-los"

    @Option(help: ArgumentHelp(
        "Before each timed update, write this many KiB of other memory (untimed), so the update starts with caches holding other data (0 = hot caches).",
        discussion: "A panel of a J-process chain runs after the other J - 1 panels and the controller have used the CPU; this shows what cold caches cost the update (docs/LATENCY.md §11).",
        valueName: "KiB"))
    var evictKib = 0

    @Flag(help: "Exit with status 1 if any timed update allocated (heap allocations per update > 0).")
    var requireNoAllocations = false

    var sizeList: [Int] { sizes.split(separator: " ").compactMap { Int($0) } }
    var measurementList: [Int] { measurements.split(separator: " ").compactMap { Int($0) } }

    func validate() throws {
        guard !sizeList.isEmpty, sizeList.count == sizes.split(separator: " ").count,
              sizeList.allSatisfy({ $0 >= 16 && $0 % 16 == 0 }) else {
            throw ValidationError("--sizes '\(sizes)': expected positive multiples of 16, space-separated")
        }
        guard !measurementList.isEmpty, measurementList.count == measurements.split(separator: " ").count,
              measurementList.allSatisfy({ (1...6).contains($0) }) else {
            throw ValidationError("--measurements '\(measurements)': expected counts in 1...6, space-separated")
        }
        guard (0...1_048_576).contains(evictKib) else { throw ValidationError("--evict-kib must be in 0...1048576 (KiB)") }
        guard updates >= 1, warmup >= 1, repeats >= 1 else {
            throw ValidationError("--updates, --warmup and --repeats must be at least 1")
        }
        guard islands >= 1, sizeList.allSatisfy({ $0 % islands == 0 && ($0 / islands) % 16 == 0 }) else {
            throw ValidationError("--islands \(islands): every size must split into islands of a multiple of 16")
        }
        guard islands == 1 || PanelFilterMethod(rawValue: method)?.supportsIslands == true else {
            throw ValidationError("--islands \(islands): --method \(method) runs one island only")
        }
        guard PanelFilterMethod(rawValue: method) != nil else {
            throw ValidationError("--method '\(method)': expected one of "
                                  + PanelFilterMethod.allCases.map(\.rawValue).joined(separator: " | "))
        }
    }

    func run() throws {
        let input = try BenchInput(path: self.input)
        let radio = RadioParameters()
        if abs(radio.distanceStdTimesU * radio.distanceStdTimesU - input.distanceVarianceTimesU2)
            > 1e-9 * input.distanceVarianceTimesU2 {
            print("warning: the input's k_d differs from the default 400 MHz radio")
        }
        var route = firstOfRoute ? "first of route (CV)" : "later panel (regularization)"
        if islands > 1 { route += ", \(islands) islands" + (lastOfRoute ? ", last of route" : "") }
        let what = path == .kernel ? "swift panel update" : "swift \(method) panel update via AnyPanelFilter"
        print("# \(what), \(route), \(updates) updates after \(warmup) warm-up, best median of \(repeats)")
        print("# impl N M p50_us p99_us allocs_per_update first_update_allocs est_x est_y p_e")
        var allocated = false
        for n in sizeList {
            for m in measurementList {
                guard m <= input.rows.count else {
                    throw ValidationError("the input has \(input.rows.count) measurement rows, not \(m)")
                }
                var filter = FilterParameters()
                filter.particleCount = n
                let model = PanelModel(position: input.panel, radio: radio, filter: filter)
                let rows = Array(input.rows.prefix(m))
                let z = PanelMeasurements(distance: rows.map { $0[0] }, aoa: rows.map { $0[1] },
                                          amplitude: rows.map { $0[2] })
                var best: BenchResult? = nil
                for repeatIndex in 0..<repeats {
                    let result = timeOne(model: model, measurements: z, input: input, repeatIndex: repeatIndex)
                    if best == nil || result.p50 < best!.p50 { best = result }
                }
                let b = best!
                allocated = allocated || b.allocationsPerUpdate > 0
                print(String(format: "swift %d %d %.1f %.1f %.3f %llu %.4f %.4f %.3f", n, m, b.p50, b.p99,
                             b.allocationsPerUpdate, b.firstUpdateAllocations, b.report.estimate.x,
                             b.report.estimate.y, b.report.existence))
            }
        }
        if requireNoAllocations && allocated {
            FileHandle.standardError.write(Data("panel-bench: a timed panel update allocated on the heap\n".utf8))
            throw ExitCode(1)
        }
    }

    /// One repeat: warm-up, then the timed updates; the updates run through the chosen path.
    func timeOne(model: PanelModel, measurements z: PanelMeasurements, input: BenchInput,
                 repeatIndex: Int) -> BenchResult {
        var gamma = input.particleCloud(count: model.filter.particleCount, repeatIndex: repeatIndex)
        switch path {
        case .kernel:
            var state = PanelState.initial(model: model, seed: 1, step: 0, panel: 0)
            var workspace = PanelWorkspace()
            if islands > 1 {
                var logWeights = [Double](repeating: 0, count: islands)
                return measure(updates: updates, warmup: warmup, evictBytes: evictKib * 1024) { step in
                    updatePanelIslands(&gamma, islandLogWeights: &logWeights, state: &state, measurements: z,
                                       model: model, key: PanelStepKey(seed: 1, step: step, panel: 0),
                                       isFirstOfRoute: firstOfRoute, isLastOfRoute: lastOfRoute, workspace: &workspace)
                }
            }
            return measure(updates: updates, warmup: warmup, evictBytes: evictKib * 1024) { step in
                updatePanel(&gamma, state: &state, measurements: z, model: model,
                            key: PanelStepKey(seed: 1, step: step, panel: 0), isFirstOfRoute: firstOfRoute,
                            workspace: &workspace)
            }
        case .filter:
            var filter = AnyPanelFilter(method: PanelFilterMethod(rawValue: method)!, model: model, panel: 0, seed: 1,
                                        step: 0)
            if islands > 1 {
                var logWeights = [Double](repeating: 0, count: islands)
                return measure(updates: updates, warmup: warmup, evictBytes: evictKib * 1024) { step in
                    filter.updateIslands(&gamma, islandLogWeights: &logWeights, measurements: z, seed: 1, step: step,
                                         isFirstOfRoute: firstOfRoute, isLastOfRoute: lastOfRoute)
                }
            }
            return measure(updates: updates, warmup: warmup, evictBytes: evictKib * 1024) { step in
                filter.update(&gamma, measurements: z, seed: 1, step: step, isFirstOfRoute: firstOfRoute)
            }
        }
    }
}

/// The best repeat of one (N_p, M).
struct BenchResult {
    var p50: Double, p99: Double
    var allocationsPerUpdate: Double
    var firstUpdateAllocations: UInt64
    var report: PanelReport
}

/// Runs `update(step)` for steps 0 (counted alone: the first update sizes the scratch space), 1 ..< warmup
/// (untimed) and warmup ..< warmup + updates (timed one by one, allocations counted over all of them).
func measure(updates: Int, warmup: Int, evictBytes: Int = 0, _ update: (_ step: Int) -> PanelReport) -> BenchResult {
    let clock = ContinuousClock()
    var times = [Double](repeating: 0, count: updates)
    // other memory, written (one store per 64-byte line) before each timed update when evictBytes > 0
    var other = [UInt8](repeating: 0, count: evictBytes)
    let beforeFirst = dmimo_malloc_count()
    var report = update(0)
    let firstAllocations = dmimo_malloc_count() - beforeFirst
    for k in 1..<max(warmup, 1) { report = update(k) }
    let before = dmimo_malloc_count()
    for r in 0..<updates {
        if evictBytes > 0 {
            other.withUnsafeMutableBufferPointer { bytes in
                for line in stride(from: 0, to: bytes.count, by: 64) { bytes[line] &+= 1 }
            }
        }
        let t0 = clock.now
        report = update(warmup + r)
        times[r] = microseconds(clock.now - t0)
    }
    let allocations = Double(dmimo_malloc_count() - before) / Double(updates)
    times.sort()
    return BenchResult(p50: times[updates / 2], p99: times[Int(0.99 * Double(updates - 1) + 0.5)],
                       allocationsPerUpdate: allocations, firstUpdateAllocations: firstAllocations, report: report)
}

func microseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12
}
