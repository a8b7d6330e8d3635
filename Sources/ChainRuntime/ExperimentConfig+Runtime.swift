// ExperimentConfig+Runtime: from the YAML configuration to the world, the filter constants and a panel's model.
import Config
import Localization
import Scenario
import Wire

extension FilterParameters {
    /// The filter constants of a configuration.
    public init(_ section: FilterSection) {
        self.init()
        particleCount = section.particles
        accelerationStd = section.accelerationStd
        regularizationFactor = section.regularizationFactor
        let floor = section.regularizationFloor
        regularizationFloor = SIMD4(floor[0], floor[1], floor[2], floor[3])
        survivalProbability = section.survivalProbability
        birthProbability = section.birthProbability
        randomWalkRelative = section.amplitudeWalkRelative
        randomWalkAbsolute = section.amplitudeWalkFloor
        initialExistence = section.initialExistence
        existenceThreshold = section.existenceThreshold
        reflectionClutterMean = section.reflectionClutterMean
        priorRadius = section.priorRadius
        priorVelocitySpread = section.priorVelocityHalfWidth
        associationMaxIterations = section.associationMaxIterations
        associationTolerance = section.associationTolerance
    }
}

extension Experiment {
    /// The experiment a configuration describes.
    /// - Throws: ``RuntimeError`` for a configuration the runtime cannot run (with the key to change).
    /// - Parameter forPanel: built by a panel process (a trace's geometry from `trace.geometry`, no file read).
    public init(config original: ExperimentConfig, forPanel: Bool = false) throws(RuntimeError) {
        let (source, config) = try original.resolvedMeasurementSource(forPanel: forPanel)
        var filter = FilterParameters(config.filter)
        filter.samplingInterval = config.scenario.timeStep
        guard filter.particleCount % 16 == 0 else {
            throw RuntimeError("filter.particles = \(filter.particleCount) must be a multiple of 16 (the SIMD panel update works on blocks of 16)")
        }
        guard config.run.steps <= source.stepCount || forPanel && !config.trace.geometry.isEmpty else {
            throw RuntimeError("run.steps = \(config.run.steps) exceeds scenario.trajectory_samples = \(source.stepCount)")
        }
        if let endpoints = config.chain.endpoints(panels: source.panelCount), endpoints.count != source.panelCount {
            throw RuntimeError("chain.panel_endpoints lists \(endpoints.count) endpoints for \(source.panelCount) panels")
        }
        self.init(source: source, filter: filter, baseSeed: config.run.seed, runs: config.run.runs,
                  steps: config.run.steps, configYAML: config.yaml(), method: config.filter.method)
    }
}

/// Builds the panel computation named by the controller's Configure message: the probe, or the filter of the
/// configuration it carries.
public func makePanelComputation(_ configure: Configure, panel: Int) throws -> any PanelComputation {
    let method: PanelFilterMethod
    switch PanelMode(wireName: configure.mode) {
    case .probe?:
        return ProbeComputation()
    case .filter(let filterMethod)?:
        method = filterMethod
    case nil:
        throw RuntimeError("panel \(panel): unknown mode '\(configure.mode)' "
                           + "(known: \(PanelMode.allWireNames.joined(separator: ", ")))")
    }
    let config: ExperimentConfig
    do { config = try ExperimentConfig.load(yaml: configure.configYAML) } catch {
        throw RuntimeError("panel \(panel): the controller's configuration is invalid: \(error)")
    }
    let experiment = try Experiment(config: config, forPanel: true)
    guard experiment.method == method else {
        throw RuntimeError("panel \(panel): mode '\(configure.mode)' but the configuration's filter.method is "
                           + "\(experiment.method.rawValue)")
    }
    guard panel < experiment.panelCount else {
        throw RuntimeError("panel \(panel): the configuration has only \(experiment.panelCount) panels")
    }
    let model = PanelModel(position: experiment.source.panelPositions[panel], radio: experiment.source.radio,
                           filter: experiment.filter)
    return FilterComputation(method: method, model: model, room: experiment.source.room,
                             panel: panel, baseSeed: experiment.baseSeed)
}
