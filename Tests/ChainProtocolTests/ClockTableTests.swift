// ClockTableTests: the clock table's wire form, zero within the bound, and fronthaul emulation's hold across unrelated clocks.
import ChainProtocol
import Testing

@Suite struct ClockTableTests {
    static let day: Int64 = 86_400_000_000_000
    let model: UInt64 = 130_000

    @Test func wireFormRoundTripsAndMarksUnknownPanels() {
        let table = ClockTable(offsets: [ClockOffset(offsetNs: Self.day, boundNs: 40_000), nil,
                                         ClockOffset(offsetNs: -Self.day, boundNs: 0)])
        let (offsets, bounds) = table.wire
        #expect(bounds[1] == .max)
        #expect(ClockTable(offsetNs: offsets, boundNs: bounds) == table)
        #expect(table[1] == nil && table[3] == nil && table[-1] == nil)
        #expect(table[2] == ClockOffset(offsetNs: -Self.day, boundNs: 0))
    }

    @Test func anOffsetWithinItsBoundOfZeroIsReportedAsZero() {
        #expect(ClockTable.reported(ClockOffset(offsetNs: -3_000, boundNs: 40_000)) == ClockOffset(offsetNs: 0, boundNs: 40_000))
        #expect(ClockTable.reported(ClockOffset(offsetNs: 40_001, boundNs: 40_000)) == ClockOffset(offsetNs: 40_001, boundNs: 40_000))
        #expect(ClockTable.reported(nil) == nil)
    }

    /// A hop sent at controller time `sentAt`, received `transit` ns later, between nodes with clock offsets
    /// `senderOffset` and `receiverOffset` (estimated exactly); returns the hold after receipt, ns.
    func hold(transit: UInt64, senderOffset: Int64, receiverOffset: Int64, estimateError: Int64 = 0) -> UInt64 {
        let sentAt: UInt64 = 3 * UInt64(Self.day)
        let sender = ClockOffset(offsetNs: senderOffset, boundNs: 50_000)
        let receiver = ClockOffset(offsetNs: receiverOffset + estimateError, boundNs: 50_000)
        let sendStamp = sentAt &+ UInt64(bitPattern: senderOffset)
        let recvStamp = (sentAt + transit) &+ UInt64(bitPattern: receiverOffset)
        let release = FronthaulHold.releaseNs(senderSendNs: sendStamp, sender: sender, receivedNs: recvStamp,
                                              receiver: receiver, modelNs: model)
        return release &- recvStamp
    }

    static let clockPairs: [(Int64, Int64)] = [(0, 0), (0, day), (day, -day), (-day, 0), (123_456_789, -987_654_321)]

    @Test(arguments: clockPairs)
    func padsToTheModelWhateverTheClocks(senderOffset: Int64, receiverOffset: Int64) {
        // faster than the model: held for the rest of it; slower: not held at all
        #expect(hold(transit: 30_000, senderOffset: senderOffset, receiverOffset: receiverOffset) == model - 30_000)
        #expect(hold(transit: model + 1, senderOffset: senderOffset, receiverOffset: receiverOffset) == 0)
    }

    @Test func anOffsetErrorNeverHoldsLongerThanTheModel() {
        // the receiver's offset estimated 2 ms too high: the sender's stamp maps 2 ms late, the hop looks as if it
        // arrived before it was sent; held for the model, no longer
        #expect(hold(transit: 30_000, senderOffset: Self.day, receiverOffset: 0, estimateError: 2_000_000) == model)
        // 2 ms too low: the sender's stamp maps 2 ms early, the hop looks slower than the model; not held
        #expect(hold(transit: 30_000, senderOffset: Self.day, receiverOffset: 0, estimateError: -2_000_000) == 0)
    }

    @Test func withoutBothOffsetsTheHopWaitsTheFullModel() {
        let sender = ClockOffset(offsetNs: Self.day, boundNs: 1_000)
        #expect(FronthaulHold.releaseNs(senderSendNs: 5, sender: sender, receivedNs: 1_000, receiver: nil, modelNs: model)
                == 1_000 + model)
        #expect(FronthaulHold.releaseNs(senderSendNs: 5, sender: nil, receivedNs: 1_000, receiver: sender, modelNs: model)
                == 1_000 + model)
    }

    @Test func oneWayTimesAcrossADayClampAtZero() {
        let early = OneWayTime(sentNs: 1_000, by: .controller, receivedNs: 900, by: .controller)
        #expect(early.ns == -100 && early.clampedNs == 0)
        let node = ClockOffset(offsetNs: Self.day, boundNs: 7)
        let across = OneWayTime(sentNs: 1_000, by: .controller, receivedNs: 1_000 &+ UInt64(Self.day) + 250, by: node)
        #expect(across.clampedNs == 250 && across.boundNs == 7)
    }
}
