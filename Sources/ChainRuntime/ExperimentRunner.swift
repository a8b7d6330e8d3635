// ExperimentRunner: runs a run set in one process or over J panel processes and records every step.
import Config
import Localization
import Scenario
import Wire

/// A resolved experiment: the measurement source, the filter, and how many runs and steps.
public struct Experiment: Sendable {
    /// Where measurements, panel geometry and truth come from (MeasurementSource.swift).
    public var source: MeasurementSource
    public var filter: FilterParameters
    /// Seed of the run set; run r uses seed + r for its measurements and its filter.
    public var baseSeed: UInt64
    public var runs: Int
    public var steps: Int
    /// The resolved configuration, as written to config.yaml.
    public var configYAML: String
    /// The filter the panels run.
    public var method: PanelFilterMethod

    public init(source: MeasurementSource, filter: FilterParameters, baseSeed: UInt64, runs: Int, steps: Int,
                configYAML: String, method: PanelFilterMethod) {
        self.source = source; self.filter = filter; self.baseSeed = baseSeed; self.runs = runs
        self.steps = steps; self.configYAML = configYAML; self.method = method
    }

    public var panelCount: Int { source.panelCount }

    /// The chain as the filter sees it.
    public var setup: ChainSetup {
        ChainSetup(panelPositions: source.panelPositions, radio: source.radio, filter: filter,
                   priorCentre: source.priorCentre, priorVelocity: source.priorVelocity,
                   method: method, room: source.room)
    }

    /// The seed of run `run`: the run set seed + run.
    public func seed(run: Int) -> UInt64 { baseSeed &+ UInt64(run) }
}

/// How a run set ended.
public struct RunSetOutcome: Sendable {
    public var accumulator: RecordAccumulator
    /// Stopped early by SIGINT/SIGTERM.
    public var interrupted: Bool
    public var reason: String?
    /// What each injected fault did.
    public var faults: [FaultRecord] = []
    /// Results of steps that already had one (late attempts), dropped at the controller.
    public var duplicateResults = 0
    /// Steps re-issued from the checkpoint.
    public var reissues = 0
}

/// Runs the experiment in this process with the same panel code the panel processes run; `onRecord` sees every
/// step's record (with its compute time) after it is written (the downlink client sends the step's snapshot there).
public func runInProcess(_ experiment: Experiment, files: ResultFiles, signals: SignalWatcher?,
                         progress: ProgressLine, onRecord: (StepRecord) -> Void = { _ in }) -> RunSetOutcome {
    let panels = experiment.panelCount
    var accumulator = RecordAccumulator(runs: experiment.runs, steps: experiment.steps, panels: panels)
    let setup = experiment.setup
    for run in 0..<experiment.runs {
        let seed = experiment.seed(run: run)
        var chain = InProcessChain(setup: setup, seed: seed)
        for step in 0..<experiment.steps {
            if let signals, !signals.pending().isEmpty {
                files.flush()
                return RunSetOutcome(accumulator: accumulator, interrupted: true, reason: "interrupted")
            }
            let measurements = (0..<panels).map { experiment.source.measurements(seed: seed, step: step, panel: $0) }
            let start = monotonicNanos()
            let outcome = chain.step { measurements[$0] }
            let elapsed = monotonicNanos() - start
            var record = StepRecord(
                run: run, step: step, truth: experiment.source.truth(step: step), estimate: outcome.estimate,
                contributing: Array(0..<panels), skipped: [],
                existence: outcome.reports.map(\.existence), losDetected: outcome.reports.map(\.losDetected),
                losVisible: (0..<panels).map { experiment.source.losVisible(step: step, panel: $0) },
                latencyNs: elapsed, outcome: .delivered,
                hops: outcome.reports.enumerated().map { j, r in
                    HopRecord(panel: j, recvNs: 0, computeDoneNs: 0, sendNs: 0, linkNs: nil, ackRttNs: nil,
                              measurements: r.measurementCount)
                })
            accumulator.add(record)
            // per_step.csv of an in-process run holds no timing, so the same config and seed give the same bytes;
            // the step compute times are in summary.json
            record.latencyNs = 0
            files.append(record)
            onRecord(record)
            progress.update(run * experiment.steps + step + 1, experiment.runs * experiment.steps,
                            extra: "steps (run \(run + 1)/\(experiment.runs), RMSE so far \(fixed(accumulator.rmseSoFar * 100, 2)) cm)")
        }
    }
    files.flush()
    return RunSetOutcome(accumulator: accumulator, interrupted: false)
}

