// ExperimentConfig+Trace: resolves a configuration's measurement source — the synthetic world, or the trace of trace.file.
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
    /// The measurement source this configuration names, and the configuration as the run records and sends it:
    /// for a trace, `scenario.panels` / `scenario.array_size` follow the trace, `run.steps` is bounded by its steps,
    /// and `trace.geometry` carries its geometry to the panel processes (which never read the file).
    /// - Parameter forPanel: a panel process: the geometry comes from `trace.geometry` (no file is read); the
    ///   controller always reads `trace.file` and writes `trace.geometry` anew.
    public func resolvedMeasurementSource(forPanel: Bool = false) throws(RuntimeError) -> (MeasurementSource, ExperimentConfig) {
        var config = self
        let geometryOnly = forPanel && !self.trace.geometry.isEmpty
        if self.trace.file.isEmpty && !geometryOnly {
            guard self.trace.geometry.isEmpty else {
                throw RuntimeError("trace.geometry is set but trace.file is empty (the controller fills trace.geometry from trace.file)")
            }
            do { return (.world(try World(scenarioParameters)), config) } catch { throw RuntimeError("scenario: \(error)") }
        }
        let trace: Trace
        let name = geometryOnly ? "trace.geometry" : self.trace.file
        if geometryOnly {
            do { trace = try TraceCSVReader.parseGeometry(text: self.trace.geometry, file: "trace.geometry") } catch {
                throw RuntimeError("trace: \(error)")
            }
        } else {
            trace = try readTrace(path: self.trace.file)
        }
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
        if !geometryOnly {
            if config.run.steps > trace.stepCount {
                printError("chain-controller: the trace has \(trace.stepCount) steps: run.steps = \(trace.stepCount) "
                           + "(was \(config.run.steps))")
                config.run.steps = trace.stepCount
            }
            var geometry = trace
            geometry.prior = resolved.prior
            config.trace.geometry = TraceCSVWriter.geometry(geometry)
        }
        return (.trace(resolved), config)
    }
}
