// MembershipTests: the controller's route membership, restart detection and how every step ends.
import ChainProtocol
import Testing

@Suite struct MembershipTests {
    @Test func aSilentPanelIsSuspectedThenReadmittedAfterBeingHeardLongEnough() {
        var members = Membership(panels: 4, readmitAfterNs: 500)
        let left = members.suspect(2, at: 1_000)
        #expect(left == .left(panel: 2))
        #expect(members.liveRoute == [0, 1, 3] && members.suspectedCount == 1)
        let leftAgain = members.suspect(2, at: 1_100)
        #expect(leftAgain == nil)                      // already out
        let firstHeard = members.heard(2, at: 1_100, processRunning: true)
        #expect(firstHeard == nil)  // starts the clock
        let tooSoon = members.heard(2, at: 1_599, processRunning: true)
        #expect(tooSoon == nil)
        let readmitted = members.heard(2, at: 1_600, processRunning: true)
        #expect(readmitted == .readmitted(panel: 2, heardForNs: 500))
        #expect(members.liveRoute == [0, 1, 2, 3] && !members.isSuspected(2))
        let alreadyIn = members.heard(2, at: 1_700, processRunning: true)
        #expect(alreadyIn == nil)  // in the route: nothing to do
    }

    @Test func aSuspicionAgainRestartsTheReadmissionClock() {
        var members = Membership(panels: 4, readmitAfterNs: 500)
        _ = members.suspect(1, at: 0)
        _ = members.heard(1, at: 100, processRunning: true)
        _ = members.suspect(1, at: 400)
        let heardAgain = members.heard(1, at: 600, processRunning: true)
        #expect(heardAgain == nil)  // clock restarts at 600
        let stillTooSoon = members.heard(1, at: 1_099, processRunning: true)
        #expect(stillTooSoon == nil)
        let readmittedLater = members.heard(1, at: 1_100, processRunning: true)
        #expect(readmittedLater == .readmitted(panel: 1, heardForNs: 500))
    }

    @Test func messagesOfAPanelWhoseProcessIsGoneDoNotReadmitIt() {
        var members = Membership(panels: 2, readmitAfterNs: 10)
        _ = members.suspect(0, at: 0)
        for t: UInt64 in stride(from: 1, to: 100, by: 5) {
            let fromDeadProcess = members.heard(0, at: t, processRunning: false)
            #expect(fromDeadProcess == nil)
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
        let lateHello = panels.helloAfterStart(1, pid: 100, host: "a")
        #expect(!lateHello)  // a Hello sent before the Configure arrived
        let newProcess = panels.helloAfterStart(1, pid: 101, host: "a")
        #expect(newProcess)   // a new process
        #expect(panels.pids[1] == 101)
        panels.configured(1)
        let lateHelloAgain = panels.helloAfterStart(1, pid: 101, host: "a")
        #expect(!lateHelloAgain)
        let otherHost = panels.helloAfterStart(1, pid: 101, host: "b")
        #expect(otherHost)   // same pid on another host
        panels.configured(1)
        panels.heardAsConfigured(1)
        let configuredProcess = panels.helloAfterStart(1, pid: 101, host: "b")
        #expect(configuredProcess)   // same process, but it was configured: restarted
    }

    @Test func everyStepEndsDeliveredDegradedOrAbandoned() {
        #expect(StepEnding(contributed: [0, 1, 2], skipped: [], panels: 3) == .delivered)
        #expect(StepEnding(contributed: [0, 2], skipped: [1], panels: 3) == .degraded)
        #expect(StepEnding(contributed: [0, 2], skipped: [], panels: 3) == .degraded)  // left out of the route
        #expect(StepEnding(contributed: nil, skipped: [], panels: 3) == .abandoned)
    }
}
