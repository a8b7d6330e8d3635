// Computations: which panel computation a Configure message asks for.
import Wire

/// Builds the panel computation named by the controller's Configure message.
public func makePanelComputation(_ configure: Configure, panel: Int) throws -> any PanelComputation {
    switch configure.mode {
    case "probe":
        return ProbeComputation()
    default:
        throw RuntimeError("panel \(panel): unknown mode '\(configure.mode)' (this build knows: probe)")
    }
}
