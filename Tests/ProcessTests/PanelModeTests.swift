// PanelModeTests: a session's panel mode crosses the wire by name and back; an unknown name is no mode.
import ChainRuntime
import Localization
import Testing

@Suite struct PanelModeTests {
    @Test func everyModeCrossesTheWireByNameAndBack() {
        let modes: [PanelMode] = [.probe] + PanelFilterMethod.allCases.map { .filter($0) }
        for mode in modes { #expect(PanelMode(wireName: mode.wireName) == mode) }
        #expect(modes.map(\.wireName) == PanelMode.allWireNames)
        #expect(PanelMode.filter(.locaMPC).wireName == "loca-mpc")
        #expect(PanelMode(wireName: "nope") == nil && PanelMode(wireName: "") == nil)
    }
}
