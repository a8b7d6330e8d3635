// IslandInboundTests: islands at a panel (inbound rules per island) and at the end of the route (IslandAssembly).
import ChainProtocol
import Testing

@Suite struct IslandInboundTests {
    func panel() -> PanelInbound<Int> {
        var inbound = PanelInbound<Int>(panel: 1, measurementWaitNs: 1_000)
        inbound.configure(runID: 1)
        return inbound
    }

    func island(_ b: Int, of islands: Int = 4, step: UInt32 = 3, attempt: UInt32 = 0, ready: Bool = true,
                skipped: [Int32] = []) -> InboundGamma {
        InboundGamma(step: StepID(run: 0, step: step), attempt: attempt, route: [0, 1, 2], hop: 1, skipped: skipped,
                     reset: false, wellFormed: true, measurementsReady: ready, island: b, islands: islands)
    }

    /// The order of an island that must be processed.
    func processed(_ inbound: inout PanelInbound<Int>, _ gamma: InboundGamma, _ payload: Int) throws -> ProcessOrder {
        let verdict = inbound.onGamma(gamma, payload: payload, now: 0)
        return try #require(order(verdict))
    }

    func order(_ verdict: GammaVerdict<Int>) -> ProcessOrder? {
        if case .process(let order, _) = verdict { return order }
        return nil
    }

    @Test func theFirstIslandToArriveBeginsTheStepAndTheLastCompletesIt() throws {
        var inbound = panel()
        let first = try processed(&inbound, island(2), 2)
        #expect(first.beginsStep && !first.completesStep && first.island == 2)
        for b in [0, 3] {
            let o = try processed(&inbound, island(b), b)
            #expect(!o.beginsStep && !o.completesStep && !o.resetState && o.island == b)
        }
        #expect(inbound.isMidStep)
        let last = try processed(&inbound, island(1), 1)
        #expect(!last.beginsStep && last.completesStep)
        #expect(!inbound.isMidStep)
    }

    @Test func anIslandTwiceIsADuplicateAndAnIslandOutOfRangeIsMalformed() {
        var inbound = panel()
        #expect(order(inbound.onGamma(island(0), payload: 0, now: 0)) != nil)
        #expect(inbound.onGamma(island(0), payload: 0, now: 0) == .drop(.duplicate))
        #expect(inbound.onGamma(island(4), payload: 4, now: 0) == .drop(.malformed))
        #expect(inbound.onGamma(island(0, of: 65, step: 4), payload: 0, now: 0) == .drop(.malformed))
    }

    @Test func onlyTheFirstIslandWaitsForTheMeasurements() throws {
        var inbound = panel()
        #expect(inbound.onGamma(island(1, ready: false), payload: 1, now: 0) == .hold)
        let arrived = inbound.measurementsArrived(for: StepID(run: 0, step: 3))
        let released = try #require(arrived)
        #expect(order(released)?.beginsStep == true && order(released)?.wasHeld == true)
        // the batch is taken: the later islands are not held although it is no longer "ready"
        let next = try processed(&inbound, island(0, ready: false), 0)
        #expect(!next.beginsStep)
    }

    @Test func aReissuedAttemptIsHandedOnIslandByIsland() {
        var inbound = panel()
        for b in 0..<4 { _ = inbound.onGamma(island(b), payload: b, now: 0) }
        for b in [3, 1, 0, 2] { #expect(inbound.onGamma(island(b, attempt: 1), payload: b, now: 0) == .handOn(b)) }
        #expect(inbound.onGamma(island(1, attempt: 1), payload: 1, now: 0) == .drop(.duplicate))
        #expect(inbound.onGamma(island(1, attempt: 2), payload: 1, now: 0) == .handOn(1))
        #expect(inbound.onGamma(island(2, attempt: 1), payload: 2, now: 0) == .drop(.duplicate))  // older than 2
    }

    @Test func aStepLeftIncompleteMakesTheNextStartFromFreshState() throws {
        var inbound = panel()
        _ = inbound.onGamma(island(0, step: 3), payload: 0, now: 0)  // islands 1–3 of step 3 never come
        let next = try processed(&inbound, island(0, step: 4), 0)
        #expect(next.beginsStep && next.resetState)
        for b in 1..<4 { _ = inbound.onGamma(island(b, step: 4), payload: b, now: 0) }
        let after = try processed(&inbound, island(0, step: 5), 0)
        #expect(!after.resetState)
        #expect(inbound.onGamma(island(1, step: 3), payload: 1, now: 0) == .drop(.stale))
    }

    @Test func eachIslandDecidesWhetherItIsFirstOfTheRoute() throws {
        var inbound = panel()
        let skippedFirst = try processed(&inbound, island(0, skipped: [0]), 0)
        let passedFirst = try processed(&inbound, island(1), 1)
        #expect(skippedFirst.isFirstOfRoute && !passedFirst.isFirstOfRoute)
    }
}

@Suite struct IslandAssemblyTests {
    let step = StepID(run: 0, step: 7)
    let route: [Int32] = [0, 1, 2, 3]

    @Test func allIslandsInAnyOrderCompleteTheStep() throws {
        var assembly = IslandAssembly<String>()
        #expect(assembly.add("b2", island: 2, islands: 3, step: step, attempt: 0, route: route, skipped: []) == nil)
        #expect(assembly.add("b0", island: 0, islands: 3, step: step, attempt: 0, route: route, skipped: []) == nil)
        #expect(assembly.add("b0", island: 0, islands: 3, step: step, attempt: 0, route: route, skipped: []) == nil)
        let completed = assembly.add("b1", island: 1, islands: 3, step: step, attempt: 0, route: route, skipped: [])
        let done = try #require(completed)
        #expect(done.parts == ["b0", "b1", "b2"] && done.kept == [true, true, true] && done.skipped.isEmpty)
        #expect(assembly.gathering == nil)
    }

    @Test func islandsThatMissedAPanelAreLeftOutAndTheStepListsIt() throws {
        var assembly = IslandAssembly<Int>()
        _ = assembly.add(0, island: 0, islands: 3, step: step, attempt: 0, route: route, skipped: [2])
        _ = assembly.add(1, island: 1, islands: 3, step: step, attempt: 0, route: route, skipped: [])
        let completed = assembly.add(2, island: 2, islands: 3, step: step, attempt: 0, route: route, skipped: [2, 1])
        let done = try #require(completed)
        #expect(done.kept == [false, true, false])
        #expect(done.skipped == [1, 2])  // in route order: never reported delivered
    }

    @Test func theSkippedSetMostIslandsShareWinsATie() {
        #expect(IslandAssembly<Int>.kept([[1], [2], [2], [1, 2]]) == [false, true, true, false])
        #expect(IslandAssembly<Int>.kept([[3], [1]]) == [false, true])  // equal shares: the smaller set in order
    }

    @Test func aNewerAttemptReplacesAnOlderOneAndAnOlderIslandIsIgnored() throws {
        var assembly = IslandAssembly<Int>()
        _ = assembly.add(0, island: 0, islands: 2, step: step, attempt: 0, route: route, skipped: [])
        _ = assembly.add(10, island: 0, islands: 2, step: step, attempt: 1, route: route, skipped: [0])
        #expect(assembly.add(1, island: 1, islands: 2, step: step, attempt: 0, route: route, skipped: []) == nil)
        let completed = assembly.add(11, island: 1, islands: 2, step: step, attempt: 1, route: route, skipped: [0])
        let done = try #require(completed)
        #expect(done.parts == [10, 11] && done.attempt == 1 && done.skipped == [0])
    }
}
