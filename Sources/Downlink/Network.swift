// Network: the downlink AP network of docs/MODEL.md §DL.1–§DL.2 (AP positions and orientations, illumination grid).
import RealModule

/// A point in the plane, in metres.
public struct Point2: Sendable, Hashable, CustomStringConvertible {
    /// x coordinate (m).
    public var x: Double
    /// y coordinate (m).
    public var y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
    public static let zero = Point2(0, 0)
    public var description: String { "(\(x), \(y))" }
    /// Euclidean distance to `other` (m).
    public func distance(to other: Point2) -> Double { Double.hypot(x - other.x, y - other.y) }
    public static func + (a: Point2, b: Point2) -> Point2 { Point2(a.x + b.x, a.y + b.y) }
    public static func - (a: Point2, b: Point2) -> Point2 { Point2(a.x - b.x, a.y - b.y) }
}

/// Physical constants and the paper's defaults (docs/MODEL.md §DL.1).
public enum DownlinkConstants {
    /// Speed of light c (m/s).
    public static let speedOfLight = 299_792_458.0
    /// Carrier frequency f0 (Hz).
    public static let carrierFrequency = 3.5e9
    /// Bandwidth W (Hz); one pulse lasts 1/W s.
    public static let bandwidth = 120e3
    /// The paper's Boltzmann constant kB (J/K) — 1.38e-23, not the CODATA value.
    public static let boltzmann = 1.38e-23
    /// Noise temperature T0 (K).
    public static let noiseTemperature = 290.0
    /// Carrier wavelength λ = c/f0 (m).
    public static let wavelength = speedOfLight / carrierFrequency
    /// Noise variance σ² = kB·T0·W (W), 4.8024e-16 W.
    public static let noiseVariance = boltzmann * noiseTemperature * bandwidth
    /// Number of APs M.
    public static let apCount = 20
    /// Antennas per AP N (ULA, λ/2 spacing).
    public static let antennaCount = 4
    /// Default number of illumination points K.
    public static let illuminationPoints = 36
    /// Side of the illumination region (m).
    public static let regionSide = 5.0
    /// Side of the AP square (m).
    public static let squareSide = 40.0
    /// The paper's UE position (m).
    public static let userPosition = Point2(1, 1)
    /// The paper's UE phase offset δφ = 10° (rad).
    public static let phaseOffset = 10.0 * Double.pi / 180
    /// The paper's default per-AP power (dBm).
    public static let powerDBm = 0.0
}

/// Per-AP power in watts from dBm: P[W] = 10^((P[dBm] − 30)/10).
public func watts(fromDBm dBm: Double) -> Double { Double.pow(10, (dBm - 30) / 10) }

/// Where the APs sit on the perimeter of the square.
public enum APLayout: String, Sendable, CaseIterable {
    /// Five APs per edge at edge coordinates −16, −8, 0, 8, 16 m (no corner APs; the paper's Fig. 3).
    case edges
    /// Five APs per edge at edge coordinates −20, −12, −4, 4, 12 m along the counter-clockwise walk
    /// (one AP in each corner; docs/MODEL.md §DL.8 option `corners`).
    case corners
}

/// Boresight direction of each AP's array.
public enum APOrientation: String, Sendable, CaseIterable {
    /// Every boresight points at the centre of the AP square (default).
    case towardsCentre = "centre"
    /// Every boresight is the inward normal of its edge (docs/MODEL.md §DL.8 option `orientation=normal`).
    case edgeNormal = "normal"
}

/// How the K illumination points fill the illumination region.
public enum IlluminationGrid: String, Sendable, CaseIterable {
    /// √K points per axis including the region's edges (default).
    case edgeInclusive = "edges"
    /// √K cell-centred points per axis (docs/MODEL.md §DL.8 option `illum=centre`).
    case cellCentred = "centre"
}

/// Errors of the downlink module: each has a one-line description fit for a command-line message.
public enum DownlinkError: Error, Sendable, Equatable, CustomStringConvertible {
    case illuminationPointsNotSquare(Int)
    case invalidParameter(String)
    case sampleCountMismatch(expected: Int, got: Int)
    case nonCoherentP2NeedsMorePoints(k: Int, m: Int)

    public var description: String {
        switch self {
        case .illuminationPointsNotSquare(let k):
            return "the number of illumination points K must be a positive perfect square (1, 4, 9, 16, ...); got \(k)"
        case .invalidParameter(let text):
            return text
        case .sampleCountMismatch(let expected, let got):
            return "the snapshot has \(got) samples; this protocol and network need \(expected)"
        case .nonCoherentP2NeedsMorePoints(let k, let m):
            return "P2 non-coherent processing (and so the hybrid estimator's first stage) needs K ≥ M = \(m); got K = \(k)"
        }
    }
}

