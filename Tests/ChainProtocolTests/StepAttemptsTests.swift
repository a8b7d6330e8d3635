// StepAttemptsTests: the controller's attempts at one step — re-issue after the deadline or a silent route, wait
// for a live panel, abandon after the last attempt with its reason.
import ChainProtocol
import Testing

@Suite struct StepAttemptsTests {
    let step = StepID(run: 0, step: 3)
    /// Two attempts of 1 000 ns each; the first hop waits 100 ns for its acknowledgement, resends once.
    let settings = StepSettings(maxAttempts: 2, stepDeadlineNs: 1_000,
                                firstHop: HopSettings(ackTimeoutNs: 100, retries: 1))

    /// Ticks at `now` and reports every start as sent then.
    func tick(_ attempts: inout StepAttempts, _ now: UInt64, _ route: [Int32]) -> [StepDirective] {
        let directives = attempts.onTick(now: now, liveRoute: route)
        for case .sendStart(let flight, _) in directives { attempts.sent(flight.id, at: now) }
        return directives
    }

    func starts(_ directives: [StepDirective]) -> [(receiver: Int32, attempt: UInt32)] {
        directives.compactMap { if case .sendStart(let f, let a) = $0 { (f.receiver, a) } else { nil } }
    }

    @Test func aStepWithoutResultIsReissuedAfterItsDeadlineThenAbandoned() {
        var attempts = StepAttempts(step: step, settings: settings)
        let first = tick(&attempts, 10, [0, 1, 2])
        #expect(starts(first).map(\.receiver) == [0] && starts(first).map(\.attempt) == [0])
        #expect(attempts.firstSendNs == 10 && attempts.nextWakeNs == 110)
        let acked = attempts.acknowledged(HopID(step: step, hop: 0), by: 0)
        #expect(acked != nil && attempts.nextWakeNs == 1_010)  // acknowledged: only the step deadline is left
        let beforeDeadline = tick(&attempts, 1_009, [0, 1, 2])
        #expect(beforeDeadline.isEmpty && !attempts.startsNextAttempt)
        let atDeadline = tick(&attempts, 1_010, [0, 1, 2])
        #expect(atDeadline.isEmpty && attempts.startsNextAttempt && attempts.reason == "no result within 0 ms")
        let reissue = tick(&attempts, 1_011, [0, 1, 2])
        #expect(starts(reissue).map(\.attempt) == [1] && attempts.reissues == 1 && attempts.firstSendNs == 10)
        _ = tick(&attempts, 2_011, [0, 1, 2])
        let last = tick(&attempts, 2_012, [0, 1, 2])
        #expect(last == [.abandon(reason: "no result within 0 ms")] && attempts.isAbandoned)
        let afterwards = tick(&attempts, 3_000, [0, 1, 2])
        #expect(afterwards.isEmpty)
    }

    @Test func aSilentFirstPanelIsResentThenSuspectedAndSkipped() {
        var attempts = StepAttempts(step: step, settings: settings)
        _ = tick(&attempts, 0, [0, 1])
        let resend = tick(&attempts, 100, [0, 1])
        #expect(starts(resend).map(\.receiver) == [0])
        let skip = tick(&attempts, 200, [0, 1])
        #expect(skip.first == .suspect(panel: 0))
        guard case .sendStart(let next, 0)? = skip.last else { Issue.record("expected a start to panel 1, got \(skip)"); return }
        #expect(next.receiver == 1 && next.hop == 1 && next.skipped == [0])
        #expect(attempts.lastSendNs == 200 && attempts.firstSendNs == 0)
    }

    @Test func aRouteWhosePanelsAreAllSilentEndsTheAttempt() {
        var attempts = StepAttempts(step: step, settings: StepSettings(maxAttempts: 2, stepDeadlineNs: 1_000,
                                                                      firstHop: HopSettings(ackTimeoutNs: 100, retries: 0)))
        _ = tick(&attempts, 0, [4])
        let silent = tick(&attempts, 100, [4])
        #expect(silent == [.suspect(panel: 4)] && attempts.startsNextAttempt)
        #expect(attempts.reason == "every panel of the route is silent")
        let reissue = tick(&attempts, 100, [5])  // the next attempt takes the route without the suspected panel
        #expect(starts(reissue).map(\.receiver) == [5] && starts(reissue).map(\.attempt) == [1])
    }

    @Test func withNoLivePanelTheStepWaitsForOneThenIsAbandoned() {
        var attempts = StepAttempts(step: step, settings: settings)
        let waiting = tick(&attempts, 0, [])
        #expect(waiting.isEmpty && attempts.isWaitingForRoute && attempts.nextWakeNs == nil)
        let stillWaiting = tick(&attempts, 999, [])
        #expect(stillWaiting.isEmpty)
        let back = tick(&attempts, 999, [2])  // a panel was readmitted in time
        #expect(starts(back).map(\.receiver) == [2] && !attempts.isWaitingForRoute)

        var lonely = StepAttempts(step: step, settings: settings)
        _ = tick(&lonely, 0, [])
        let givenUp = tick(&lonely, 1_000, [])
        #expect(givenUp == [.abandon(reason: "no live panel within 0 ms")] && lonely.isAbandoned)
        #expect(lonely.firstSendNs == 0)
    }
}
