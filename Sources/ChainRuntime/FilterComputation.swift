// FilterComputation: the panel filter update inside a panel process, fed by measurement batches sent ahead.
import ChainProtocol
import Localization
import Scenario
import Wire

/// One panel's filter (any method of `PanelFilters.all`) as a ``PanelComputation``. It runs exactly ``AnyPanelFilter/update`` —
/// the same function the in-process chain calls — so both give bit-identical estimates for the same configuration.
public struct FilterComputation: PanelComputation {
    var filter: AnyPanelFilter
    let baseSeed: UInt64
    /// Measurement batches by (run, step), delivered ahead of γ.
    var batches: [StepID: PanelMeasurements] = [:]
    var activeRun: UInt32?
    /// Islands (FilterComputation+Islands): the step's N_p particles, each island copied in as it arrives.
    var islandBuffer = AgentParticles(x: [], y: [], vx: [], vy: [])
    /// Islands: the log weights ℓ_b of the step's islands after this panel's update (natural log).
    var islandLogWeights: [Double] = []
    /// Islands: the number of measurements of the step begun.
    var islandMeasurements: UInt32 = 0

    /// - Parameters:
    ///   - model: this panel's position and constants.
    ///   - panel: chain position of the panel (its random-stream key).
    ///   - baseSeed: the run set's seed; run r uses `baseSeed + r`.
    public init(method: PanelFilterMethod = .locaLoS, model: PanelModel, room: Room = .paper, panel: Int, baseSeed: UInt64) {
        filter = AnyPanelFilter(method: method, model: model, room: room, panel: UInt32(panel), seed: baseSeed, step: 0)
        self.baseSeed = baseSeed
    }

    public func accepts(particleCount count: Int) -> Bool { count == filter.model.filter.particleCount }

    public mutating func store(_ batch: MeasurementBatch, run: UInt32, step: UInt32) {
        batches[StepID(run: run, step: step)] = PanelMeasurements(distance: batch.distance, aoa: batch.aoa,
                                                                   amplitude: batch.amplitude)
    }

    public func isReady(run: UInt32, step: UInt32) -> Bool { batches[StepID(run: run, step: step)] != nil }

    public mutating func process(particles: inout ParticleArrays, run: UInt32, step: UInt32,
                                 isFirstOfRoute: Bool, reset: Bool) -> PanelOutput {
        let seed = baseSeed &+ UInt64(run)
        precondition(accepts(particleCount: particles.count), "γ of \(particles.count) particles: the node drops it first")
        let measurements = takeMeasurements(run: run, step: step, reset: reset)
        var gamma = AgentParticles(x: particles.x, y: particles.y, vx: particles.vx, vy: particles.vy)
        particles = ParticleArrays()  // hand the arrays over, so the update works in place without a copy
        let report = filter.update(&gamma, measurements: measurements, seed: seed, step: Int(step),
                                   isFirstOfRoute: isFirstOfRoute)
        particles = ParticleArrays(x: gamma.x, y: gamma.y, vx: gamma.vx, vy: gamma.vy)
        let wireReport = Wire.PanelReport(panel: Int32(filter.panel), existence: Float(report.existence),
                                          losDetected: report.losDetected, amplitude: Float(report.amplitudeEstimate))
        return PanelOutput(report: wireReport, estimate: report.estimate, measurements: UInt32(measurements.count))
    }

    /// Starts a step: fresh panel state if `reset` or a new run, and the step's measurement batch (empty if it never
    /// came), dropping batches of steps that can no longer come.
    mutating func takeMeasurements(run: UInt32, step: UInt32, reset: Bool) -> PanelMeasurements {
        let id = StepID(run: run, step: step)
        if reset || activeRun != run {
            filter.reset(seed: baseSeed &+ UInt64(run), step: Int(step))
            activeRun = run
            batches = batches.filter { $0.key.run == run }
        }
        let measurements = batches.removeValue(forKey: id) ?? PanelMeasurements()
        if batches.count > 64 { batches = batches.filter { $0.key > id } }
        return measurements
    }
}