/// The switches of the AP network and illumination grid (docs/MODEL.md §DL.2 and the geometry options of §8).
public struct DownlinkNetworkOptions: Sendable, Hashable {
    /// AP placement on the square's perimeter.
    public var layout: APLayout = .edges
    /// Boresight rule.
    public var orientation: APOrientation = .towardsCentre
    /// Illumination grid rule.
    public var illuminationGrid: IlluminationGrid = .edgeInclusive
    /// Number of illumination points K (a perfect square).
    public var illuminationPoints: Int = DownlinkConstants.illuminationPoints
    /// Mirrored arrays: flips the sign of sin θ in array response and precoder alike (docs/MODEL.md §DL.2 and §DL.8).
    public var mirroredArray: Bool = false
    /// Centre of the AP square (m).
    public var squareCentre: Point2 = .zero
    /// Side of the AP square (m).
    public var squareSide: Double = DownlinkConstants.squareSide
    /// Centre of the illumination region (m); the coarse search grid is centred here too.
    public var regionCentre: Point2 = .zero
    /// Side of the square illumination region (m).
    public var regionSide: Double = DownlinkConstants.regionSide
    /// Antennas per AP N.
    public var antennaCount: Int = DownlinkConstants.antennaCount
    /// Carrier wavelength λ (m).
    public var wavelength: Double = DownlinkConstants.wavelength

    public init() {}

    /// A one-line description of the reading, for reports.
    public var summary: String {
        "APs=\(layout.rawValue), orientation=\(orientation.rawValue), illum=\(illuminationGrid.rawValue), "
            + "K=\(illuminationPoints), mirrored=\(mirroredArray)"
    }
}

/// The AP network of the downlink paper, with the illumination points and every per-(AP, point) quantity
/// that does not depend on the UE. Arrays of APs are indexed m = 0..M−1 (the spec's m − 1).
public struct DownlinkNetwork: Sendable {
    /// The options this network was built from.
    public let options: DownlinkNetworkOptions
    /// AP positions (m), structure of arrays.
    public let apX: [Double], apY: [Double]
    /// AP boresight angles o_m, counter-clockwise from +x (rad).
    public let apOrientation: [Double]
    /// cos o_m and sin o_m.
    public let apOrientationCos: [Double], apOrientationSin: [Double]
    /// Illumination points i[k] (m), x fastest.
    public let illuminationX: [Double], illuminationY: [Double]
    /// d_m[k] = ||i[k] − p_m|| (m), index m·K + k.
    public let illuminationDistance: [Double]
    /// s_m[k] = ±sin θ_m(i[k]) (sign −1 for mirrored arrays), index m·K + k.
    public let illuminationSin: [Double]
    /// Focusing phasor exp(j2π d_m[k]/λ) (real and imaginary parts), index m·K + k.
    public let focusRe: [Double], focusIm: [Double]
    /// Steering phasor exp(−jπ s_m[k]) (real and imaginary parts), index m·K + k.
    public let steerRe: [Double], steerIm: [Double]
    /// Antennas per AP N.
    public let antennaCount: Int
    /// Carrier wavelength λ (m).
    public let wavelength: Double
    /// +1, or −1 for mirrored arrays.
    public let arraySign: Double

    /// Number of APs M.
    public var apCount: Int { apX.count }
    /// Number of illumination points K.
    public var illuminationCount: Int { illuminationX.count }
    /// Centre of the illumination region (m).
    public var regionCentre: Point2 { options.regionCentre }
    /// Position of AP m (0-based) (m).
    public func apPosition(_ m: Int) -> Point2 { Point2(apX[m], apY[m]) }
    /// Illumination point k (m).
    public func illuminationPoint(_ k: Int) -> Point2 { Point2(illuminationX[k], illuminationY[k]) }

