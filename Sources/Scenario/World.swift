// World: the runtime's entry to the scenario: room, panels in chain order, trajectory, visible paths and measurements.

/// Everything that defines the synthetic scenario (docs/MODEL.md §A).
public struct ScenarioParameters: Sendable, Equatable {
    /// Number J of panels: 2, or a positive multiple of 4.
    public var panelCount: Int = 24
    /// Radio, array and detection constants (N_a = radio.arraySide²).
    public var radio = RadioParameters()
    /// Agent path and sampling.
    public var trajectory = TrajectoryParameters()
    /// Room and walls.
    public var room = Room.paper

    public init() {}
}

/// The built scenario: a value that answers, for any step n and panel j, what the panel sees.
///
/// All visible paths of all (step, panel) pairs are computed once at construction (J = 24: 12,624 pairs),
/// so ``visiblePaths(step:panel:)``, ``losVisible(step:panel:)`` and ``measurements(seed:step:panel:)``
/// only look them up. Measurements are a pure function of (seed, step, panel): any pair can be generated
/// alone, in any order, on any host, with the same result.
public struct World: Sendable {
    /// The parameters the world was built from.
    public let parameters: ScenarioParameters
    /// Panels in daisy-chain order (index = chain position).
    public let panels: [Panel]
    /// The sampled agent trajectory (steps 0..<trajectory.count).
    public let trajectory: Trajectory
    /// The URA of every panel.
    public let array: UniformRectangularArray

    /// Visible paths of (step n, panel j) are pathTable[pathOffsets[n·J + j] ..< pathOffsets[n·J + j + 1]].
    let pathOffsets: [Int]
    let pathTable: [VisiblePath]
    let losVisibleTable: [Bool]

    public init(_ parameters: ScenarioParameters) throws(ScenarioError) {
        let radio = parameters.radio
        guard radio.arraySide >= 2 else { throw .invalidArraySide(radio.arraySide) }
        guard radio.bandwidthHz > 0, radio.carrierHz > 0 else {
            throw .invalidRadio("bandwidth and carrier must be positive")
        }
        guard radio.detectionThreshold >= 0, radio.maxDistance > 0 else {
            throw .invalidRadio("detection threshold must be ≥ 0 and the false-alarm distance > 0")
        }
        guard radio.falseAlarmMean >= 0, radio.falseAlarmMean < 30 else {
            throw .invalidRadio("false-alarm mean \(radio.falseAlarmMean) outside [0, 30)")
        }
        self.parameters = parameters
        let room = parameters.room
        let panels = try makePanels(count: parameters.panelCount, room: room)
        let trajectory = try Trajectory(parameters.trajectory)
        self.panels = panels
        self.trajectory = trajectory
        self.array = radio.array

        let pairs = trajectory.count * panels.count
        var offsets = [Int]()
        offsets.reserveCapacity(pairs + 1)
        offsets.append(0)
        var table = [VisiblePath]()
        table.reserveCapacity(pairs * 3)
        var los = [Bool]()
        los.reserveCapacity(pairs)
        var scratch = [PathGeometry]()
        for agent in trajectory.positions {
            for panel in panels {
                scratch.removeAll(keepingCapacity: true)
                room.appendVisiblePaths(anchor: panel.position, virtualAnchors: panel.virtualAnchors,
                                        agent: agent, to: &scratch)
                for geometry in scratch { table.append(VisiblePath(geometry: geometry, radio: radio)) }
                los.append(scratch.first?.kind == .lineOfSight)
                offsets.append(table.count)
            }
        }
        pathOffsets = offsets
        pathTable = table
        losVisibleTable = los
    }

    /// The room and its walls.
    public var room: Room { parameters.room }
    /// Radio and detection constants.
    public var radio: RadioParameters { parameters.radio }
    /// Number of time steps (trajectory samples).
    public var stepCount: Int { trajectory.count }
    /// Number J of panels.
    public var panelCount: Int { panels.count }

    /// True agent position at step n, metres.
    public func agentPosition(step: Int) -> SIMD2<Double> { trajectory.positions[step] }
    /// True agent velocity at step n, metres per second.
    public func agentVelocity(step: Int) -> SIMD2<Double> { trajectory.velocities[step] }

    @inline(__always)
    func pairIndex(step: Int, panel: Int) -> Int {
        precondition(step >= 0 && step < trajectory.count, "step \(step) outside 0..<\(trajectory.count)")
        precondition(panel >= 0 && panel < panels.count, "panel \(panel) outside 0..<\(panels.count)")
        return step * panels.count + panel
    }

    /// Visible paths of panel j (chain index) at step n: LoS first if visible, then bounces by wall index.
    public func visiblePaths(step: Int, panel: Int) -> ArraySlice<VisiblePath> {
        let k = pairIndex(step: step, panel: panel)
        return pathTable[pathOffsets[k]..<pathOffsets[k + 1]]
    }

    /// Whether the LoS between panel j and the agent is visible at step n.
    public func losVisible(step: Int, panel: Int) -> Bool { losVisibleTable[pairIndex(step: step, panel: panel)] }

    /// Number of panels with a visible LoS at step n.
    public func losVisibleCount(step: Int) -> Int {
        let start = pairIndex(step: step, panel: 0)
        return losVisibleTable[start..<(start + panels.count)].reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// The measurements panel j receives at step n of the run with seed `seed` (docs/MODEL.md §A.6–§A.7).
    public func measurements(seed: UInt64, step: Int, panel: Int) -> PanelMeasurements {
        var measurements = PanelMeasurements()
        self.measurements(seed: seed, step: step, panel: panel, into: &measurements)
        return measurements
    }

    /// Same as ``measurements(seed:step:panel:)``, reusing the buffers of `measurements`.
    public func measurements(seed: UInt64, step: Int, panel: Int, into measurements: inout PanelMeasurements) {
        MeasurementSynthesis.generate(paths: visiblePaths(step: step, panel: panel), radio: radio,
                                      seed: seed, step: step, panel: panel, into: &measurements)
    }

    /// The measurements with their truth (origins, detected paths, LoS visible / detected).
    public func synthesize(seed: UInt64, step: Int, panel: Int) -> SynthesizedMeasurements {
        MeasurementSynthesis.synthesize(paths: visiblePaths(step: step, panel: panel), radio: radio,
                                        seed: seed, step: step, panel: panel)
    }
}
