// InPlaceSendLedgerTests: a γ buffer sent without a copy is written again only once its hop is acknowledged.
import ChainProtocol
import Testing

@Suite struct InPlaceSendLedgerTests {
    func hop(_ step: UInt32, _ h: Int) -> HopID { HopID(step: StepID(run: 0, step: step), hop: h) }

    @Test func aBufferIsInUseFromItsSendUntilItsHopIsAcknowledged() {
        var ledger = InPlaceSendLedger(buffers: 2)
        #expect(ledger.freeBuffer() == 0)
        ledger.sent(0, to: 3, hop: hop(0, 2))
        #expect(ledger.freeBuffer() == 1)
        #expect(ledger.inUse == 1)
        ledger.acknowledged(hop(0, 2), by: 4)  // another receiver: not this hop's
        ledger.acknowledged(hop(1, 2), by: 3)  // another hop to that receiver, never sent in place
        #expect(ledger.inUse == 1)
        ledger.acknowledged(hop(0, 2), by: 3)
        #expect(ledger.inUse == 0)
        #expect(ledger.freeBuffer() == 0)
    }

    @Test func everyBufferInUseMeansCopying() {
        var ledger = InPlaceSendLedger(buffers: 2)
        ledger.sent(0, to: 3, hop: hop(0, 2))
        ledger.sent(1, to: 3, hop: hop(1, 2))
        #expect(ledger.freeBuffer() == nil)
    }

    @Test func anAcknowledgementFreesTheEarlierSendsToTheSameReceiverOnly() {
        var ledger = InPlaceSendLedger(buffers: 4)
        ledger.sent(0, to: 3, hop: hop(0, 2))  // never acknowledged (the receiver missed it)
        ledger.sent(1, to: 4, hop: hop(1, 3))  // the skip: another receiver
        ledger.sent(2, to: 3, hop: hop(2, 2))
        ledger.sent(3, to: 3, hop: hop(3, 2))  // still on its way
        ledger.acknowledged(hop(2, 2), by: 3)
        #expect(ledger.uses[0] == nil)
        #expect(ledger.uses[1]?.receiver == 4)
        #expect(ledger.uses[2] == nil)
        #expect(ledger.uses[3]?.hop == hop(3, 2))
    }

    @Test func aClosedSocketRetiresItsBuffersInUse() {
        var ledger = InPlaceSendLedger(buffers: 3)
        ledger.sent(0, to: 3, hop: hop(0, 2))
        ledger.sent(1, to: 4, hop: hop(0, 3))
        ledger.retire(receiver: 3)
        #expect(ledger.retired == [0])
        #expect(ledger.inUse == 1)
        ledger.acknowledged(hop(0, 2), by: 3)  // too late: the buffer is the shell's to replace, not free twice
        #expect(ledger.retired == [0])
        ledger.replacedRetired()
        ledger.retireAll()
        #expect(ledger.retired == [1])
        #expect(ledger.inUse == 0)
    }
}
