// MembershipTests: the controller's route membership, restart detection and how every step ends.
import ChainProtocol
import Testing

@Suite struct MembershipTests {
    @Test func aSilentPanelIsSuspectedThenReadmittedAfterBeingHeardLongEnough() {
        var members = Membership(panels: 4, readmitAfterNs: 500)
        let v1 = members.suspect(2, at: 1_000)
        #expect(v1 == .left(panel: 2))
        #expect(members.liveRoute == [0, 1, 3] && members.suspectedCount == 1)
        let v2 = members.suspect(2, at: 1_100)
        #expect(v2 == nil)                      // already out
        let v3 = members.heard(2, at: 1_100, processRunning: true)
        #expect(v3 == nil)  // starts the clock
        let v4 = members.heard(2, at: 1_599, processRunning: true)
        #expect(v4 == nil)
        let v5 = members.heard(2, at: 1_600, processRunning: true)
        #expect(v5 == .readmitted(panel: 2, heardForNs: 500))
        #expect(members.liveRoute == [0, 1, 2, 3] && !members.isSuspected(2))
        let v6 = members.heard(2, at: 1_700, processRunning: true)
        #expect(v6 == nil)  // in the route: nothing to do
    }

    @Test func aSuspicionAgainRestartsTheReadmissionClock() {
        var members = Membership(panels: 4, readmitAfterNs: 500)
        _ = members.suspect(1, at: 0)
        _ = members.heard(1, at: 100, processRunning: true)
        _ = members.suspect(1, at: 400)
        let v7 = members.heard(1, at: 600, processRunning: true)
        #expect(v7 == nil)  // clock restarts at 600
        let v8 = members.heard(1, at: 1_099, processRunning: true)
        #expect(v8 == nil)
        let v9 = members.heard(1, at: 1_100, processRunning: true)
        #expect(v9 == .readmitted(panel: 1, heardForNs: 500))
    }

    @Test func messagesOfAPanelWhoseProcessIsGoneDoNotReadmitIt() {
        var members = Membership(panels: 2, readmitAfterNs: 10)
        _ = members.suspect(0, at: 0)
        for t: UInt64 in stride(from: 1, to: 100, by: 5) {
            let v10 = members.heard(0, at: t, processRunning: false)
            #expect(v10 == nil)
        }
        #expect(members.liveRoute == [1])
    }

    @Test func aPanelSkippedInAReissuedAttemptStaysIfItIsHeard() {
        let heard: [UInt64] = [1_000, 100, 1_000]
        #expect(Membership.panelsToSuspect(skipped: [0, 1], attempt: 0, lastHeardNs: heard, receivedNs: 1_050,
                                           aliveWithinNs: 600) == [0, 1])
        #expect(Membership.panelsToSuspect(skipped: [0, 1], attempt: 1, lastHeardNs: heard, receivedNs: 1_050,
                                           aliveWithinNs: 600) == [1])
        #expect(Membership.panelsToSuspect(skipped: [2], attempt: 1, lastHeardNs: heard, receivedNs: 900,
                                           aliveWithinNs: 600).isEmpty)  // heard after the result arrived
    }

    @Test func aRestartedPanelIsConfiguredAgainButALateHelloIsNot() {
        var panels = PanelIncarnations(panels: 3)
        panels.greeted(1, pid: 100, host: "a")
        panels.configured(1)
        let late1 = panels.helloAfterStart(1, pid: 100, host: "a")
        #expect(!late1)  // a Hello sent before the Configure arrived
        let v11 = panels.helloAfterStart(1, pid: 101, host: "a")
        #expect(v11)   // a new process
        #expect(panels.pids[1] == 101)
        panels.configured(1)
        let late2 = panels.helloAfterStart(1, pid: 101, host: "a")
        #expect(!late2)
        let v12 = panels.helloAfterStart(1, pid: 101, host: "b")
        #expect(v12)   // same pid on another host
        panels.configured(1)
        panels.heardAsConfigured(1)
        let v13 = panels.helloAfterStart(1, pid: 101, host: "b")
        #expect(v13)   // same process, but it was configured: restarted
    }

    @Test func everyStepEndsDeliveredDegradedOrAbandoned() {
        #expect(StepEnding(contributed: [0, 1, 2], skipped: [], panels: 3) == .delivered)
        #expect(StepEnding(contributed: [0, 2], skipped: [1], panels: 3) == .degraded)
        #expect(StepEnding(contributed: [0, 2], skipped: [], panels: 3) == .degraded)  // left out of the route
        #expect(StepEnding(contributed: nil, skipped: [], panels: 3) == .abandoned)
    }
}
