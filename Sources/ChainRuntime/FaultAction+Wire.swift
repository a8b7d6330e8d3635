// FaultAction+Wire: a configured fault action as the wire's control action and back — the one mapping between them.
import Config
import Wire

extension ControlAction {
    /// The control action that carries fault `action` (to a panel, or from `chain-controller fault` to the controller).
    public init(_ action: FaultAction) {
        switch action {
        case .kill: self = .kill
        case .stop: self = .stop
        case .restart: self = .restart
        case .partition: self = .partition
        case .slow: self = .slow
        case .corrupt: self = .corrupt
        case .duplicate: self = .duplicate
        }
    }
}

extension FaultAction {
    /// The fault a control action asks for (nil: not a fault, e.g. shutdown or heal).
    public init?(_ action: ControlAction) {
        guard let fault = FaultAction.allCases.first(where: { ControlAction($0) == action }) else { return nil }
        self = fault
    }
}
