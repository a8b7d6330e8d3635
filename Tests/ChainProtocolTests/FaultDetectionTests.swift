// FaultDetectionTests: a fault is noticed when a result skips its panel (or its process ends), recovered when it contributes again.
import ChainProtocol
import Testing

@Suite struct FaultDetectionTests {
    @Test func aFaultIsDetectedByTheFirstResultThatSkipsThePanelAndRecoveredWhenItContributesAgain() {
        var fault = FaultDetection(panel: 2, injectedAt: 10)
        fault.observe(skipped: [2], contributed: [0, 1], globalStep: 9, at: 90)  // before the injection: ignored
        #expect(fault.detectedNs == nil)
        fault.observe(skipped: [], contributed: [0, 1, 2], globalStep: 10, at: 100)  // not yet noticed
        #expect(fault.detectedNs == nil && fault.recoveredNs == nil)
        fault.observe(skipped: [2], contributed: [0, 1], globalStep: 11, at: 110)
        fault.observe(skipped: [2], contributed: [0, 1], globalStep: 12, at: 120)
        #expect(fault.detectedNs == 110)
        fault.observe(skipped: [], contributed: [0, 1, 2], globalStep: 13, at: 130)
        fault.observe(skipped: [], contributed: [0, 1, 2], globalStep: 14, at: 140)
        #expect(fault.recoveredNs == 130 && fault.recoveredAt == 13)
    }

    @Test func aPanelWhoseProcessEndedIsDetectedThenAndNotLater() {
        var fault = FaultDetection(panel: 1, injectedAt: 0)
        fault.processExited(at: 50)
        fault.observe(skipped: [1], contributed: [0], globalStep: 1, at: 70)
        #expect(fault.detectedNs == 50)
    }
}

@Suite struct MeasurementLookaheadTests {
    @Test func batchesGoOutUpToTheLookaheadEachOnceAndNotPastTheLastStep() {
        var lookahead = MeasurementLookahead(lookahead: 2, steps: 5)
        #expect(lookahead.stepStarts(0) == 0...2)
        #expect(lookahead.stepStarts(1) == 3...3)
        #expect(lookahead.stepStarts(2) == 4...4)
        #expect(lookahead.stepStarts(3) == nil)
        #expect(lookahead.stepStarts(4) == nil)
        lookahead.startRun()
        #expect(lookahead.stepStarts(0) == 0...2)
    }
}
