// FilterComputation+Islands: a panel process's filter update of a step that arrives as B islands, one at a time.
import Localization
import Wire

extension FilterComputation {
    public func accepts(islandParticleCount count: Int, islands: Int) -> Bool {
        let total = filter.model.filter.particleCount
        return filter.streamsIslands && islands >= 2 && islands <= 64 && count > 0 && count % 16 == 0
            && count * islands == total
    }

    public mutating func processIsland(particles: inout ParticleArrays, logWeight: inout Double, island: Int,
                                       islands: Int, run: UInt32, step: UInt32, beginsStep: Bool, isFirstOfRoute: Bool,
                                       isLastOfRoute: Bool, reset: Bool) -> UInt32 {
        precondition(accepts(islandParticleCount: particles.count, islands: islands) && island < islands,
                     "island \(island) of \(islands) with \(particles.count) particles: the node drops it first")
        let seed = baseSeed &+ UInt64(run)
        if beginsStep {
            let measurements = takeMeasurements(run: run, step: step, reset: reset)
            filter.beginIslands(count: islands, measurements: measurements, seed: seed, step: Int(step))
            let total = filter.model.filter.particleCount
            if islandBuffer.count != total {
                let zeros = [Float](repeating: 0, count: total)
                islandBuffer = AgentParticles(x: zeros, y: zeros, vx: zeros, vy: zeros)
            }
            islandLogWeights.removeAll(keepingCapacity: true)
            islandLogWeights.append(contentsOf: repeatElement(0, count: islands))
            islandMeasurements = UInt32(measurements.count)
        }
        let n = particles.count, offset = island * n
        copy(particles, intoIslandAt: offset)
        var weight = logWeight
        filter.updateIsland(island, of: &islandBuffer, logWeight: &weight, isFirstOfRoute: isFirstOfRoute,
                            isLastOfRoute: isLastOfRoute)
        logWeight = weight
        islandLogWeights[island] = weight
        copy(islandAt: offset, into: &particles)
        return islandMeasurements
    }

    public mutating func reportIslands(kept: [Bool]?) -> PanelOutput {
        if let kept {
            for b in islandLogWeights.indices where !kept[b] { islandLogWeights[b] = -.infinity }
        }
        let report = filter.islandsReport(islandLogWeights: islandLogWeights)
        let wireReport = Wire.PanelReport(panel: Int32(filter.panel), existence: Float(report.existence),
                                          losDetected: report.losDetected, amplitude: Float(report.amplitudeEstimate))
        return PanelOutput(report: wireReport, estimate: report.estimate, measurements: islandMeasurements)
    }

    public mutating func finishIslands(isLastOfRoute: Bool) -> ParticleArrays? {
        filter.finishIslands(&islandBuffer, islandLogWeights: &islandLogWeights, isLastOfRoute: isLastOfRoute)
        guard isLastOfRoute else { return nil }
        return ParticleArrays(x: islandBuffer.x, y: islandBuffer.y, vx: islandBuffer.vx, vy: islandBuffer.vy)
    }

    public func combineIslands(_ islands: [ParticleArrays], logWeights: [Double], run: UInt32,
                               step: UInt32) -> ParticleArrays {
        var joined = AgentParticles(x: islands.flatMap(\.x), y: islands.flatMap(\.y), vx: islands.flatMap(\.vx),
                                    vy: islands.flatMap(\.vy))
        var weights = logWeights
        resampleIslands(&joined, islandLogWeights: &weights,
                        key: PanelStepKey(seed: baseSeed &+ UInt64(run), step: Int(step), panel: filter.panel))
        return ParticleArrays(x: joined.x, y: joined.y, vx: joined.vx, vy: joined.vy)
    }

    /// Copies an island's particles into the step's N_p buffer at `offset` (same-size replacements: no allocation
    /// once the buffer is uniquely referenced).
    mutating func copy(_ particles: ParticleArrays, intoIslandAt offset: Int) {
        let range = offset ..< offset + particles.count
        islandBuffer.x.replaceSubrange(range, with: particles.x)
        islandBuffer.y.replaceSubrange(range, with: particles.y)
        islandBuffer.vx.replaceSubrange(range, with: particles.vx)
        islandBuffer.vy.replaceSubrange(range, with: particles.vy)
    }

    /// Copies the island at `offset` of the step's buffer back into the island's message.
    func copy(islandAt offset: Int, into particles: inout ParticleArrays) {
        let n = particles.count, range = offset ..< offset + n
        particles.x.replaceSubrange(0 ..< n, with: islandBuffer.x[range])
        particles.y.replaceSubrange(0 ..< n, with: islandBuffer.y[range])
        particles.vx.replaceSubrange(0 ..< n, with: islandBuffer.vx[range])
        particles.vy.replaceSubrange(0 ..< n, with: islandBuffer.vy[range])
    }
}
