// Panels: physical-anchor placement and daisy-chain order (docs/MODEL.md §A.2) and the URA constants.

/// Why a scenario could not be built.
public enum ScenarioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// J must be 2 or a positive multiple of 4.
    case invalidPanelCount(Int)
    /// M_a must be at least 2 (N_a = M_a² ≥ 4).
    case invalidArraySide(Int)
    /// Trajectory parameters that give no valid path (message says which).
    case invalidTrajectory(String)
    /// Radio parameters outside their domain (message says which).
    case invalidRadio(String)

    public var description: String {
        switch self {
        case .invalidPanelCount(let j): "panel count J = \(j) is not 2 or a positive multiple of 4"
        case .invalidArraySide(let m): "array side M_a = \(m) is below 2 (N_a = M_a² must be at least 4)"
        case .invalidTrajectory(let why): "invalid trajectory: \(why)"
        case .invalidRadio(let why): "invalid radio parameters: \(why)"
        }
    }
}

/// One physical anchor (antenna panel) at its place in the daisy chain.
public struct Panel: Sendable, Equatable {
    /// Position in the daisy chain, 0-based (chain position k is "panel k + 1" of the paper).
    public var index: Int
    /// Array centroid, metres.
    public var position: SIMD2<Double>
    /// Indices of the wall segments the panel lies on (one, or two for a corner panel).
    public var walls: [Int]
    /// Mirror images across every wall segment the panel does not lie on, by increasing wall index.
    public var virtualAnchors: [VirtualAnchor]

    public init(index: Int, position: SIMD2<Double>, walls: [Int], virtualAnchors: [VirtualAnchor]) {
        self.index = index
        self.position = position
        self.walls = walls
        self.virtualAnchors = virtualAnchors
    }
}

/// Whether `count` is a panel count with a defined placement: 2, or a positive multiple of 4.
public func isValidPanelCount(_ count: Int) -> Bool { count == 2 || (count >= 4 && count % 4 == 0) }

/// Panel positions in daisy-chain order (docs/MODEL.md §A.2), metres.
///
/// - J = 2: the upper-left and upper-right corners (0, L) and (L, L).
/// - J = 4k: k panels per outer wall at offsets s_i = (i + 0.5)·L/k, counter-clockwise: bottom wall
///   left→right, right wall bottom→top, top wall right→left, left wall top→bottom.
///
/// - Parameter roomSide: side L of the square room, metres.
public func panelPositions(count: Int, roomSide: Double = Room.paper.side) throws(ScenarioError) -> [SIMD2<Double>] {
    guard isValidPanelCount(count) else { throw .invalidPanelCount(count) }
    if count == 2 { return [SIMD2(0, roomSide), SIMD2(roomSide, roomSide)] }
    let perWall = count / 4
    let offsets = (0..<perWall).map { (Double($0) + 0.5) * roomSide / Double(perWall) }
    var positions: [SIMD2<Double>] = []
    positions.reserveCapacity(count)
    for s in offsets { positions.append(SIMD2(s, 0)) }                       // bottom, left → right
    for s in offsets { positions.append(SIMD2(roomSide, s)) }                // right, bottom → top
    for s in offsets.reversed() { positions.append(SIMD2(s, roomSide)) }     // top, right → left
    for s in offsets.reversed() { positions.append(SIMD2(0, s)) }            // left, top → bottom
    return positions
}

/// The panels of `room` in daisy-chain order, with the walls they lie on and their virtual anchors.
public func makePanels(count: Int, room: Room = .paper) throws(ScenarioError) -> [Panel] {
    try panelPositions(count: count, roomSide: room.side).enumerated().map { index, position in
        Panel(index: index, position: position, walls: room.wallsContaining(position),
              virtualAnchors: room.virtualAnchors(of: position))
    }
}

/// The horizontal M_a × M_a uniform rectangular array of a panel, centroid at the panel position,
/// orientation 0° (docs/MODEL.md §A.2, §A.6).
public struct UniformRectangularArray: Sendable, Equatable {
    /// Side M_a (elements per row).
    public var side: Int
    /// Element spacing Δ, metres (λ/4 in the paper).
    public var spacing: Double

    public init(side: Int, spacing: Double) {
        self.side = side
        self.spacing = spacing
    }

    /// Number of elements N_a = M_a².
    public var elementCount: Int { side * side }

    /// Element positions relative to the centroid, metres, row by row (x fastest).
    public var elementPositions: [SIMD2<Double>] {
        let centre = Double(side - 1) / 2
        var positions: [SIMD2<Double>] = []
        positions.reserveCapacity(elementCount)
        for row in 0..<side {
            for column in 0..<side {
                positions.append(SIMD2(Double(column) - centre, Double(row) - centre) * spacing)
            }
        }
        return positions
    }

    /// Squared aperture D² = Δ²(M_a² − 1)/12, m² (docs/MODEL.md §A.6); the same for every direction.
    public var squaredAperture: Double { spacing * spacing * Double(side * side - 1) / 12 }

    /// D²(φ) = (1/N_a) Σ_i ((−sin φ, cos φ)·r_i)² from the element positions, m² (docs/MODEL.md §A.6); equals
    /// ``squaredAperture`` for every φ (a check of the closed form).
    public func squaredAperture(direction phi: Double) -> Double {
        let normal = SIMD2(-_sin(phi), _cos(phi))
        let positions = elementPositions
        return positions.reduce(0) { $0 + dot(normal, $1) * dot(normal, $1) } / Double(positions.count)
    }

    /// AoA standard deviation times u: σ_φ(u)·u = λ/(2√2 π D), radians (FIM_φφ = 2u²k²D², docs/MODEL.md §A.6).
    public func aoaStdTimesU(wavelength: Double) -> Double {
        wavelength / (2 * 2.0.squareRoot() * Double.pi * squaredAperture.squareRoot())
    }
}
