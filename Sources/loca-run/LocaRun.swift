// loca-run: Monte Carlo runs of the in-process Loca-LoS chain with the reference's statistics (developer tool).
import ArgumentParser
import FilterStudies
import Foundation
import Localization
import Scenario

@main
struct LocaRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loca-run",
        abstract: "Monte Carlo runs of the in-process Loca-LoS chain, with the numpy reference's statistics.",
        discussion: "Build with -c release; scripts/compare-ref.py drives both subcommands with --json.",
        subcommands: [Synth.self, Trace.self])
}

/// Options both subcommands share.
struct FilterOptions: ParsableArguments {
    @Option(help: "Number N_p of particles per panel (particles; a positive multiple of 16).")
    var particles = 4096

    @Option(help: "Seed of run 0; run r uses seed + r (filter and, for synth, measurements).")
    var seed: UInt64 = 2025

    @Flag(help: "Print only the summary, as one JSON object (distances in metres, wall time in seconds).")
    var json = false

    func validate() throws {
        if let problem = particleCountProblem(particles) { throw ValidationError("--particles: \(problem)") }
    }
}

extension LocaRun {
    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs the chain on the synthetic world (docs/MODEL.md §A), run r with seed + r.")

        @Option(help: "Number J of panels.")
        var panels = 24

        @Option(help: "Bandwidth B_w, MHz.")
        var bandwidthMhz = 400.0

        @Option(help: "Array side M_a (N_a = M_a² antennas per panel).")
        var arraySide = 5

        @Option(help: "Number of Monte Carlo runs.")
        var runs = 5

        @Option(help: "Steps per run (default: the whole 526-step track).")
        var steps: Int?

        @Flag(help: "Print one line per run (not with --json).")
        var perRun = false

        @Option(help: ArgumentHelp("Write run,step,true_x,true_y,est_x,est_y,err_m,los_visible,los_detected,"
                                   + "measurements per step to this CSV file (metres; LoS counts in panels)."))
        var stepsCsv: String?

        @OptionGroup var filter: FilterOptions

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
            guard bandwidthMhz > 0, bandwidthMhz.isFinite else { throw ValidationError("--bandwidth-mhz must be > 0") }
        }

        func run() throws {
            let world: World
            do {
                world = try StudyScenario(panels: panels, bandwidthMHz: bandwidthMhz, arraySide: arraySide).world()
            } catch {
                throw ValidationError("invalid scenario: \(error)")
            }
            let steps = self.steps ?? world.stepCount
            guard (1...world.stepCount).contains(steps) else {
                throw ValidationError("--steps \(steps): expected 1...\(world.stepCount)")
            }
            let clock = ContinuousClock(), started = clock.now
            let parameters = studyFilter(particles: filter.particles)
            var results: [ChainRun] = []
            for r in 0..<runs {
                let seed = filter.seed + UInt64(r), t0 = clock.now
                let run = runInProcessChain(world: world, filter: parameters, seed: seed, steps: steps)
                results.append(run)
                if perRun && !filter.json {
                    let truth = monteCarloRunTruth(run, world: world)
                    print(monteCarloRunLine(r, seed: seed, errors: truth.errors, visible: truth.visible,
                                            detected: run.losDetected, seconds: seconds(clock.now - t0)))
                }
            }
            if let path = stepsCsv {
                do {
                    try monteCarloStepsCSV(runs: results, world: world).write(toFile: path, atomically: true,
                                                                              encoding: .utf8)
                } catch {
                    throw ValidationError("cannot write --steps-csv \(path): \(error.localizedDescription)")
                }
            }
            let label = String(format: "swift synth J=%d Na=%d Bw=%.0fMHz Np=%d", panels, arraySide * arraySide,
                               bandwidthMhz, filter.particles)
            print(monteCarloSummary(RunStatistics(runs: results, world: world), label: label,
                                    seconds: seconds(clock.now - started), json: filter.json))
        }
    }

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs the chain on the numpy reference's own measurements (a trace file), run r with seed + r.",
            discussion: """
            FILE is the JSON that scripts/compare-ref.py writes from the reference's synthesis (panels, prior, \
            bandwidth_hz, array_side, truth, los_visible, runs[].measurements), so that both implementations \
            filter the very same measurements.
            """)

        @Argument(help: "The trace file (JSON).")
        var file: String

        @OptionGroup var filter: FilterOptions

        func run() throws {
            let trace: ReferenceTrace
            do {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                trace = try ReferenceTrace(json: data)
            } catch let error as TraceError {
                throw ValidationError("\(file): \(error)")
            } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            let clock = ContinuousClock(), started = clock.now
            let setup = trace.setup(filter: studyFilter(particles: filter.particles))
            let truth = trace.truthPoints, visible = trace.visibleFlat
            var errors: [[Double]] = [], detected: [[Bool]] = []
            for r in trace.runs.indices {
                let measurements = trace.measurements(run: r)
                let seed = filter.seed + UInt64(r), t0 = clock.now
                let run = runInProcessChain(setup, seed: seed, steps: measurements.count) { n, j in measurements[n][j] }
                let e = RunStatistics.positionErrors(estimates: run.estimates, truth: Array(truth.prefix(run.stepCount)))
                errors.append(e)
                detected.append(run.losDetected)
                if !filter.json {
                    print(monteCarloRunLine(r, seed: seed, errors: e, visible: Array(visible.prefix(run.losDetected.count)),
                                            detected: run.losDetected, seconds: seconds(clock.now - t0)))
                }
            }
            let stats = RunStatistics(errors: errors, losVisible: detected.map { Array(visible.prefix($0.count)) },
                                      losDetected: detected)
            print(monteCarloSummary(stats, label: "swift trace \(file)", seconds: seconds(clock.now - started),
                                    json: filter.json))
        }
    }
}
