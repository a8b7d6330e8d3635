// PanelFaultsTests: the faults injected into a panel — cut link, slow forwards, one-shot corrupt/duplicate, heal, exit.
import ChainProtocol
import Testing

@Suite struct PanelFaultsTests {
    @Test func aPartitionCutsTheLinksForItsDurationOnly() {
        var faults = PanelFaultState()
        #expect(faults.apply(.partition(durationNs: 500), now: 1_000) == ControlDirective.none)
        #expect(faults.isPartitioned(now: 1_000))
        #expect(faults.isPartitioned(now: 1_499))
        #expect(!faults.isPartitioned(now: 1_500))
    }

    @Test func aSlowPanelDelaysForwardsUntilItsDurationEndsOrItIsHealed() {
        var faults = PanelFaultState()
        _ = faults.apply(.slow(delayNs: 30, durationNs: 100), now: 0)
        #expect(faults.forwardDelayNs(now: 99) == 30)
        #expect(faults.forwardDelayNs(now: 100) == 0)
        _ = faults.apply(.slow(delayNs: 40, durationNs: nil), now: 200)
        #expect(faults.forwardDelayNs(now: 1 << 60) == 40)
        _ = faults.apply(.heal, now: 300)
        #expect(faults.forwardDelayNs(now: 301) == 0)
        #expect(faults == PanelFaultState())
    }

    @Test func corruptAndDuplicateApplyToTheNextTransmissionOnly() {
        var faults = PanelFaultState()
        #expect(faults.takeTransmitFaults() == TransmitFaults(corrupt: false, copies: 1))
        _ = faults.apply(.corrupt, now: 0)
        _ = faults.apply(.duplicate, now: 0)
        #expect(faults.takeTransmitFaults() == TransmitFaults(corrupt: true, copies: 2))
        #expect(faults.takeTransmitFaults() == TransmitFaults(corrupt: false, copies: 1))
    }

    @Test func shutdownExitsCleanlyKillEndsTheProcessAndOtherCommandsAreIgnored() {
        var faults = PanelFaultState()
        #expect(faults.apply(.shutdown, now: 0) == .exit(0))
        #expect(faults.apply(.kill, now: 0) == .killProcess)
        #expect(faults.apply(.ignored, now: 0) == ControlDirective.none)
        #expect(faults == PanelFaultState())
    }
}
