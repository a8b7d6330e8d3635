// HopSenderTests: the hop reliability rules — acknowledgement ends a hop, timeout resends, then skips, then exhausts.
import ChainProtocol
import Testing

@Suite struct HopSenderTests {
    let step = StepID(run: 0, step: 7)
    let route: [Int32] = [0, 1, 2]

    func sender(retries: Int = 1) -> HopSender<String> {
        HopSender(settings: HopSettings(ackTimeoutNs: 100, retries: retries))
    }

    @Test func anAckTimeoutResendsThenSkipsTheSilentReceiverForTheNextPanel() {
        var hops = sender()
        let first = hops.send("γ", step: step, route: route, hop: 1, skipped: [], now: 0)
        guard case .transmit(let flight, "γ") = first else { Issue.record("expected a transmit, got \(first)"); return }
        #expect(flight.receiver == 1 && flight.resends == 0)
        hops.sent(flight.id, at: 10, bytes: 64)
        let beforeDeadline = hops.onTick(now: 109)
        #expect(beforeDeadline.isEmpty)          // the deadline runs from the send time: 10 + 100
        let resend = hops.onTick(now: 110)
        #expect(resend.count == 1)
        guard case .transmit(let again, "γ")? = resend.first else { Issue.record("expected a resend, got \(resend)"); return }
        #expect(again.receiver == 1 && again.resends == 1 && again.skipped.isEmpty)
        hops.sent(again.id, at: 110)
        let beforeSecondDeadline = hops.onTick(now: 209)
        #expect(beforeSecondDeadline.isEmpty)
        let skip = hops.onTick(now: 210)
        #expect(skip.count == 2)
        #expect(skip.first == .skip(receiver: 1, hop: HopID(step: step, hop: 1)))
        guard case .transmit(let next, "γ")? = skip.last else { Issue.record("expected the next panel, got \(skip)"); return }
        #expect(next.receiver == 2 && next.hop == 2 && next.skipped == [1] && next.resends == 0)
        #expect(next.deadlineNs == 310)
        #expect(hops.count == 1 && hops.flight(HopID(step: step, hop: 1)) == nil)
    }

    @Test func withoutRetriesTheFirstTimeoutSkips() {
        var hops = sender(retries: 0)
        _ = hops.send("γ", step: step, route: route, hop: 0, skipped: [], now: 0)
        let directives = hops.onTick(now: 100)
        #expect(directives.first == .skip(receiver: 0, hop: HopID(step: step, hop: 0)))
        #expect(hops.flight(HopID(step: step, hop: 1))?.receiver == 1)
    }

    @Test func skippingTheLastPanelExhaustsTheRoute() {
        var hops = sender(retries: 0)
        _ = hops.send("γ", step: step, route: route, hop: 2, skipped: [0], now: 0)
        let directives = hops.onTick(now: 100)
        #expect(directives.count == 2)
        guard case .routeExhausted(let flight, "γ")? = directives.last else {
            Issue.record("expected an exhausted route, got \(directives)"); return
        }
        #expect(flight.skipped == [0, 2])
        #expect(hops.isEmpty && hops.nextDeadlineNs == nil)
    }

    @Test func anAcknowledgementEndsTheHopOnlyFromItsReceiver() {
        var hops = sender()
        _ = hops.send("γ", step: step, route: route, hop: 1, skipped: [], now: 0)
        hops.sent(HopID(step: step, hop: 1), at: 5)
        let fromAnotherPanel = hops.acknowledged(HopID(step: step, hop: 1), by: 2)
        #expect(fromAnotherPanel == nil)
        let ofAnotherStep = hops.acknowledged(HopID(step: StepID(run: 0, step: 8), hop: 1), by: 1)
        #expect(ofAnotherStep == nil)
        let acked = hops.acknowledged(HopID(step: step, hop: 1), by: 1)
        #expect(acked?.sentNs == 5)
        #expect(hops.isEmpty)
        let afterAck = hops.onTick(now: 1_000)
        #expect(afterAck.isEmpty)
    }

    @Test func theNextDeadlineIsTheEarliestOfTheHopsInFlight() {
        var hops = sender()
        _ = hops.send("a", step: step, route: route, hop: 1, skipped: [], now: 50)
        _ = hops.send("b", step: StepID(run: 0, step: 8), route: route, hop: 1, skipped: [], now: 20)
        #expect(hops.nextDeadlineNs == 120)
        hops.removeAll()
        #expect(hops.nextDeadlineNs == nil)
    }

    @Test func anAcknowledgementHandsBackThePayloadOnceAndOnlyFromTheReceiver() {
        var hops = sender()
        _ = hops.send("γ", step: step, route: route, hop: 1, skipped: [], now: 0)
        let id = HopID(step: step, hop: 1)
        #expect(hops.acknowledge(id, by: 2) == nil)          // not the receiver of that hop
        let acked = hops.acknowledge(id, by: 1)
        #expect(acked?.payload == "γ" && acked?.flight.receiver == 1)
        #expect(hops.acknowledge(id, by: 1) == nil && hops.isEmpty)
    }
}
