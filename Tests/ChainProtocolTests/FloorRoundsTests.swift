// FloorRoundsTests: the transport floor's ping-pong rounds — sequence numbers, the PONG wait, matching and counting.
import ChainProtocol
import Testing

@Suite struct FloorRoundsTests {
    @Test func eachRoundHasItsOwnSequenceNumberWithTheFloorBitSet() {
        var rounds = FloorRounds(rounds: 3, timeoutMs: 1000)
        var sequences: [UInt32] = []
        while !rounds.isDone {
            sequences.append(rounds.sequence)
            rounds.sent(atNs: 1_000)
            let counted = rounds.received(sequence: rounds.sequence, atNs: 1_500)
            #expect(counted)
        }
        #expect(sequences == [0x8000_0000, 0x8000_0001, 0x8000_0002])
        #expect(rounds.roundTripsNs == [500, 500, 500])
        #expect(rounds.round == 3)
    }

    @Test func theAnsweringPongCountsItsRoundTripOnce() {
        var rounds = FloorRounds(rounds: 2, timeoutMs: 1000)
        rounds.sent(atNs: 10_000)
        #expect(rounds.isAwaitingPong)
        let counted = rounds.received(sequence: floorPingSequenceBase, atNs: 72_000)
        #expect(counted)
        #expect(!rounds.isAwaitingPong)
        // the same PONG again (a duplicate read before the next PING) is not counted
        let again = rounds.received(sequence: floorPingSequenceBase, atNs: 80_000)
        #expect(!again)
        #expect(rounds.roundTripsNs == [62_000])
        #expect(rounds.round == 1 && !rounds.isDone)
    }

    @Test func aLatePongOfAnEarlierRoundOrAnotherExchangeIsNotTheAnswer() {
        var rounds = FloorRounds(rounds: 3, timeoutMs: 1000)
        rounds.sent(atNs: 0)
        rounds.received(sequence: floorPingSequenceBase, atNs: 100)
        rounds.sent(atNs: 1_000)
        let late = rounds.received(sequence: floorPingSequenceBase, atNs: 1_200)   // round 0's PONG, late
        #expect(!late)
        let reachability = rounds.received(sequence: 1, atNs: 1_300)              // a reachability ping's (panel 1)
        #expect(!reachability)
        #expect(rounds.isAwaitingPong && rounds.roundTripsNs == [100])
        let counted = rounds.received(sequence: floorPingSequenceBase | 1, atNs: 1_400)
        #expect(counted)
        #expect(rounds.roundTripsNs == [100, 400])
    }

    @Test func theWaitRunsToTheRoundsDeadlineRoundedUpThenTimesOut() {
        var rounds = FloorRounds(rounds: 1, timeoutMs: 1000)
        rounds.sent(atNs: 5_000_000)
        #expect(rounds.wait(nowNs: 5_000_000) == .poll(timeoutMs: 1001))
        #expect(rounds.wait(nowNs: 1_004_500_000) == .poll(timeoutMs: 1))
        #expect(rounds.wait(nowNs: 1_005_000_000) == .timedOut("round 0: no PONG within 1000 ms"))
        #expect(rounds.wait(nowNs: 2_000_000_000) == .timedOut("round 0: no PONG within 1000 ms"))
    }

    @Test func aZeroTimeoutStillWaitsOneMillisecond() {
        var rounds = FloorRounds(rounds: 1, timeoutMs: 0)
        rounds.sent(atNs: 0)
        #expect(rounds.wait(nowNs: 999_999) == .poll(timeoutMs: 1))
        #expect(rounds.wait(nowNs: 1_000_000) == .timedOut("round 0: no PONG within 0 ms"))
    }

    @Test func aClockThatWentBackwardsGivesAZeroRoundTrip() {
        var rounds = FloorRounds(rounds: 1, timeoutMs: 1000)
        rounds.sent(atNs: 9_000)
        let counted = rounds.received(sequence: floorPingSequenceBase, atNs: 8_000)
        #expect(counted)
        #expect(rounds.roundTripsNs == [0] && rounds.isDone)
    }

    @Test func zeroRoundsAreDoneAtOnce() {
        let rounds = FloorRounds(rounds: 0, timeoutMs: 1000)
        #expect(rounds.isDone && !rounds.isAwaitingPong && rounds.roundTripsNs.isEmpty)
    }
}
