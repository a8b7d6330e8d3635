// PanelFilters: the registry of filter methods — one line per method; the method values derive from it.
import Scenario

/// Every filter method the panels and the in-process chain can run.
public enum PanelFilters {
    /// The filter types, in the order of documentation and error messages. Adding a method is one line here.
    public static let all: [any PanelFilter.Type] = [
        LocaLoSFilter.self,
        LocaMPCFilter.self,
    ]
}
