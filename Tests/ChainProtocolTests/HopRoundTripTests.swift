// HopRoundTripTests: the sender's network round trip subtracts the receiver's hold and never wraps.
import ChainProtocol
import Testing

@Suite struct HopRoundTripTests {
    @Test func theReceiversHoldIsSubtracted() {
        #expect(HopRoundTrip.networkNs(sentNs: 1_000, ackedNs: 301_000, heldNs: 250_000) == 50_000)
    }

    @Test func withoutAHoldTheRoundTripIsTheElapsedTime() {
        #expect(HopRoundTrip.networkNs(sentNs: 1_000, ackedNs: 61_000, heldNs: 0) == 60_000)
    }

    @Test func aHoldLongerThanTheRoundTripOrABackwardClockGivesZero() {
        #expect(HopRoundTrip.networkNs(sentNs: 1_000, ackedNs: 2_000, heldNs: 5_000) == 0)
        #expect(HopRoundTrip.networkNs(sentNs: 9_000, ackedNs: 2_000, heldNs: 0) == 0)
    }
}
