// PanelFilterMethod: which filter method a panel runs, by its configuration name; its values are the registry's.
import Scenario

/// Which daisy-chain filter a panel runs. Raw values are the configuration's `filter.method` values; the values
/// that exist are exactly the methods of ``PanelFilters/all`` (an enum derived from the registry, so a method is
/// declared once: its type). `PanelFilterMethod(rawValue:)` is nil for any other name.
public struct PanelFilterMethod: RawRepresentable, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// The configuration's `filter.method` value, e.g. "loca-los".
    public let rawValue: String

    /// The registered method of this name, or nil.
    public init?(rawValue: String) {
        guard PanelFilters.all.contains(where: { $0.methodName == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// A method whose name comes from a registered type (``PanelFilter/method``).
    init(registered name: String) { rawValue = name }

    /// Every registered method, in registry order.
    public static var allCases: [PanelFilterMethod] { PanelFilters.all.map { $0.method } }

    /// The allowed values for messages, e.g. "loca-los | loca-mpc".
    public static var allowedValues: String { allCases.map(\.rawValue).joined(separator: " | ") }

    /// Every method with what it models, for documentation: "loca-los (LoS only, …) or loca-mpc (…)".
    public static var documentation: String {
        let items = PanelFilters.all.map { "\($0.methodName) (\($0.summary))" }
        return items.count <= 1 ? items.joined()
            : items.dropLast().joined(separator: ", ") + " or " + items[items.count - 1]
    }

    /// The filter type of this method.
    public var filterType: any PanelFilter.Type {
        guard let type = PanelFilters.all.first(where: { $0.methodName == rawValue }) else {
            preconditionFailure("filter method \(rawValue) is not in PanelFilters.all")
        }
        return type
    }

    /// The method's name in tables and reports, e.g. "Loca-LoS".
    public var displayName: String { filterType.displayName }

    /// Compute time of one update relative to Loca-LoS at the same N_p.
    public var relativeCost: Double { filterType.relativeCost }

    /// Whether the method runs γ as more than one island (filter.islands > 1, docs/MODEL.md §B.7).
    public var supportsIslands: Bool { filterType.supportsIslands }

    /// Whether the method runs islands in phases as they arrive, one γ message per island (a panel process with
    /// filter.islands > 1).
    public var streamsIslands: Bool { filterType.streamsIslands }

    public var description: String { rawValue }
}
