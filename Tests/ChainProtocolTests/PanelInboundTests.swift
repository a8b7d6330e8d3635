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
        let first = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        #expect(first == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ"))
        let again = inbound.onGamma(gamma(step: 5), payload: "γ", now: 1)
        #expect(again == .drop(.duplicate))
    }

    @Test func aReissuedAttemptIsHandedOnOnceThenDropped() {
        var inbound = panel()
        _ = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        let reissue = inbound.onGamma(gamma(step: 5, attempt: 1), payload: "γ1", now: 1)
        #expect(reissue == .handOn("γ1"))
        let reissueAgain = inbound.onGamma(gamma(step: 5, attempt: 1), payload: "γ1", now: 2)
        #expect(reissueAgain == .drop(.duplicate))
        let secondReissue = inbound.onGamma(gamma(step: 5, attempt: 2), payload: "γ2", now: 3)
        #expect(secondReissue == .handOn("γ2"))
    }

    @Test func aStepOlderThanTheNewestProcessedIsStale() {
        var inbound = panel()
        _ = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        let older = inbound.onGamma(gamma(step: 3), payload: "γ", now: 1)
        #expect(older == .drop(.stale))
        // a later run is newer than every step of an earlier one
        guard case .process = inbound.onGamma(gamma(step: 0, run: 1), payload: "γ", now: 2) else {
            Issue.record("a step of the next run must be processed"); return
        }
        let olderRun = inbound.onGamma(gamma(step: 9, run: 0), payload: "γ", now: 3)
        #expect(olderRun == .drop(.stale))
    }

    @Test func aGammaNotAddressedToThisPanelIsMalformed() {
        var inbound = panel()
        let otherPanel = inbound.onGamma(gamma(step: 1, hop: 2), payload: "γ", now: 0)
        #expect(otherPanel == .drop(.malformed))
        let pastRoute = inbound.onGamma(gamma(step: 1, hop: 3), payload: "γ", now: 0)
        #expect(pastRoute == .drop(.malformed))
        var unusable = gamma(step: 1)
        unusable.wellFormed = false
        let unusableVerdict = inbound.onGamma(unusable, payload: "γ", now: 0)
        #expect(unusableVerdict == .drop(.malformed))
        // none of them counts as processed
        guard case .process = inbound.onGamma(gamma(step: 1), payload: "γ", now: 0) else {
            Issue.record("the well-formed γ must be processed"); return
        }
    }

    @Test func aGammaBeforeItsMeasurementsIsHeldThenProcessedWhenTheyArrive() {
        var inbound = panel()
        let early = inbound.onGamma(gamma(step: 4, ready: false), payload: "γ4", now: 100)
        #expect(early == .hold)
        #expect(inbound.isHolding && inbound.heldStep == StepID(run: 0, step: 4) && inbound.holdDeadlineNs == 1_100)
        let otherBatch = inbound.measurementsArrived(for: StepID(run: 0, step: 5))
        #expect(otherBatch == nil)
        let beforeWaitEnds = inbound.onTick(now: 1_099)
        #expect(beforeWaitEnds == nil)
        let released = inbound.measurementsArrived(for: StepID(run: 0, step: 4))
        #expect(released == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false, wasHeld: true), "γ4"))
        #expect(!inbound.isHolding)
        let afterRelease = inbound.onGamma(gamma(step: 4), payload: "γ4", now: 200)
        #expect(afterRelease == .drop(.duplicate))
    }

    @Test func aHeldGammaIsProcessedWithoutMeasurementsWhenTheWaitEnds() {
        var inbound = panel(waitNs: 500)
        let early = inbound.onGamma(gamma(step: 0, ready: false), payload: "γ", now: 0)
        #expect(early == .hold)
        let beforeWaitEnds = inbound.onTick(now: 499)
        #expect(beforeWaitEnds == nil)
        let released = inbound.onTick(now: 500)
        #expect(released == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: false, measurementsMissing: true, wasHeld: true), "γ"))
        let nothingHeld = inbound.onTick(now: 600)
        #expect(nothingHeld == nil)
    }

    @Test func aPanelThatMissedThePreviousStepStartsFromFreshState() {
        var inbound = panel()
        let step0 = inbound.onGamma(gamma(step: 0), payload: "γ", now: 0)
        #expect(step0 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: false), "γ"))
        let step1 = inbound.onGamma(gamma(step: 1), payload: "γ", now: 0)
        #expect(step1 == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: false), "γ"))
        let step3 = inbound.onGamma(gamma(step: 3), payload: "γ", now: 0)
        #expect(step3 == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ"))
    }

    @Test func theFirstPanelNotSkippedAppliesTheMotionModel() {
        var inbound = panel()
        let afterSkipped = inbound.onGamma(gamma(step: 0, skipped: [0]), payload: "γ", now: 0)
        #expect(afterSkipped == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: true), "γ"))
        let firstOfShorterRoute = inbound.onGamma(gamma(step: 1, route: [1, 2], hop: 0), payload: "γ", now: 0)
        #expect(firstOfShorterRoute == .process(
            ProcessOrder(resetState: false, isFirstOfRoute: true), "γ"))
    }

    @Test func aNewConfigurationForgetsProcessedStepsAndTheHeldGamma() {
        var inbound = panel()
        _ = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        let held = inbound.onGamma(gamma(step: 6, ready: false), payload: "γ6", now: 0)
        #expect(held == .hold)
        inbound.configure(runID: runID + 1)
        #expect(!inbound.isHolding && inbound.latestProcessed == nil)
        let sameStepAgain = inbound.onGamma(gamma(step: 5), payload: "γ", now: 0)
        #expect(sameStepAgain == .process(
            ProcessOrder(resetState: true, isFirstOfRoute: false), "γ"))
    }

    @Test func onlyTheLastStepsAreRememberedForDuplicates() {
        var inbound = PanelInbound<String>(panel: 1, measurementWaitNs: 0, memory: 2)
        inbound.configure(runID: runID)
        for s: UInt32 in 0..<3 { _ = inbound.onGamma(gamma(step: s), payload: "γ", now: 0) }
        let remembered = inbound.onGamma(gamma(step: 2), payload: "γ", now: 0)
        #expect(remembered == .drop(.duplicate))
        let forgotten = inbound.onGamma(gamma(step: 0), payload: "γ", now: 0)
        #expect(forgotten == .drop(.stale))  // forgotten, but old
    }
}
