// ClockOffsetTests: offsets between unrelated clocks from four-stamp exchanges, their bounds, and the min-RTT filter.
import ChainProtocol
import Testing

@Suite struct ClockOffsetTests {
    static let day: Int64 = 86_400_000_000_000

    /// An exchange with a node whose clock reads `offset` ns more than the controller's, `out`/`back` ns on the wire
    /// each way and `turnaround` ns in the node; the controller sends at `start` (its clock).
    func exchange(offset: Int64, start: UInt64, out: UInt64, back: UInt64, turnaround: UInt64 = 5_000) -> ClockExchange {
        let node = { (controller: UInt64) in controller &+ UInt64(bitPattern: offset) }
        return ClockExchange(controllerSendNs: start, nodeRecvNs: node(start + out),
                             nodeSendNs: node(start + out + turnaround), controllerRecvNs: start + out + turnaround + back)
    }

    @Test(arguments: [0, day, -day, 123_456_789])
    func symmetricDelaysGiveTheExactOffset(offset: Int64) {
        let e = exchange(offset: offset, start: 2 * UInt64(Self.day), out: 30_000, back: 30_000)
        #expect(e.offsetNs == offset)
        #expect(e.roundTripNs == 60_000)
    }

    @Test(arguments: [0, day, -day])
    func asymmetricDelaysStayWithinHalfTheRoundTrip(offset: Int64) {
        // all the delay on one side: the worst case of the bound
        for (out, back) in [(UInt64(90_000), UInt64(1_000)), (1_000, 90_000), (0, 50_000)] {
            let e = exchange(offset: offset, start: 2 * UInt64(Self.day), out: out, back: back)
            var filter = ClockOffsetEstimator()
            filter.add(e)
            let estimate = filter.estimate!
            #expect(estimate.boundNs == (out + back + 1) / 2)
            #expect(abs(estimate.offsetNs - offset) <= Int64(estimate.boundNs))
            #expect(abs(estimate.offsetNs - offset) == Int64(max(out, back) - min(out, back)) / 2)
        }
    }

    @Test func theFilterTakesTheFastestExchangeOfItsWindow() {
        var filter = ClockOffsetEstimator(window: 4)
        #expect(filter.estimate == nil)
        let offset = Self.day
        // queueing delays one direction: slow exchanges are skewed, the fast one is nearly exact
        filter.add(exchange(offset: offset, start: 1_000_000, out: 400_000, back: 20_000))
        filter.add(exchange(offset: offset, start: 2_000_000, out: 21_000, back: 20_000))
        filter.add(exchange(offset: offset, start: 3_000_000, out: 20_000, back: 700_000))
        let estimate = filter.estimate!
        #expect(estimate.boundNs == 20_500)
        #expect(estimate.offsetNs == offset + 500)
        // the fast exchange leaves the window after four newer ones; the best of those takes over
        for i in 0..<4 {
            filter.add(exchange(offset: offset, start: UInt64(4 + i) * 1_000_000, out: 60_000, back: 80_000 + UInt64(i) * 1000))
        }
        #expect(filter.count == 4)
        #expect(filter.estimate == ClockOffset(offsetNs: offset - 10_000, boundNs: 70_000))
    }

    @Test func oneWayTimesBetweenTwoOffsetNodesAreInControllerTime() {
        // panel a at +1 day, panel b at −1 day; a γ leaves a at controller time T and reaches b 57 µs later
        let a = ClockOffset(offsetNs: Self.day, boundNs: 3_000)
        let b = ClockOffset(offsetNs: -Self.day, boundNs: 4_000)
        let t: UInt64 = 3 * UInt64(Self.day)
        let sent = a.nodeTime(ofController: t)
        let received = b.nodeTime(ofController: t + 57_000)
        let link = OneWayTime(sentNs: sent, by: a, receivedNs: received, by: b)
        #expect(link == OneWayTime(sentNs: t, by: .controller, receivedNs: t + 57_000, by: .controller).with(bound: 7_000))
        #expect(link.ns == 57_000 && link.boundNs == 7_000)
        // the raw difference of the two clocks is off by two days
        #expect(Int64(bitPattern: received &- sent) == 57_000 - 2 * Self.day)
    }

    @Test func contradictoryStampsGiveNoNegativeRoundTrip() {
        // a node that claims a turnaround longer than the whole exchange (a stepped clock)
        let e = ClockExchange(controllerSendNs: 1_000, nodeRecvNs: 10, nodeSendNs: 9_000, controllerRecvNs: 2_000)
        #expect(e.roundTripNs == 0)
    }
}

extension OneWayTime {
    func with(bound: UInt64) -> OneWayTime { var copy = self; copy.boundNs = bound; return copy }
}
