// mpc-sweep: the filter methods compared on the paper's scenario (the numpy reference's table) and per-panel time.
import ArgumentParser
import FilterStudies
import Foundation
import Localization
import Scenario

@main
struct MPCSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mpc-sweep",
        abstract: "Loca-LoS vs Loca-MPC (every filter method) on the same measurements, and per-panel compute time.",
        discussion: """
        Run r uses seed first-seed + r for measurements and filter; every method sees the same measurements. \
        Build with -c release: times from a debug build are meaningless.
        """,
        subcommands: [Sweep.self, Replay.self, Timing.self, Trace.self, Measurements.self])
}

/// A comma-separated list of positive integers, e.g. "2,4,12".
struct IntegerList: ExpressibleByArgument, CustomStringConvertible {
    var values: [Int]
    init?(argument: String) {
        let parts = argument.split(separator: ",", omittingEmptySubsequences: false)
        let values = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count == parts.count, values.allSatisfy({ $0 > 0 }) else { return nil }
        self.values = values
    }
    init(_ values: [Int]) { self.values = values }
    var description: String { values.map(String.init).joined(separator: ",") }
}

extension PanelFilterMethod: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
    public var defaultValueDescription: String { rawValue }
}

/// The world of one configuration, or a usage error.
func studyWorld(panels: Int, bandwidthMHz: Int) throws -> World {
    do {
        return try StudyScenario(panels: panels, bandwidthMHz: Double(bandwidthMHz)).world()
    } catch {
        throw ValidationError("invalid scenario (J = \(panels), B_w = \(bandwidthMHz) MHz): \(error)")
    }
}

func checkParticles(_ particles: Int) throws {
    if let problem = particleCountProblem(particles) { throw ValidationError("--particles: \(problem)") }
}

func checkSteps(_ steps: Int, _ world: World) throws {
    guard (1...world.stepCount).contains(steps) else {
        throw ValidationError("--steps \(steps): expected 1...\(world.stepCount)")
    }
}

func printTable(_ rows: [String]) {
    print("")
    for line in comparisonTableHeader + rows { print(line) }
}

extension MPCSweep {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every method on this package's scenario over a grid of J and B_w: lines per run and the table.")

        @Option(help: "Monte Carlo runs per configuration.") var runs = 2
        @Option(help: "Steps per run (1...526).") var steps = 526
        @Option(help: "Panel counts J, comma-separated.") var panels = IntegerList([2, 4, 12])
        @Option(name: .customLong("bandwidths-mhz"), help: "Bandwidths B_w, MHz, comma-separated.")
        var bandwidths = IntegerList([40, 400])
        @Option(help: "Particles N_p per panel (a positive multiple of 16).") var particles = 1024
        @Option(help: "Seed of run 0 (measurements and filter); run r uses first-seed + r.")
        var firstSeed: UInt64 = 2025

        func validate() throws {
            guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
            try checkParticles(particles)
        }

