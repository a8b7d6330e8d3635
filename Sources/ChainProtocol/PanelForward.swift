// PanelForward: where a panel sends γ once it has handled it — on to the next hop, or the step result as the last panel.

/// What the last live panel of a route reports for the step.
public struct RouteEnd: Sendable, Equatable {
    /// Panels of the route that processed γ, in route order.
    public var contributed: [Int32]
    /// Panels skipped on the way (silent, or handing on a re-issued attempt).
    public var skipped: [Int32]
    /// Delivered when no panel of the route was skipped, else degraded.
    public var ending: StepEnding

    /// - Parameters:
    ///   - route: the step's route.
    ///   - skipped: the panels γ lists as skipped when it ends here.
    public init(route: [Int32], skipped: [Int32]) {
        contributed = route.filter { !skipped.contains($0) }
        self.skipped = skipped
        ending = skipped.isEmpty ? .delivered : .degraded
    }
}

/// The next move of γ after panel `route[hop]` handled it.
public enum PanelForward: Sendable, Equatable {
    /// Send γ to the panel at this position of the route.
    case next(hop: Int)
    /// This panel is the last of the route: send the step result.
    case result(RouteEnd)

    /// - Parameters:
    ///   - route: the step's route; `hop`: this panel's position in it.
    ///   - skipped: the panels skipped so far.
    public init(route: [Int32], hop: Int, skipped: [Int32]) {
        self = hop + 1 < route.count ? .next(hop: hop + 1) : .result(RouteEnd(route: route, skipped: skipped))
    }

    /// The panels a re-issued attempt lists as skipped once `panel` handed it on unchanged (its state already took
    /// the step's measurements, so it does not process the step again).
    public static func skippedAfterHandOn(_ skipped: [Int32], by panel: Int32) -> [Int32] { skipped + [panel] }
}

/// The successors a panel connects to as soon as it is configured, so no step pays for the TCP and ZMTP
/// handshakes: the next one or two panels of the ring (fewer when the chain is shorter).
/// - Parameters:
///   - panel: this panel's index; `panels`: the chain's length J.
public func successorsToConnect(of panel: Int, panels: Int) -> [Int] {
    guard panels > 1 else { return [] }
    return (1...min(2, panels - 1)).map { (panel + $0) % panels }
}
