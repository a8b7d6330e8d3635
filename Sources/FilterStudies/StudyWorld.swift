// StudyWorld: the synthetic world and chain setup of the filter studies (loca-run, mpc-sweep), from a few knobs.
import Localization
import Scenario

/// The knobs of the developer tools' scenario: everything else is the paper's default (docs/MODEL.md §A).
public struct StudyScenario: Sendable, Equatable {
    /// Number J of panels.
    public var panels: Int
    /// Bandwidth B_w, MHz.
    public var bandwidthMHz: Double
    /// Array side M_a (N_a = M_a² antennas).
    public var arraySide: Int

    public init(panels: Int, bandwidthMHz: Double, arraySide: Int = 5) {
        self.panels = panels
        self.bandwidthMHz = bandwidthMHz
        self.arraySide = arraySide
    }

    /// The world, or the scenario's validation error.
    public func world() throws -> World {
        var parameters = ScenarioParameters()
        parameters.panelCount = panels
        parameters.radio.bandwidthHz = bandwidthMHz * 1e6
        parameters.radio.arraySide = arraySide
        return try World(parameters)
    }
}

/// Filter constants with `particles` particles (N_p), the rest the defaults.
public func studyFilter(particles: Int) -> FilterParameters {
    var filter = FilterParameters()
    filter.particleCount = particles
    return filter
}

/// Why a particle count is not usable by the panel kernels, or nil: they need a positive multiple of 16.
public func particleCountProblem(_ particles: Int) -> String? {
    particles >= 16 && particles % 16 == 0 ? nil : "\(particles) particles: expected a positive multiple of 16"
}

extension ChainSetup {
    /// The chain of `method` on `world` with N_p = `particles` and the world's sampling interval and room.
    public init(world: World, method: PanelFilterMethod, particles: Int) {
        var filter = studyFilter(particles: particles)
        filter.samplingInterval = world.parameters.trajectory.timeStep
        self.init(panelPositions: world.panels.map(\.position), radio: world.radio, filter: filter,
                  priorCentre: world.trajectory.priorCentre, priorVelocity: world.trajectory.priorVelocity,
                  method: method, room: world.room)
    }
}

/// The measurements of `runs` runs (seed firstSeed + r), `steps` steps, every panel: [run][step][panel].
public func syntheticMeasurements(_ world: World, runs: Int, steps: Int, firstSeed: UInt64)
    -> [[[PanelMeasurements]]] {
    (0..<runs).map { run in
        (0..<steps).map { step in
            (0..<world.panelCount).map { world.measurements(seed: firstSeed + UInt64(run), step: step, panel: $0) }
        }
    }
}

/// `value` with `digits` decimals (no Foundation; non-finite values as Swift prints them).
public func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (abs(value) * scale).rounded()
    let whole = Int(rounded / scale)
    var fraction = String(Int(rounded - Double(whole) * scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return (value < 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + fraction : "")
}

/// Seconds of a duration.
public func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
