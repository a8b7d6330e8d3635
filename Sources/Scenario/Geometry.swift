// Geometry: the room, its walls as segments, and the exact segment tests of docs/MODEL.md §A.1 and §A.4.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Tolerance ε on segment parameters (docs/MODEL.md §A.4): wall segments are closed and extended by ε; a crossing
/// must lie strictly inside the tested segment, in (ε, 1 − ε).
public let segmentEpsilon = 1e-9
/// Lines whose direction cross product is below this are treated as parallel (docs/MODEL.md §A.4).
public let parallelEpsilon = 1e-15
/// Tolerance for "a point lies on a wall segment" (docs/MODEL.md §A.4: VAs skip the PA's own walls).
public let onWallTolerance = 1e-9

/// Wraps an angle to [−π, π): wrap(a) = a − 2π·floor((a + π)/(2π)) (docs/MODEL.md §A.4), radians.
///
/// The last two lines fix the rounding cases where the formula lands one ulp outside (it can return +π
/// for an angle just below −π, or just below −π for an angle just below +π): the result is always in
/// [−`T.pi`, `T.pi`).
@inlinable
public func wrapAngle<T: BinaryFloatingPoint>(_ angle: T) -> T {
    let twoPi = 2 * T.pi
    var wrapped = angle - twoPi * ((angle + T.pi) / twoPi).rounded(.down)
    if wrapped >= T.pi { wrapped -= twoPi } else if wrapped < -T.pi { wrapped += twoPi }
    return wrapped
}

