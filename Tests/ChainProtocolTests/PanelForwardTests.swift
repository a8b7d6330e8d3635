// PanelForwardTests: γ goes on to the next hop, or the last panel (also after skipping a silent last one) reports the result.
import ChainProtocol
import Testing

@Suite struct PanelForwardTests {
    @Test func aPanelBeforeTheEndOfTheRouteSendsToTheNextHop() {
        #expect(PanelForward(route: [0, 1, 2], hop: 0, skipped: []) == .next(hop: 1))
        #expect(PanelForward(route: [0, 1, 2], hop: 1, skipped: [0]) == .next(hop: 2))
    }

    @Test func theLastPanelReportsDeliveredWhenNoPanelWasSkipped() {
        #expect(PanelForward(route: [0, 1, 2], hop: 2, skipped: [])
                == .result(RouteEnd(route: [0, 1, 2], skipped: [])))
        let end = RouteEnd(route: [0, 1, 2], skipped: [])
        #expect(end.contributed == [0, 1, 2] && end.ending == .delivered)
    }

    /// The silent last panel was skipped (its sender's hops exhausted the route): the panel before it reports,
    /// the silent one listed as skipped, the step degraded.
    @Test func aRouteExhaustedByASilentLastPanelEndsDegradedWithoutIt() {
        let end = RouteEnd(route: [0, 1, 2], skipped: [2])
        #expect(end.contributed == [0, 1])
        #expect(end.skipped == [2])
        #expect(end.ending == .degraded)
    }

    /// A re-issued attempt of a step the panel already processed goes on unchanged, the panel listed as skipped,
    /// so the step ends degraded and the panel's state is not updated twice.
    @Test func aReissuedAttemptHandedOnListsTheHandingPanelAsSkipped() {
        let skipped = PanelForward.skippedAfterHandOn([0], by: 1)
        #expect(skipped == [0, 1])
        #expect(PanelForward(route: [0, 1, 2], hop: 1, skipped: skipped) == .next(hop: 2))
        let end = RouteEnd(route: [0, 1, 2], skipped: skipped)
        #expect(end.contributed == [2] && end.ending == .degraded)
    }

    @Test func aConfiguredPanelConnectsToTheNextOneOrTwoPanelsOfTheRing() {
        #expect(successorsToConnect(of: 0, panels: 24) == [1, 2])
        #expect(successorsToConnect(of: 23, panels: 24) == [0, 1])
        #expect(successorsToConnect(of: 1, panels: 2) == [0])
        #expect(successorsToConnect(of: 0, panels: 1) == [])
    }
}
