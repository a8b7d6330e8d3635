// PanelInboundTests: a panel's rules for an arriving γ — run id, malformed, duplicate, re-issue, stale, held, reset.
import ChainProtocol
import Testing

@Suite struct PanelInboundTests {
    let runID: UInt64 = 42

    /// Panel 1 of a three-panel route, configured for `runID`.
    func panel(waitNs: UInt64 = 1_000) -> PanelInbound<String> {
        var inbound = PanelInbound<String>(panel: 1, measurementWaitNs: waitNs)
        inbound.configure(runID: runID)
        return inbound
    }

    func gamma(step: UInt32, attempt: UInt32 = 0, run: UInt32 = 0, route: [Int32] = [0, 1, 2], hop: Int = 1,
               skipped: [Int32] = [], ready: Bool = true) -> InboundGamma {
        InboundGamma(step: StepID(run: run, step: step), attempt: attempt, route: route, hop: hop, skipped: skipped,
                     reset: false, wellFormed: true, measurementsReady: ready)
    }

    @Test func aMessageOfAnotherRunIDIsNotAdmitted() {
        var inbound = PanelInbound<String>(panel: 1, measurementWaitNs: 1_000)
        #expect(!inbound.admits(runID: runID))  // not configured yet
        inbound.configure(runID: runID)
        #expect(inbound.admits(runID: runID))
        #expect(!inbound.admits(runID: runID - 1))
        inbound.configure(runID: 7)
        #expect(!inbound.admits(runID: runID))
    }

    @Test func theSameAttemptTwiceIsDroppedAsADuplicate() {
        var inbound = panel()
        let v1 = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        #expect(v1 == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ"))
        let v2 = inbound.onGamma(gamma(step: 5), payload: "γ", now: 1)
        #expect(v2 == .drop(.duplicate))
    }

    @Test func aReissuedAttemptIsHandedOnOnceThenDropped() {
        var inbound = panel()
        _ = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        let v3 = inbound.onGamma(gamma(step: 5, attempt: 1), payload: "γ1", now: 1)
        #expect(v3 == .handOn("γ1"))
        let v4 = inbound.onGamma(gamma(step: 5, attempt: 1), payload: "γ1", now: 2)
        #expect(v4 == .drop(.duplicate))
        let v5 = inbound.onGamma(gamma(step: 5, attempt: 2), payload: "γ2", now: 3)
        #expect(v5 == .handOn("γ2"))
    }

    @Test func aStepOlderThanTheNewestProcessedIsStale() {
        var inbound = panel()
        _ = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        let v6 = inbound.onGamma(gamma(step: 3), payload: "γ", now: 1)
        #expect(v6 == .drop(.stale))
        // a later run is newer than every step of an earlier one
        guard case .process = inbound.onGamma(gamma(step: 0, run: 1), payload: "γ", now: 2) else {
            Issue.record("a step of the next run must be processed"); return
        }
        let v7 = inbound.onGamma(gamma(step: 9, run: 0), payload: "γ", now: 3)
        #expect(v7 == .drop(.stale))
    }

    @Test func aGammaNotAddressedToThisPanelIsMalformed() {
        var inbound = panel()
        let v8 = inbound.onGamma(gamma(step: 1, hop: 2), payload: "γ", now: 0)
        #expect(v8 == .drop(.malformed))
        let v9 = inbound.onGamma(gamma(step: 1, hop: 3), payload: "γ", now: 0)
        #expect(v9 == .drop(.malformed))
        var unusable = gamma(step: 1)
        unusable.wellFormed = false
        let v10 = inbound.onGamma(unusable, payload: "γ", now: 0)
        #expect(v10 == .drop(.malformed))
        // none of them counts as processed
        guard case .process = inbound.onGamma(gamma(step: 1), payload: "γ", now: 0) else {
            Issue.record("the well-formed γ must be processed"); return
        }
    }

    @Test func aGammaBeforeItsMeasurementsIsHeldThenProcessedWhenTheyArrive() {
        var inbound = panel()
        let v11 = inbound.onGamma(gamma(step: 4, ready: false), payload: "γ4", now: 100)
        #expect(v11 == .hold)
        #expect(inbound.isHolding && inbound.heldStep == StepID(run: 0, step: 4) && inbound.holdDeadlineNs == 1_100)
        let v12 = inbound.measurementsArrived(for: StepID(run: 0, step: 5))
        #expect(v12 == nil)
        let v13 = inbound.onTick(now: 1_099)
        #expect(v13 == nil)
        let v14 = inbound.measurementsArrived(for: StepID(run: 0, step: 4))
        #expect(v14 == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ4"))
        #expect(!inbound.isHolding)
        let v15 = inbound.onGamma(gamma(step: 4), payload: "γ4", now: 200)
        #expect(v15 == .drop(.duplicate))
    }

    @Test func aHeldGammaIsProcessedWithoutMeasurementsWhenTheWaitEnds() {
        var inbound = panel(waitNs: 500)
        let v16 = inbound.onGamma(gamma(step: 0, ready: false), payload: "γ", now: 0)
        #expect(v16 == .hold)
        let v17 = inbound.onTick(now: 499)
        #expect(v17 == nil)
        let v18 = inbound.onTick(now: 500)
        #expect(v18 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: false, measurementsMissing: true), "γ"))
        let v19 = inbound.onTick(now: 600)
        #expect(v19 == nil)
    }

    @Test func aPanelThatMissedThePreviousStepStartsFromFreshState() {
        var inbound = panel()
        let v20 = inbound.onGamma(gamma(step: 0), payload: "γ", now: 0)
        #expect(v20 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: false), "γ"))
        let v21 = inbound.onGamma(gamma(step: 1), payload: "γ", now: 0)
        #expect(v21 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: false), "γ"))
        let v22 = inbound.onGamma(gamma(step: 3), payload: "γ", now: 0)
        #expect(v22 == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ"))
    }

    @Test func theFirstPanelNotSkippedAppliesTheMotionModel() {
        var inbound = panel()
        let v23 = inbound.onGamma(gamma(step: 0, skipped: [0]), payload: "γ", now: 0)
        #expect(v23 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: true), "γ"))
        let v24 = inbound.onGamma(gamma(step: 1, route: [1, 2], hop: 0), payload: "γ", now: 0)
        #expect(v24 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: true), "γ"))
    }

    @Test func aNewConfigurationForgetsProcessedStepsAndTheHeldGamma() {
        var inbound = panel()
        _ = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        let v25 = inbound.onGamma(gamma(step: 6, ready: false), payload: "γ6", now: 0)
        #expect(v25 == .hold)
        inbound.configure(runID: runID + 1)
        #expect(!inbound.isHolding && inbound.latestProcessed == nil)
        let v26 = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        #expect(v26 == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ"))
    }

    @Test func onlyTheLastStepsAreRememberedForDuplicates() {
        var inbound = PanelInbound<String>(panel: 1, measurementWaitNs: 0, memory: 2)
        inbound.configure(runID: runID)
        for s: UInt32 in 0..<3 { _ = inbound.onGamma(gamma(step: s), payload: "γ", now: 0) }
        let v27 = inbound.onGamma(gamma(step: 2), payload: "γ", now: 0)
        #expect(v27 == .drop(.duplicate))
        let v28 = inbound.onGamma(gamma(step: 0), payload: "γ", now: 0)
        #expect(v28 == .drop(.stale))  // forgotten, but old
    }
}
