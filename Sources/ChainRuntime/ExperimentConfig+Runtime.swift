// ExperimentConfig+Runtime: from the YAML configuration to the world and the filter constants.
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
        islandCount = section.islands
    }
}

extension Experiment {
    /// The experiment a configuration describes.
    /// - Throws: ``RuntimeError`` for a configuration the runtime cannot run (with the key to change).
    public init(config original: ExperimentConfig) throws(RuntimeError) {
        let (source, config) = try original.resolvedMeasurementSource()
        var filter = FilterParameters(config.filter)
        filter.samplingInterval = config.scenario.timeStep
        guard filter.particleCount % 16 == 0 else {
            throw RuntimeError("filter.particles = \(filter.particleCount) must be a multiple of 16 (the SIMD panel update works on blocks of 16)")
        }
        guard filter.islandCount == 1 || config.filter.method.supportsIslands else {
            throw RuntimeError("filter.islands = \(filter.islandCount): \(config.filter.method.displayName) runs one "
                               + "island only (it has no island update); use filter.islands=1")
        }
        guard config.run.steps <= source.stepCount else {
            throw RuntimeError("run.steps = \(config.run.steps) exceeds scenario.trajectory_samples = \(source.stepCount)")
        }
        if let endpoints = config.chain.endpoints(panels: source.panelCount), endpoints.count != source.panelCount {
            throw RuntimeError("chain.panel_endpoints lists \(endpoints.count) endpoints for \(source.panelCount) panels")
        }
        self.init(source: source, filter: filter, baseSeed: config.run.seed, runs: config.run.runs,
                  steps: config.run.steps, configYAML: config.yaml(), method: config.filter.method)
    }
}
