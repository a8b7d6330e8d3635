// TraceMeasurements: a trace resolved against the radio constants — global-frame paths and the measurements per (seed, step, panel).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// A trace ready to drive the chain. True paths become ``VisiblePath``s (global AoA, normalized amplitude) that
/// ``MeasurementSynthesis`` impairs exactly as it does the synthetic world's; measurements are used as given
/// (AoAs turned into the global frame). A path's random-number slot is 0 for the LoS, w + 1 for a single bounce
/// off wall w, and 1 + (number of walls) + i for the i-th other path of its (step, panel), so a trace exported from
/// the world synthesizes the world's measurements bit for bit.
public struct TraceMeasurements: Sendable {
    public let trace: Trace
    public let radio: RadioParameters
    /// The room the filter sees (the trace's walls; side: the largest coordinate of walls and panels).
    public let room: Room
    public let prior: TracePrior
    let visible: [VisiblePath]
    let measured: [PanelMeasurements]
    let losVisibleTable: [Bool]

    /// - Parameter file: names the trace in errors.
    /// - Throws: ``TraceFileError`` for a trace that cannot drive the chain with these radio constants.
    public init(_ trace: Trace, radio: RadioParameters, file: String) throws(TraceFileError) {
        func fail(_ reason: String) -> TraceFileError { TraceFileError(file: file, line: 0, reason: reason) }
        for (k, panel) in trace.panels.enumerated() {
            if let n = panel.arraySize, n != radio.arrayElements {
                throw fail("panel \(k) has array_size \(n) but the radio constants have N_a = \(radio.arrayElements) "
                           + "(every panel of a run has the same array)")
            }
        }
        if let prior = trace.prior {
            self.prior = prior
        } else if trace.stepCount >= 2, let p0 = trace.agent[0], let p1 = trace.agent[1] {
            // constant velocity through the first two true positions, one step before step 0
            let dt = trace.timeStep ?? 1
            self.prior = TracePrior(centre: p0 - (p1 - p0), velocity: (p1 - p0) / dt)
        } else if trace.stepCount == 0 {
            self.prior = TracePrior(centre: .zero, velocity: .zero)
        } else {
            throw fail("the trace has no [prior] and no true agent positions at steps 0 and 1 to derive one from")
        }
        self.trace = trace
        self.radio = radio
        var side = 0.0
        for w in trace.walls { side = max(side, w.start.x, w.start.y, w.end.x, w.end.y) }
        for p in trace.panels { side = max(side, p.position.x, p.position.y) }
        room = Room(side: side, walls: trace.walls)

        let wallCount = trace.walls.count
        let unitGain = 4 * Double.pi / radio.wavelength     // 1/|a| of a free-space path of 1 m
        var visible: [VisiblePath] = []
        var measured: [PanelMeasurements] = []
        var los: [Bool] = []
        los.reserveCapacity(trace.stepCount * trace.panelCount)
        switch trace.level {
        case .truePaths: visible.reserveCapacity(trace.paths.count)
        case .measurements: measured.reserveCapacity(trace.stepCount * trace.panelCount)
        }
        for n in 0..<trace.stepCount {
            for (j, panel) in trace.panels.enumerated() {
                let paths = trace.paths(step: n, panel: j)
                los.append(paths.contains { $0.kind == .lineOfSight })
                switch trace.level {
                case .truePaths:
                    var other = 0, sawLoS = false
                    for path in paths {
                        let aoa = panel.orientation == 0 ? path.aoa : path.aoa + panel.orientation
                        let geometry: PathGeometry
                        var order = 1
                        switch path.kind {
                        case .lineOfSight?:
                            guard !sawLoS else { throw fail("step \(n), panel \(j): two LoS paths") }
                            sawLoS = true
                            order = 0
                            geometry = PathGeometry(kind: .lineOfSight, wall: -1, distance: path.distance, aoa: aoa,
                                                    reflectionPoint: nil)
                        case .falseAlarm?:
                            throw fail("step \(n), panel \(j): a false alarm (kind fa) in a true-paths trace: the "
                                       + "controller synthesizes false alarms (radio.false_alarm_mean)")
                        case .reflection(let o)?:
                            order = o
                            let wall: Int
                            if o == 1, let w = path.wall { wall = w } else { wall = wallCount + other; other += 1 }
                            geometry = PathGeometry(kind: .singleBounce, wall: wall, distance: path.distance, aoa: aoa,
                                                    reflectionPoint: nil)
                        case nil:
                            let wall: Int
                            if let w = path.wall { wall = w } else { wall = wallCount + other; other += 1 }
                            geometry = PathGeometry(kind: .singleBounce, wall: wall, distance: path.distance, aoa: aoa,
                                                    reflectionPoint: nil)
                        }
                        let u: Double
                        switch path.amplitude {
                        case .normalized(let value): u = value
                        case .complexGain(let re, let im): u = hypot(re, im) * unitGain * radio.maxAmplitude
                        case .model:
                            guard path.kind != nil else {
                                throw fail("step \(n), panel \(j): a path with neither amplitude nor kind (the model's "
                                           + "amplitude needs to know LoS or reflection order)")
                            }
                            u = pow(radio.reflectionGain, Double(order)) * radio.maxAmplitude / max(path.distance, 1e-3)
                        }
                        visible.append(VisiblePath(geometry: geometry, amplitude: u))
                    }
                case .measurements:
                    var m = PanelMeasurements()
                    for path in paths {
                        guard case .normalized(let z) = path.amplitude else {
                            throw fail("step \(n), panel \(j): a measurement without a normalized amplitude")
                        }
                        m.distance.append(path.distance)
                        m.aoa.append(panel.orientation == 0 ? path.aoa : wrapAngle(path.aoa + panel.orientation))
                        m.amplitude.append(z)
                    }
                    measured.append(m)
                }
            }
        }
        self.visible = visible
        self.measured = measured
        losVisibleTable = los
    }

    public var stepCount: Int { trace.stepCount }
    public var panelCount: Int { trace.panelCount }

    /// Panel k's measurements at step n of the run with `seed` (the seed only matters for true paths).
    public func measurements(seed: UInt64, step: Int, panel: Int) -> PanelMeasurements {
        let k = step * trace.panelCount + panel
        switch trace.level {
        case .measurements:
            return measured[k]
        case .truePaths:
            var out = PanelMeasurements()
            MeasurementSynthesis.generate(paths: visible[trace.offsets[k]..<trace.offsets[k + 1]], radio: radio,
                                          seed: seed, step: step, panel: panel, into: &out)
            return out
        }
    }

    /// Whether panel k has a LoS path (true paths) or a LoS-labelled measurement at step n; false where the
    /// trace labels no kinds.
    public func losVisible(step: Int, panel: Int) -> Bool { losVisibleTable[step * trace.panelCount + panel] }

    /// The true agent position at step n, metres, or NaN where the trace does not give it.
    public func truth(step: Int) -> SIMD2<Double> { trace.agent[step] ?? SIMD2(.nan, .nan) }
}
