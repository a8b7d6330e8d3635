// TraceExport: the synthetic world as a trace — its true paths, or the measurements of one run seed (docs/TRACES.md).

extension Trace {
    /// The world's first `steps` steps as a trace of `level`: true paths (distance, AoA, true amplitude u, kind,
    /// wall) or the measurements of the run with `seed` (shuffled as sent, with their origins as kinds).
    /// Panels have orientation 0, so AoAs in the panel's frame are the world's global AoAs.
    public init(world: World, level: TraceLevel, seed: UInt64, steps: Int? = nil) {
        let count = min(steps ?? world.stepCount, world.stepCount)
        let panels = world.panels.map {
            TracePanel(position: $0.position, orientation: 0, arraySize: world.radio.arrayElements)
        }
        var counts: [Int] = []
        var paths: [TracePath] = []
        counts.reserveCapacity(count * world.panelCount)
        for n in 0..<count {
            for j in 0..<world.panelCount {
                switch level {
                case .truePaths:
                    let visible = world.visiblePaths(step: n, panel: j)
                    for path in visible {
                        let los = path.kind == .lineOfSight
                        paths.append(TracePath(distance: path.distance, aoa: path.aoa, amplitude: .normalized(path.amplitude),
                                               kind: los ? .lineOfSight : .reflection(order: 1), wall: los ? nil : path.wall))
                    }
                    counts.append(visible.count)
                case .measurements:
                    let s = world.synthesize(seed: seed, step: n, panel: j)
                    for i in 0..<s.measurements.count {
                        let (kind, wall): (TracePathKind, Int?) = switch s.origins[i] {
                        case .lineOfSight: (.lineOfSight, nil)
                        case .singleBounce(let w): (.reflection(order: 1), w)
                        case .falseAlarm: (.falseAlarm, nil)
                        }
                        paths.append(TracePath(distance: s.measurements.distance[i], aoa: s.measurements.aoa[i],
                                               amplitude: .normalized(s.measurements.amplitude[i]), kind: kind, wall: wall))
                    }
                    counts.append(s.measurements.count)
                }
            }
        }
        let source = level == .truePaths ? "dmimo-chain synthetic world" : "dmimo-chain synthetic world, run seed \(seed)"
        self.init(level: level, panels: panels, walls: world.room.walls,
                  prior: TracePrior(centre: world.trajectory.priorCentre, velocity: world.trajectory.priorVelocity),
                  timeStep: world.trajectory.timeStep, source: source, stepCount: count,
                  agent: (0..<count).map { world.agentPosition(step: $0) }, counts: counts, paths: paths)
    }
}
