// LinkFloor: the transport floor of the route's links (one-way = round trip / 2 of γ-sized ping-pongs) and its statistics.
import Config

/// The node at one end of a link: a panel index, or the controller (``RouteLink/controller``).
public struct RouteLink: Hashable, Sendable, CustomStringConvertible {
    /// The controller's end of a link.
    public static let controller = -1
    /// Sending end: panel index or ``controller``.
    public var from: Int
    /// Receiving end: panel index or ``controller``.
    public var to: Int
    public init(from: Int, to: Int) { self.from = from; self.to = to }

    /// Both ends are panels (the J − 1 transfers eq. (10) counts).
    public var isPanelToPanel: Bool { from >= 0 && to >= 0 }

    /// The links a route of panels uses, in order: controller → first, each panel → the next, last → controller.
    public static func along(_ route: [Int]) -> [RouteLink] {
        guard let first = route.first, let last = route.last else { return [] }
        return [RouteLink(from: controller, to: first)]
            + zip(route, route.dropFirst()).map { RouteLink(from: $0, to: $1) }
            + [RouteLink(from: last, to: controller)]
    }

    public var description: String {
        func name(_ node: Int) -> String { node == Self.controller ? "controller" : "panel \(node)" }
        return "\(name(from)) -> \(name(to))"
    }
}

/// The floor of one link: round trips of γ-sized ping-pongs on the sockets γ takes, timed by the link's initiating end
/// on its own clock (no second clock is involved). The one-way floor of a round trip is half of it.
public struct LinkFloor: Sendable {
    public var link: RouteLink
    /// Payload of each PING and of its echoing PONG, bytes (the size of the γ the link carries).
    public var payloadBytes: Int
    /// Counted round trips, ns, in order (the warm-up rounds already left out).
    public var roundTripsNs: [UInt64]
    /// Non-empty when the link could not be timed; then there are no round trips.
    public var error: String

    /// - Parameters:
    ///   - roundTripsNs: every round trip timed, ns, in order; the first `warmup` are left out (connection set-up,
    ///     caches).
    public init(link: RouteLink, payloadBytes: Int, roundTripsNs: [UInt64], warmup: Int = 0, error: String = "") {
        self.link = link
        self.payloadBytes = payloadBytes
        self.roundTripsNs = Array(roundTripsNs.dropFirst(warmup))
        self.error = error
    }

    /// One-way floor of each counted round trip: round trip / 2, ns (rounded down).
    public var oneWayNs: [UInt64] { roundTripsNs.map { $0 / 2 } }

    /// The one-way floor's percentiles, µs (NaN without round trips).
    public var oneWay: LatencySummary { LatencySummary(nanoseconds: oneWayNs) }
}

/// The transport floor of a route: one ``LinkFloor`` per link, and the pooled panel-to-panel floor.
public struct TransportFloor: Sendable {
    /// Ping-pongs per link that were counted.
    public var rounds: Int
    public var links: [LinkFloor]
    public init(rounds: Int, links: [LinkFloor]) { self.rounds = rounds; self.links = links }

    /// The one-way floor over every panel-to-panel link's round trips pooled, µs (what `link_floor_us` reports;
    /// NaN with fewer than two panels or when off).
    public var panelToPanel: LatencySummary {
        LatencySummary(nanoseconds: links.filter(\.link.isPanelToPanel).flatMap(\.oneWayNs))
    }

    /// The floor of one link, if it was timed.
    public func floor(of link: RouteLink) -> LinkFloor? { links.first { $0.link == link } }

    /// Measured link p50 over the floor's p50 (NaN when either is missing or the floor is 0).
    public static func ratio(linkP50Us: Double, floorP50Us: Double) -> Double {
        guard linkP50Us.isFinite, floorP50Us.isFinite, floorP50Us > 0 else { return .nan }
        return linkP50Us / floorP50Us
    }
}

/// One hop of the projection: what was measured on it and what the modelled link would take.
public struct ProjectedHop: Sendable, Equatable {
    /// The hop's measured one-way p50 (before any emulation padding), µs.
    public var linkP50Us: Double
    /// Its transport floor's p50, µs.
    public var floorP50Us: Double
    /// Bytes the hop carries (for the modelled link).
    public var bytes: Int
    public init(linkP50Us: Double, floorP50Us: Double, bytes: Int) {
        self.linkP50Us = linkP50Us; self.floorP50Us = floorP50Us; self.bytes = bytes
    }

    /// The chain's own overhead on the hop above the transport floor, µs (never below 0).
    public var overheadUs: Double { Swift.max(0, linkP50Us - floorP50Us) }
}

/// Projected deployment latency (docs/LATENCY.md §7a): the e2e a deployment with one host per panel (and one for the
/// controller) would see, from this run's measurements with the local transport replaced by the modelled link:
///
///   T_proj = Σ_k compute_p50(k) + Σ_h [ max(0, link_p50(h) − floor_p50(h)) + t_hop(B_h) ],
///
/// over the route's J panels and its J + 1 hops (controller → first, panel → panel, last → controller), with
/// t_hop(B) = 8B/R + τ_transfer (`fronthaul`, docs/MODEL.md §D.2). A sum of medians: a typical step, not a percentile.
///
/// With B islands (filter.islands, docs/MODEL.md §B.7) the figures are island 0's (hops.csv: its compute at every
/// panel, its hops of N_p/B particles; it travels first, so it never waits in a socket behind another island): with a
/// host per panel the islands pipeline, and the last island leaves the chain B − 1 updates of the slowest panel after
/// the first: T_proj = the sum above + (B − 1) · max_{k < J−1} compute_p50(k) (the last panel's compute includes the
/// step's combination, which happens once; island 0's compute includes the step's begin phase, so the (B − 1) term
/// slightly overstates).
public enum DeploymentProjection {
    /// - Parameters:
    ///   - computeP50Us: per-panel compute p50 of each panel of the route, µs (per island with islands).
    ///   - hops: every hop of the route with its measured link, floor and bytes.
    ///   - fronthaul: the modelled link (rate, per-transfer latency).
    ///   - islands: B (1: one γ per hop).
    /// - Returns: µs; NaN when a figure is missing.
    public static func microseconds(computeP50Us: [Double], hops: [ProjectedHop], fronthaul: FronthaulSection,
                                    islands: Int = 1) -> Double {
        let compute = computeP50Us.reduce(0, +)
        let links = hops.reduce(0.0) { $0 + $1.overheadUs + fronthaul.modelledNs(bytes: $1.bytes) / 1000 }
        let pipeline = islands > 1 ? Double(islands - 1) * (computeP50Us.dropLast().max() ?? computeP50Us.max() ?? .nan) : 0
        let total = compute + links + pipeline
        guard !computeP50Us.isEmpty, !hops.isEmpty,
              hops.allSatisfy({ $0.linkP50Us.isFinite && $0.floorP50Us.isFinite }) else { return .nan }
        return total
    }
}
