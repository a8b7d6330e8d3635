// ExperimentConfig+Trace: resolves a configuration's measurement source — the synthetic world, or the trace of trace.file.
import ChainLog
import Config
import Foundation
import Localization
import Scenario

/// Reads and parses a trace file (the thin I/O shell around TraceCSVReader).
public func readTrace(path: String) throws(RuntimeError) -> Trace {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw RuntimeError("cannot read trace file \(path)")
    }
    do { return try TraceCSVReader.parse([UInt8](data), file: path) } catch { throw RuntimeError("trace \(error)") }
}

extension ExperimentConfig {
    /// The measurement source this configuration names, and the configuration as the run records it: for a trace,
    /// `scenario.panels` / `scenario.array_size` follow the trace and `run.steps` is bounded by its steps. (Panel
    /// processes never read the file: the controller sends each its position, radio constants and walls.)
    public func resolvedMeasurementSource() throws(RuntimeError) -> (MeasurementSource, ExperimentConfig) {
        var config = self
        if trace.file.isEmpty {
            do { return (.world(try World(scenarioParameters)), config) } catch { throw RuntimeError("scenario: \(error)") }
        }
        let trace = try readTrace(path: self.trace.file)
        let name = self.trace.file
        let sizes = Set(trace.panels.compactMap(\.arraySize))
        if sizes.count > 1 {
            throw RuntimeError("trace \(name): panels of different array sizes \(sizes.sorted()) (a run has one N_a)")
        }
        if let size = sizes.first { config.scenario.arraySize = size }
        if isValidPanelCount(trace.panelCount) { config.scenario.panels = trace.panelCount }
        if filter.method == .locaMPC && trace.walls.isEmpty {
            throw RuntimeError("trace \(name): filter.method = loca-mpc needs the room's walls ([walls] section)")
        }
        let resolved: TraceMeasurements
        do { resolved = try TraceMeasurements(trace, radio: config.radioParameters, file: name) } catch {
            throw RuntimeError("trace \(error)")
        }
        if config.run.steps > trace.stepCount {
            ChainLog.controller.notice("the trace has \(trace.stepCount) steps: run.steps = \(trace.stepCount) (was \(config.run.steps))")
            config.run.steps = trace.stepCount
        }
        return (.trace(resolved), config)
    }
}