        func run() throws {
            print("mpc-sweep: N_a = 25, N_p = \(particles), \(steps) steps, \(runs) runs (seeds \(firstSeed)…"
                  + "\(firstSeed + UInt64(runs) - 1)), measurements from this package's scenario")
            var rows: [String] = []
            for bandwidth in bandwidths.values {
                for j in panels.values {
                    let world = try studyWorld(panels: j, bandwidthMHz: bandwidth)
                    try checkSteps(steps, world)
                    let measurements = syntheticMeasurements(world, runs: runs, steps: steps, firstSeed: firstSeed)
                    let result = compareMethods(world, measurements: measurements, particles: particles,
                                                label: "J=\(j) \(bandwidth) MHz", firstSeed: firstSeed)
                    result.lines.forEach { print($0) }
                    rows += result.rows
                }
            }
            printTable(rows)
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every method on measurements read from a file (e.g. the numpy reference's).",
            discussion: """
            FILE: one measurement per line, 'run step panel z_d z_phi z_u [origin]' (z_d metres, z_phi radians), \
            as written by scripts/dump_reference_measurements.py or 'mpc-sweep measurements'; blank lines and \
            '#' lines are skipped, any other malformed line is an error.
            """)

        @Argument(help: "The measurement file.") var file: String
        @Option(help: "Number J of panels of the file's scenario.") var panels = 2
        @Option(name: .customLong("bandwidth-mhz"), help: "Bandwidth B_w of the file's scenario, MHz.")
        var bandwidth = 40
        @Option(help: "Particles N_p per panel (a positive multiple of 16).") var particles = 1024
        @Option(help: "Filter seed of run 0; run r uses first-seed + r.") var firstSeed: UInt64 = 2025

        func validate() throws { try checkParticles(particles) }

        func run() throws {
            let world = try studyWorld(panels: panels, bandwidthMHz: bandwidth)
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("cannot read \(file): \(error.localizedDescription)")
            }
            let measurements: [[[PanelMeasurements]]]
            do { measurements = try parseMeasurementText(text, panels: panels, steps: world.stepCount) } catch {
                throw ValidationError("\(file): \(error)")
            }
            guard !measurements.isEmpty else { throw ValidationError("\(file): no measurements") }
            print("mpc-sweep replay: \(file), J = \(panels), \(bandwidth) MHz, N_p = \(particles), "
                  + "\(measurements.count) runs (filter seeds \(firstSeed)…)")
            let result = compareMethods(world, measurements: measurements, particles: particles,
                                        label: "J=\(panels) \(bandwidth) MHz", firstSeed: firstSeed)
            result.lines.forEach { print($0) }
            printTable(result.rows)
        }
    }

    struct Timing: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Filter time per step and per panel update of every method (seed 2025, one run, after a warm-up).")

        @Option(help: "Timed steps (1...526).") var steps = 100
        @Option(help: "Number J of panels.") var panels = 24
        @Option(name: .customLong("particles"), help: "Particle counts N_p, comma-separated (multiples of 16).")
        var particleCounts = IntegerList([1024, 4096])
        @Option(name: .customLong("bandwidth-mhz"), help: "Bandwidth B_w, MHz.") var bandwidth = 400

        func validate() throws { try particleCounts.values.forEach(checkParticles) }

        func run() throws {
            let world = try studyWorld(panels: panels, bandwidthMHz: bandwidth)
            try checkSteps(steps, world)
            let measurements = syntheticMeasurements(world, runs: 1, steps: steps, firstSeed: 2025)
            print("mpc-sweep timing: J = \(panels), \(bandwidth) MHz, N_a = 25, \(steps) steps, seed 2025, filter only")
            print("| N_p | method | ms per step | µs per panel update | / Loca-LoS |")
            print("|-----|--------|-------------|---------------------|------------|")
            for particles in particleCounts.values {
                var losPerPanel = Double.nan
                for method in PanelFilterMethod.allCases {
                    // warm-up (first-touch allocations, caches), then the timed run
                    _ = runMethod(world, method: method, particles: particles, measurements: measurements,
                                  steps: min(steps, 5))
                    let result = runMethod(world, method: method, particles: particles, measurements: measurements)
                    let perPanel = result.microsecondsPerPanel
                    if method == .locaLoS { losPerPanel = perPanel }
                    let ratio = method == .locaLoS || !losPerPanel.isFinite ? "-" : fixed(perPanel / losPerPanel, 2) + "×"
                    print("| \(particles) | \(method.rawValue) | \(fixed(result.filterSeconds / Double(steps) * 1e3, 3)) | "
                          + "\(fixed(perPanel, 1)) | \(ratio) |")
                }
            }
        }
    }

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per-step trace of one run: truth, estimate, error (m) and per panel M, LoS visibility, "
                + "existences, BP iterations.")

        @Option(help: "Number J of panels.") var panels = 2
        @Option(name: .customLong("bandwidth-mhz"), help: "Bandwidth B_w, MHz.") var bandwidth = 40
        @Option(name: .customLong("run"), help: "Run index; its seed is 2025 + run.") var runIndex: UInt64 = 0
        @Option(help: "Filter method (\(PanelFilterMethod.allowedValues)).") var method = PanelFilterMethod.locaMPC
        @Option(help: "Particles N_p per panel (a positive multiple of 16).") var particles = 1024
        @Option(help: "Steps (1...526).") var steps = 526

        func validate() throws { try checkParticles(particles) }

        func run() throws {
            let world = try studyWorld(panels: panels, bandwidthMHz: bandwidth)
            try checkSteps(steps, world)
            for line in traceLines(world, method: method, particles: particles, seed: 2025 + runIndex, steps: steps) {
                print(line)
            }
        }
    }

    struct Measurements: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The scenario's measurements as text: run step panel z_d z_phi z_u origin (los, bounce-w<wall>, "
                + "fa), seeds 2025 + run, for running another implementation on exactly these inputs.")

        @Option(help: "Number J of panels.") var panels = 2
        @Option(name: .customLong("bandwidth-mhz"), help: "Bandwidth B_w, MHz.") var bandwidth = 40
        @Option(help: "Number of runs.") var runs = 2

        func validate() throws { guard runs >= 1 else { throw ValidationError("--runs must be at least 1") } }

        func run() throws {
            let world = try studyWorld(panels: panels, bandwidthMHz: bandwidth)
            for run in 0..<runs { print(measurementText(world, run: run), terminator: "") }
        }
    }
}
