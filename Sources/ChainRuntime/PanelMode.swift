// PanelMode: what the panels of a session do with γ — the probe, or one filter method — and its name on the wire.
import Localization

/// What the panels of a session run; the Configure message carries it by name.
public enum PanelMode: Sendable, Equatable, CustomStringConvertible {
    /// `chain-controller probe`: check the particles' integrity and forward them unchanged.
    case probe
    /// The daisy-chain filter of this method.
    case filter(PanelFilterMethod)

    /// The mode a Configure message names (nil: unknown).
    public init?(wireName: String) {
        if wireName == "probe" {
            self = .probe
        } else if let method = PanelFilterMethod(rawValue: wireName) {
            self = .filter(method)
        } else {
            return nil
        }
    }

    /// The name a Configure message carries: "probe" or the method's configuration value.
    public var wireName: String {
        switch self {
        case .probe: "probe"
        case .filter(let method): method.rawValue
        }
    }

    /// Every mode's name, for error messages.
    public static var allWireNames: [String] { ["probe"] + PanelFilterMethod.allCases.map(\.rawValue) }

    public var description: String { wireName }
}
