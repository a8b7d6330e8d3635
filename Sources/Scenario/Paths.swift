// Paths: LoS and single-bounce visibility, path distance and AoA between a panel and the agent (docs/MODEL.md §A.4).
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Propagation path type (raw values as in the golden vectors: 0 = LoS, 1 = single bounce).
public enum PathKind: Int, Sendable, Equatable {
    case lineOfSight = 0
    case singleBounce = 1
}

/// Geometry of one visible path between a panel and the agent.
public struct PathGeometry: Sendable, Equatable {
    /// LoS or single bounce.
    public var kind: PathKind
    /// Index of the reflecting wall, or −1 for the LoS.
    public var wall: Int
    /// Path length d, metres: ‖p − p_pa‖ (LoS) or ‖p − q‖ (bounce via virtual anchor q).
    public var distance: Double
    /// Angle of arrival at the panel in the global frame, atan2 of (p − p_pa) or (R − p_pa), radians in (−π, π].
    public var aoa: Double
    /// Reflection point R on the wall, metres (nil for the LoS).
    public var reflectionPoint: SIMD2<Double>?

    public init(kind: PathKind, wall: Int, distance: Double, aoa: Double, reflectionPoint: SIMD2<Double>?) {
        self.kind = kind
        self.wall = wall
        self.distance = distance
        self.aoa = aoa
        self.reflectionPoint = reflectionPoint
    }

    /// Slot of the path among all possible paths of a panel: 0 for the LoS, w + 1 for the bounce via
    /// wall w. Measurement synthesis draws the path's random numbers from block `slot` of its streams.
    public var slot: Int { kind == .lineOfSight ? 0 : wall + 1 }
}

extension Room {
    /// The visible paths between an anchor at `anchor` (with its virtual anchors) and the agent at `agent`,
    /// LoS first (if visible), then single bounces by increasing wall index (docs/MODEL.md §A.4).
    ///
    /// - LoS is visible iff the open segment anchor–agent is not blocked by any wall.
    /// - The bounce via wall w (virtual anchor q) exists iff anchor and agent lie strictly on the same side
    ///   of the wall line; the segment q→agent meets the wall line at t ∈ (0, 1) (strict, no ε) at a point R
    ///   with wall parameter in [−ε, 1 + ε]; and neither anchor→R nor R→agent is blocked by another wall.
    public func visiblePaths(anchor: SIMD2<Double>, virtualAnchors: [VirtualAnchor],
                             agent: SIMD2<Double>) -> [PathGeometry] {
        var paths: [PathGeometry] = []
        appendVisiblePaths(anchor: anchor, virtualAnchors: virtualAnchors, agent: agent, to: &paths)
        return paths
    }

    /// The visible paths of `panel` to the agent at `agent` (see ``visiblePaths(anchor:virtualAnchors:agent:)``).
    public func visiblePaths(panel: Panel, agent: SIMD2<Double>) -> [PathGeometry] {
        visiblePaths(anchor: panel.position, virtualAnchors: panel.virtualAnchors, agent: agent)
    }

    /// Appends the visible paths to `paths` (no allocation beyond the array's growth).
    public func appendVisiblePaths(anchor: SIMD2<Double>, virtualAnchors: [VirtualAnchor],
                                   agent: SIMD2<Double>, to paths: inout [PathGeometry]) {
        if !isBlocked(from: anchor, to: agent) {
            let v = agent - anchor
            paths.append(PathGeometry(kind: .lineOfSight, wall: -1, distance: length(v),
                                      aoa: atan2(v.y, v.x), reflectionPoint: nil))
        }
        for virtualAnchor in virtualAnchors {
            let w = virtualAnchor.wall
            let wall = walls[w]
            let agentSide = wall.side(of: agent)
            if wall.side(of: anchor) != agentSide || agentSide == 0 { continue }
            let q = virtualAnchor.position
            let r = agent - q
            let s = wall.direction
            let den = cross(r, s)
            if abs(den) < parallelEpsilon { continue }
            let aq = wall.start - q
            let t = cross(aq, s) / den
            let u = cross(aq, r) / den
            guard t > 0, t < 1, u >= -segmentEpsilon, u <= 1 + segmentEpsilon else { continue }
            let reflection = q + t * r
            if isBlocked(from: anchor, to: reflection, skipping: w)
                || isBlocked(from: reflection, to: agent, skipping: w) { continue }
            let leg = reflection - anchor
            paths.append(PathGeometry(kind: .singleBounce, wall: w, distance: length(r),
                                      aoa: atan2(leg.y, leg.x), reflectionPoint: reflection))
        }
    }
}