    /// Builds the network. Throws if K is not a positive perfect square or a length is not positive.
    public init(options: DownlinkNetworkOptions = DownlinkNetworkOptions()) throws(DownlinkError) {
        let k = options.illuminationPoints
        guard k >= 1, let side = exactSquareRoot(k) else { throw .illuminationPointsNotSquare(k) }
        guard options.antennaCount >= 1 else { throw .invalidParameter("the antenna count N must be at least 1") }
        guard options.wavelength > 0, options.squareSide > 0, options.regionSide >= 0 else {
            throw .invalidParameter("wavelength, AP square side and region side must be positive")
        }
        self.options = options
        antennaCount = options.antennaCount
        wavelength = options.wavelength
        arraySign = options.mirroredArray ? -1 : 1

        // AP positions: a counter-clockwise walk over the four edges, starting bottom-left; the edge
        // coordinate e runs along the walk (bottom: +x, right: +y, top: −x, left: −y).
        let half = options.squareSide / 2
        let edgeCoordinates: [Double]
        switch options.layout {
        case .edges: edgeCoordinates = [-16, -8, 0, 8, 16].map { $0 * options.squareSide / 40 }
        case .corners: edgeCoordinates = [-20, -12, -4, 4, 12].map { $0 * options.squareSide / 40 }
        }
        var xs: [Double] = [], ys: [Double] = [], normals: [Double] = []
        for edge in 0..<4 {
            for e in edgeCoordinates {
                switch edge {
                case 0: xs.append(e); ys.append(-half); normals.append(Double.pi / 2)
                case 1: xs.append(half); ys.append(e); normals.append(Double.pi)
                case 2: xs.append(-e); ys.append(half); normals.append(3 * Double.pi / 2)
                default: xs.append(-half); ys.append(-e); normals.append(0)
                }
            }
        }
        apX = xs.map { $0 + options.squareCentre.x }
        apY = ys.map { $0 + options.squareCentre.y }
        switch options.orientation {
        case .towardsCentre:
            apOrientation = (0..<xs.count).map { m in
                let o = Double.atan2(y: -ys[m], x: -xs[m])
                return o < 0 ? o + 2 * Double.pi : o
            }
        case .edgeNormal:
            apOrientation = normals
        }
        apOrientationCos = apOrientation.map { Double.cos($0) }
        apOrientationSin = apOrientation.map { Double.sin($0) }

        // Illumination grid, x fastest.
        let halfRegion = options.regionSide / 2
        let offsets: [Double] = (0..<side).map { i in
            switch options.illuminationGrid {
            case .edgeInclusive:
                return side == 1 ? 0 : -halfRegion + Double(i) * options.regionSide / Double(side - 1)
            case .cellCentred:
                return -halfRegion + (Double(i) + 0.5) * options.regionSide / Double(side)
            }
        }
        var ix: [Double] = [], iy: [Double] = []
        for gy in offsets { for gx in offsets { ix.append(options.regionCentre.x + gx); iy.append(options.regionCentre.y + gy) } }
        illuminationX = ix
        illuminationY = iy

        var distance = [Double](repeating: 0, count: xs.count * k)
        var sine = [Double](repeating: 0, count: xs.count * k)
        for m in 0..<xs.count {
            for p in 0..<k {
                let dx = ix[p] - apX[m], dy = iy[p] - apY[m]
                let d = Double.hypot(dx, dy)
                distance[m * k + p] = d
                sine[m * k + p] = arraySign * (dy * apOrientationCos[m] - dx * apOrientationSin[m]) / d
            }
        }
        illuminationDistance = distance
        illuminationSin = sine
        let wavelength = options.wavelength
        focusRe = distance.map { Double.cos(2 * Double.pi * $0 / wavelength) }
        focusIm = distance.map { Double.sin(2 * Double.pi * $0 / wavelength) }
        steerRe = sine.map { Double.cos(Double.pi * $0) }
        steerIm = sine.map { -Double.sin(Double.pi * $0) }
    }

    /// Geometry of point q seen from AP m: distance d (m), s = ±sin θ, c = cos θ, and Δ = q − p_m (m).
    @inlinable
    public func geometry(ap m: Int, point q: Point2) -> APGeometry {
        let dx = q.x - apX[m], dy = q.y - apY[m]
        let d = Double.hypot(dx, dy)
        // θ = atan2(Δy, Δx) − o_m: sin θ = (Δy cos o − Δx sin o)/d, cos θ = (Δx cos o + Δy sin o)/d.
        let sinTheta = (dy * apOrientationCos[m] - dx * apOrientationSin[m]) / d
        let cosTheta = (dx * apOrientationCos[m] + dy * apOrientationSin[m]) / d
        return APGeometry(distance: d, sine: arraySign * sinTheta, cosine: cosTheta, dx: dx, dy: dy)
    }
}

/// Geometry of one point seen from one AP.
public struct APGeometry: Sendable {
    /// Distance d_m (m).
    public var distance: Double
    /// s_m = sin θ_m, with the array sign applied (±1).
    public var sine: Double
    /// cos θ_m.
    public var cosine: Double
    /// Δ = q − p_m (m).
    public var dx: Double, dy: Double
    @inlinable
    public init(distance: Double, sine: Double, cosine: Double, dx: Double, dy: Double) {
        self.distance = distance; self.sine = sine; self.cosine = cosine; self.dx = dx; self.dy = dy
    }
}

/// `APGeometry` of one point seen from four APs (lanes m ..< m + 4 of the per-AP arrays: positions, orientation
/// cosines and sines; every array needs those four entries), with the scalar expressions' operations in the same order,
/// so each lane is bit for bit what `DownlinkNetwork.geometry` computes.
struct APGeometry4 {
    /// Δ = u − p_m (m), d_m (m), s_m = arraySign·sin θ_m, cos θ_m.
    let dx: D4, dy: D4, distance: D4, sine: D4, cosine: D4
    @inline(__always)
    init(user u: Point2, apX: UnsafePointer<Double>, apY: UnsafePointer<Double>, orientationCos: UnsafePointer<Double>,
         orientationSin: UnsafePointer<Double>, arraySign: Double) {
        dx = D4(u.x) - D4.load(apX); dy = D4(u.y) - D4.load(apY)
        distance = (dx * dx + dy * dy).squareRoot
        let c = D4.load(orientationCos), s = D4.load(orientationSin)
        sine = D4(arraySign) * (dy * c - dx * s) / distance
        cosine = (dx * c + dy * s) / distance
    }
}

/// √n if n is a perfect square, else nil.
public func exactSquareRoot(_ n: Int) -> Int? {
    guard n >= 0 else { return nil }
    var r = Int(Double(n).squareRoot())
    while r * r > n { r -= 1 }
    while (r + 1) * (r + 1) <= n { r += 1 }
    return r * r == n ? r : nil
}