/// 2-D cross product a × b = a.x b.y − a.y b.x.
@inlinable
func cross(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { a.x * b.y - a.y * b.x }

@inlinable
func dot(_ a: SIMD2<Double>, _ b: SIMD2<Double>) -> Double { a.x * b.x + a.y * b.y }

/// Euclidean length, metres (hypot, as the reference's numpy.hypot).
@inlinable
func length(_ v: SIMD2<Double>) -> Double { hypot(v.x, v.y) }

/// A wall: an infinitely thin 2-D reflector, the closed segment `start`–`end` (metres).
public struct Wall: Sendable, Equatable {
    /// Segment start point, metres.
    public var start: SIMD2<Double>
    /// Segment end point, metres.
    public var end: SIMD2<Double>
    /// True for the interior walls W5, W6; false for the outer walls.
    public var isInterior: Bool
    /// The spec's name, e.g. "W1".
    public var name: String

    public init(start: SIMD2<Double>, end: SIMD2<Double>, isInterior: Bool, name: String) {
        self.start = start
        self.end = end
        self.isInterior = isInterior
        self.name = name
    }

    /// Direction vector end − start, metres.
    public var direction: SIMD2<Double> { end - start }

    /// Unit normal (−dy, dx)/‖d‖ of the wall line.
    public var unitNormal: SIMD2<Double> {
        let d = direction
        return SIMD2(-d.y, d.x) / length(d)
    }

    /// Which side of the wall line `point` is on: the sign (−1, 0, +1) of (end − start) × (point − start).
    public func side(of point: SIMD2<Double>) -> Double {
        let c = cross(direction, point - start)
        return c > 0 ? 1 : (c < 0 ? -1 : 0)
    }

    /// Mirror image of `point` across the wall line, q = p − 2((p − a)·n̂)n̂, metres (docs/MODEL.md §A.4).
    public func mirror(_ point: SIMD2<Double>) -> SIMD2<Double> {
        let n = unitNormal
        return point - 2 * dot(point - start, n) * n
    }

    /// True if `point` lies on the closed segment, within `onWallTolerance` (distance to the line
    /// relative to the wall length, and segment parameter in [−tol, 1 + tol]).
    public func contains(_ point: SIMD2<Double>, tolerance: Double = onWallTolerance) -> Bool {
        let d = direction
        if abs(cross(d, point - start)) > tolerance * length(d) { return false }
        let t = dot(point - start, d) / dot(d, d)
        return t >= -tolerance && t <= 1 + tolerance
    }

    /// "Properly intersects" of docs/MODEL.md §A.4: the open segment p→q is blocked by this wall iff the lines are not
    /// parallel (|cross| ≥ 1e−15), the crossing lies strictly inside p→q (parameter in (ε, 1 − ε)) and on
    /// the closed wall segment (wall parameter in [−ε, 1 + ε]). A ray through a wall end point is blocked.
    public func blocks(from p: SIMD2<Double>, to q: SIMD2<Double>) -> Bool {
        let r = q - p
        let s = direction
        let den = cross(r, s)
        if abs(den) < parallelEpsilon { return false }
        let ap = start - p
        let t = cross(ap, s) / den
        let u = cross(ap, r) / den
        return t > segmentEpsilon && t < 1 - segmentEpsilon && u >= -segmentEpsilon && u <= 1 + segmentEpsilon
    }
}

/// The square room with its walls (docs/MODEL.md §A.1). Coordinates in metres, origin at the lower-left corner.
public struct Room: Sendable, Equatable {
    /// Side length of the square room, metres.
    public var side: Double
    /// The walls, index w = 0..<count (W1..W6 for the paper's room).
    public var walls: [Wall]

    public init(side: Double, walls: [Wall]) {
        self.side = side
        self.walls = walls
    }

    /// The paper's 30 × 30 m room: four outer walls and two vertical interior walls at x = 10 and x = 20,
    /// y ∈ [7.5, 22.5] (docs/MODEL.md §A.1, table order W1..W6).
    public static let paper = Room(side: 30, walls: [
        Wall(start: SIMD2(0, 0), end: SIMD2(30, 0), isInterior: false, name: "W1"),
        Wall(start: SIMD2(30, 0), end: SIMD2(30, 30), isInterior: false, name: "W2"),
        Wall(start: SIMD2(0, 30), end: SIMD2(30, 30), isInterior: false, name: "W3"),
        Wall(start: SIMD2(0, 0), end: SIMD2(0, 30), isInterior: false, name: "W4"),
        Wall(start: SIMD2(10, 7.5), end: SIMD2(10, 22.5), isInterior: true, name: "W5"),
        Wall(start: SIMD2(20, 7.5), end: SIMD2(20, 22.5), isInterior: true, name: "W6"),
    ])

    /// True if the open segment p→q is blocked by any wall except `skipping` (a wall index, or nil).
    public func isBlocked(from p: SIMD2<Double>, to q: SIMD2<Double>, skipping: Int? = nil) -> Bool {
        for w in walls.indices where w != skipping {
            if walls[w].blocks(from: p, to: q) { return true }
        }
        return false
    }

    /// Indices of the walls whose closed segment contains `point` (within `onWallTolerance`).
    public func wallsContaining(_ point: SIMD2<Double>) -> [Int] {
        walls.indices.filter { walls[$0].contains(point) }
    }

    /// Virtual anchors of an anchor at `position`: its mirror image across every wall segment that does
    /// not contain it, in increasing wall order (docs/MODEL.md §A.4: 4 for a corner PA, 5 otherwise).
    public func virtualAnchors(of position: SIMD2<Double>) -> [VirtualAnchor] {
        walls.indices.compactMap { w in
            walls[w].contains(position) ? nil : VirtualAnchor(wall: w, position: walls[w].mirror(position))
        }
    }
}

/// The mirror image of a panel across one wall: the source of that wall's single-bounce path.
public struct VirtualAnchor: Sendable, Equatable {
    /// Index of the mirroring wall in ``Room/walls``.
    public var wall: Int
    /// Position of the virtual anchor, metres.
    public var position: SIMD2<Double>

    public init(wall: Int, position: SIMD2<Double>) {
        self.wall = wall
        self.position = position
    }
}
