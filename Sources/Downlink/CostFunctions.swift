// CostFunctions: the four profiled ML costs (coherent / non-coherent × P1 / P2) in closed form (docs/MODEL.md §DL.4).
import ComplexModule
import RealModule

/// The UE-independent part of the cost functions for one network and protocol, shared by every snapshot.
///
/// The non-coherent model factors through the precoders: z_m[k](u) = Σ_n v_{m,n}(u) Φ_{m,n}[k] with
/// v_{m,n}(u) = exp(jπ n s_m(u)) (the array response at the UE) and the fixed basis
/// Φ_{m,n}[k] = exp(j2π d_m[k]/λ) exp(−jπ n s_m[k]) / √N (unit per-AP power). So every inner product the
/// costs need is a small quadratic form in v with a precomputed Gram matrix of Φ, and the cost of one
/// evaluation no longer grows with K. The power P only scales the model, and every profiled cost is invariant
/// to that scale, so the basis uses P = 1 W.
public struct DownlinkCostModel: Sendable {
    public let network: DownlinkNetwork
    public let `protocol`: DownlinkProtocol
    /// Basis Φ_{m,n}[k], index (m·N + n)·K + k.
    let basisRe: [Double], basisIm: [Double]
    /// P1: per-AP Gram Φ_mᴴ Φ_m, index m·N² + n·N + n′. P2: lower N × N blocks of Φᴴ Φ, block (m, m′ ≤ m) at
    /// (m(m+1)/2 + m′)·N², entry n·N + n′ = Φ_{m,n}ᴴ Φ_{m′,n′}.
    let gramRe: [Double], gramIm: [Double]

    public init(network: DownlinkNetwork, protocol: DownlinkProtocol) {
        self.network = network
        self.protocol = `protocol`
        let apCount = network.apCount, kCount = network.illuminationCount, n = network.antennaCount
        let columns = apCount * n
        var re = [Double](repeating: 0, count: columns * kCount)
        var im = [Double](repeating: 0, count: columns * kCount)
        let scale = 1 / Double(n).squareRoot()
        for m in 0..<apCount {
            for k in 0..<kCount {
                let focus = 2 * Double.pi * network.illuminationDistance[m * kCount + k] / network.wavelength
                let steer = Double.pi * network.illuminationSin[m * kCount + k]
                for a in 0..<n {
                    let phase = focus - Double(a) * steer
                    re[(m * n + a) * kCount + k] = Double.cos(phase) * scale
                    im[(m * n + a) * kCount + k] = Double.sin(phase) * scale
                }
            }
        }
        basisRe = re
        basisIm = im
        // Gram matrices: G[c, c′] = Σ_k conj(Φ_c[k]) Φ_c′[k].
        func gram(_ c: Int, _ c2: Int) -> (Double, Double) {
            var sRe = 0.0, sIm = 0.0
            for k in 0..<kCount {
                let aRe = re[c * kCount + k], aIm = im[c * kCount + k]
                let bRe = re[c2 * kCount + k], bIm = im[c2 * kCount + k]
                sRe += aRe * bRe + aIm * bIm
                sIm += aRe * bIm - aIm * bRe
            }
            return (sRe, sIm)
        }
        switch `protocol` {
        case .p1:
            var gRe = [Double](repeating: 0, count: apCount * n * n), gIm = gRe
            for m in 0..<apCount {
                for a in 0..<n {
                    for b in 0..<n {
                        let (x, y) = gram(m * n + a, m * n + b)
                        gRe[m * n * n + a * n + b] = x
                        gIm[m * n * n + a * n + b] = y
                    }
                }
            }
            gramRe = gRe; gramIm = gIm
        case .p2:
            // Lower blocks (i ≥ j) of Φᴴ Φ, each N × N row-major: block (i, j) at ((i(i+1)/2 + j)·N² .
            var gRe = [Double](repeating: 0, count: apCount * (apCount + 1) / 2 * n * n), gIm = gRe
            for i in 0..<apCount {
                for j in 0...i {
                    let block = (i * (i + 1) / 2 + j) * n * n
                    for a in 0..<n {
                        for b in 0..<n {
                            let (x, y) = gram(i * n + a, j * n + b)
                            gRe[block + a * n + b] = x; gIm[block + a * n + b] = y
                        }
                    }
                }
            }
            gramRe = gRe; gramIm = gIm
        }
    }

    /// Number of samples S of one snapshot.
    public var sampleCount: Int { DownlinkSignalModel.sampleCount(network: network, protocol: `protocol`) }
}

/// Value of one profiled ML cost at one candidate position.
public struct DownlinkCostValue: Sendable {
    /// Cost in W (|y|² units), ≥ 0 up to rounding.
    public var cost: Double
    /// Cost divided by ||y||² (dimensionless, in [0, 1]).
    public var normalised: Double
    /// Phase-offset estimate δ̂(u) ∈ (−π/2, π/2] (rad) for coherent costs, nil for non-coherent ones.
    public var phaseOffset: Double?
}

/// Evaluates the four profiled ML costs of docs/MODEL.md §DL.4 for one snapshot, in the form ||y||² minus a
/// non-negative term, without allocating. Holds scratch buffers: use one evaluator per thread.
public final class DownlinkCostEvaluator {
    public let model: DownlinkCostModel
    /// ||y||² (W), by a compensated sum.
    public let observationEnergy: Double
    /// Number of cost evaluations so far.
    public private(set) var evaluationCount = 0

    let apCount: Int, antennaCount: Int
    let twoPiOverLambda: Double
    // geometry per AP
    let apX: UnsafeMutablePointer<Double>, apY: UnsafeMutablePointer<Double>
    let cosO: UnsafeMutablePointer<Double>, sinO: UnsafeMutablePointer<Double>
    let arraySign: Double
    // Gram (see DownlinkCostModel) and projections c_{m,n} = Φ_{m,n}ᴴ y (P1: y_m; P2: y), index m·N + n
    let gramRe: UnsafeMutablePointer<Double>, gramIm: UnsafeMutablePointer<Double>
    let projRe: UnsafeMutablePointer<Double>, projIm: UnsafeMutablePointer<Double>
    // scratch
    let vRe: UnsafeMutablePointer<Double>, vIm: UnsafeMutablePointer<Double>        // M·N
    let bRe: UnsafeMutablePointer<Double>, bIm: UnsafeMutablePointer<Double>        // M
    let rhoRe: UnsafeMutablePointer<Double>, rhoIm: UnsafeMutablePointer<Double>    // M (padded to 4)
    let arrayCos: UnsafeMutablePointer<Double>, arraySin: UnsafeMutablePointer<Double>  // exp(jπ s_m), M (padded to 4)
    let energy: UnsafeMutablePointer<Double>                                         // M (P1: ||z_m||²)
    let matRe: UnsafeMutablePointer<Double>, matIm: UnsafeMutablePointer<Double>    // M·M (packed: column-major, ld)
    let gramCount: Int
    /// P2 with N = 4: Gram blocks packed per four column APs (`D4` lanes), the array response in structure of
    /// arrays over APs, and a column-major matrix (entry (i, j) at j·ld + i) for the lane-wise Cholesky.
    let packed: Bool
    let ld: Int
    let rowStart: UnsafeMutablePointer<Int>
    let gramPacked: UnsafeMutablePointer<Double>
    // [a·laneStride + m], a = 1..3 (laneStride = M rounded up to 4; lanes m ≥ M stay zero); a = 0 (v = 1, unused) is
    // the staging row of the packed fill
    let laneStride: Int
    let laneVRe: UnsafeMutablePointer<Double>, laneVIm: UnsafeMutablePointer<Double>

    /// - Parameters:
    ///   - model: the network and protocol.
    ///   - samples: the snapshot y (√W): P1 an M × K array (index m·K + k, row m = AP m), P2 K samples.
    public convenience init(model: DownlinkCostModel, samples: [Complex<Double>]) throws(DownlinkError) {
        try self.init(model: model, samples: samples, vectorised: Self.vectorisedByDefault)
    }

    /// Whether evaluators use the four-lane (`D4`) P2 path by default: in optimised builds only. Both paths give the
    /// same results bit for bit (tested); unoptimised builds run SIMD types through unspecialised generic code, several
    /// times slower than the scalar path.
    #if DEBUG
    public static let vectorisedByDefault = false
    #else
    public static let vectorisedByDefault = true
    #endif

    /// - Parameter vectorised: P2 with N = 4 antennas: fill the Gram matrix, factorise it and solve four APs (rows) at
    ///   a time (`D4` lanes, column-major storage); the same arithmetic per entry as the scalar path.
    public init(model: DownlinkCostModel, samples: [Complex<Double>], vectorised: Bool) throws(DownlinkError) {
        guard samples.count == model.sampleCount else {
            throw .sampleCountMismatch(expected: model.sampleCount, got: samples.count)
        }
        self.model = model
        let network = model.network
        apCount = network.apCount
        antennaCount = network.antennaCount
        twoPiOverLambda = 2 * Double.pi / network.wavelength
        arraySign = network.arraySign
        func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        // per-AP arrays padded to a multiple of 4 for the four-lane geometry in `prepare` (padding lanes are ignored)
        let paddedAPs = (apCount + 3) / 4 * 4
        apX = allocate(paddedAPs); apY = allocate(paddedAPs); cosO = allocate(paddedAPs); sinO = allocate(paddedAPs)
        arrayCos = allocate(paddedAPs); arraySin = allocate(paddedAPs)
        for m in 0..<apCount {
            apX[m] = network.apX[m]; apY[m] = network.apY[m]
            cosO[m] = network.apOrientationCos[m]; sinO[m] = network.apOrientationSin[m]
        }
        gramCount = model.gramRe.count
        gramRe = allocate(gramCount); gramIm = allocate(gramCount)
        for i in 0..<gramCount { gramRe[i] = model.gramRe[i]; gramIm[i] = model.gramIm[i] }
        let columns = apCount * antennaCount
        projRe = allocate(columns); projIm = allocate(columns)
        vRe = allocate(columns); vIm = allocate(columns)
        bRe = allocate(apCount); bIm = allocate(apCount)
        rhoRe = allocate(paddedAPs); rhoIm = allocate(paddedAPs)
        energy = allocate(apCount)
        packed = vectorised && model.protocol == .p2 && antennaCount == 4
        ld = paddedAPs
        matRe = allocate(ld * apCount); matIm = allocate(ld * apCount)
        // Packed Gram: lane quad q = (row AP i, column APs j ..< j + 4), slots of row i start at rowStart[i] (a multiple
        // of 4); entry e of the N × N block at [128q + 8e + lane] (re) and [128q + 8e + 4 + lane] (im). Padding lanes
        // are zero.
        rowStart = UnsafeMutablePointer<Int>.allocate(capacity: apCount + 1)
        var slots = 0
        for i in 0..<apCount { rowStart[i] = slots; slots += (i + 4) / 4 * 4 }
        rowStart[apCount] = slots
        gramPacked = allocate(packed ? slots * 32 : 0)
        laneStride = paddedAPs
        laneVRe = allocate(packed ? 4 * laneStride : 0); laneVIm = allocate(packed ? 4 * laneStride : 0)
        if packed {
            for i in 0..<apCount {
                for j in 0...i {
                    let block = (i * (i + 1) / 2 + j) * 16, slot = rowStart[i] + j
                    for e in 0..<16 {
                        gramPacked[slot / 4 * 128 + 8 * e + slot % 4] = model.gramRe[block + e]
                        gramPacked[slot / 4 * 128 + 8 * e + 4 + slot % 4] = model.gramIm[block + e]
                    }
                }
            }
        }

        var norm = CompensatedSum()
        for s in samples { norm.add(s.real * s.real); norm.add(s.imaginary * s.imaginary) }
        observationEnergy = norm.value

        let kCount = network.illuminationCount
        for m in 0..<apCount {
            for a in 0..<antennaCount {
                let c = m * antennaCount + a
                var sRe = 0.0, sIm = 0.0
                for k in 0..<kCount {
                    let y = model.protocol == .p1 ? samples[m * kCount + k] : samples[k]
                    let pRe = model.basisRe[c * kCount + k], pIm = model.basisIm[c * kCount + k]
                    sRe += pRe * y.real + pIm * y.imaginary
                    sIm += pRe * y.imaginary - pIm * y.real
                }
                projRe[c] = sRe; projIm[c] = sIm
            }
        }
    }

    /// Convenience: builds the model too.
    public convenience init(network: DownlinkNetwork, protocol: DownlinkProtocol, samples: [Complex<Double>]) throws(DownlinkError) {
        try self.init(model: DownlinkCostModel(network: network, protocol: `protocol`), samples: samples)
    }

    deinit {
        for p in [apX, apY, cosO, sinO, arrayCos, arraySin, gramRe, gramIm, projRe, projIm, vRe, vIm, bRe, bIm, rhoRe, rhoIm, energy, matRe, matIm,
                  gramPacked, laneVRe, laneVIm] {
            p.deallocate()
        }
        rowStart.deallocate()
    }

    /// The cost of `processing` at candidate position `u` (m).
    public func evaluate(_ processing: DownlinkProcessing, at u: Point2) -> DownlinkCostValue {
        evaluationCount += 1
        prepare(at: u, coherent: processing == .coherent)
        var subtracted = 0.0
        var phase: Double? = nil
        switch (model.protocol, processing) {
        case (.p1, .nonCoherent):
            var sum = CompensatedSum()
            for m in 0..<apCount { sum.add((bRe[m] * bRe[m] + bIm[m] * bIm[m]) / energy[m]) }
            subtracted = sum.value
        case (.p1, .coherent):
            // a_m = ρ_m b_m; S = Σ a_m²/e_m; C = ||y||² − Σ|a_m|²/(2e_m) − |S|/2.
            var sum = CompensatedSum()
            var sRe = 0.0, sIm = 0.0
            for m in 0..<apCount {
                let aRe = rhoRe[m] * bRe[m] - rhoIm[m] * bIm[m]
                let aIm = rhoRe[m] * bIm[m] + rhoIm[m] * bRe[m]
                let inverse = 1 / energy[m]
                sum.add(0.5 * (aRe * aRe + aIm * aIm) * inverse)
                sRe += (aRe * aRe - aIm * aIm) * inverse
                sIm += 2 * aRe * aIm * inverse
            }
            sum.add(0.5 * Double.hypot(sRe, sIm))
            subtracted = sum.value
            phase = 0.5 * Double.atan2(y: sIm, x: sRe)
        case (.p2, .nonCoherent):
            if packed {
                fillNonCoherentGramPacked()
                SmallLinearAlgebra.hermitianCholeskyDroppingDependent(columnMajorRe: matRe, matIm, n: apCount, ld: ld)
                SmallLinearAlgebra.complexForwardSolve(columnMajorRe: matRe, matIm, n: apCount, ld: ld, bRe, bIm)
            } else {
                fillNonCoherentGram()
                SmallLinearAlgebra.hermitianCholeskyDroppingDependent(matRe, matIm, n: apCount)
                SmallLinearAlgebra.complexForwardSolve(matRe, matIm, n: apCount, bRe, bIm)
            }
            var sum = CompensatedSum()
            for m in 0..<apCount { sum.add(bRe[m] * bRe[m] + bIm[m] * bIm[m]) }
            subtracted = sum.value
        case (.p2, .coherent):
            if packed { fillNonCoherentGramPacked() } else { fillNonCoherentGram() }
            // R_ij = Re{ρ_i conj(ρ_j) A_ij} (lower triangle), b̃_i = ρ_i b_i.
            for i in 0..<apCount {
                if packed {
                    // column-major: column i (rows r ≥ i) is contiguous, four rows at a time; the same arithmetic per
                    // entry as below (with the roles of the indices swapped: entry (r, i), r ≥ i)
                    let rj = rhoRe[i], qj = rhoIm[i], column = i * ld
                    @inline(__always) func entry(_ r: Int) {
                        let pRe = rhoRe[r] * rj + rhoIm[r] * qj
                        let pIm = rhoIm[r] * rj - rhoRe[r] * qj
                        matRe[column + r] = pRe * matRe[column + r] - pIm * matIm[column + r]
                    }
                    var r = i
                    while r < apCount && r % 4 != 0 { entry(r); r += 1 }
                    let rjV = D4(rj), qjV = D4(qj)
                    while r + 4 <= apCount {
                        let rr = D4.load(rhoRe + r), qr = D4.load(rhoIm + r)
                        let pRe = rr * rjV + qr * qjV, pIm = qr * rjV - rr * qjV
                        (pRe * D4.load(matRe + column + r) - pIm * D4.load(matIm + column + r)).store(matRe + column + r)
                        r += 4
                    }
                    while r < apCount { entry(r); r += 1 }
                } else {
                    for j in 0...i {
                        let pRe = rhoRe[i] * rhoRe[j] + rhoIm[i] * rhoIm[j]
                        let pIm = rhoIm[i] * rhoRe[j] - rhoRe[i] * rhoIm[j]
                        matRe[i * apCount + j] = pRe * matRe[i * apCount + j] - pIm * matIm[i * apCount + j]
                    }
                }
                let re = rhoRe[i] * bRe[i] - rhoIm[i] * bIm[i]
                let im = rhoRe[i] * bIm[i] + rhoIm[i] * bRe[i]
                bRe[i] = re; bIm[i] = im
            }
            if packed {
                SmallLinearAlgebra.choleskyDroppingDependent(columnMajor: matRe, n: apCount, ld: ld)
                SmallLinearAlgebra.forwardSolve(columnMajor: matRe, n: apCount, ld: ld, bRe, bIm)
            } else {
                SmallLinearAlgebra.choleskyDroppingDependent(matRe, n: apCount)
                SmallLinearAlgebra.forwardSolve(matRe, n: apCount, bRe, bIm)
            }
            // q1 = Σ|w|², q2 = Σ w²; C = ||y||² − q1/2 − |q2|/2.
            var sum = CompensatedSum()
            var q2Re = 0.0, q2Im = 0.0
            for m in 0..<apCount {
                sum.add(0.5 * (bRe[m] * bRe[m] + bIm[m] * bIm[m]))
                q2Re += bRe[m] * bRe[m] - bIm[m] * bIm[m]
                q2Im += 2 * bRe[m] * bIm[m]
            }
            sum.add(0.5 * Double.hypot(q2Re, q2Im))
            subtracted = sum.value
            phase = 0.5 * Double.atan2(y: q2Im, x: q2Re)
        }
        let cost = observationEnergy - subtracted
        return DownlinkCostValue(cost: cost, normalised: cost / observationEnergy, phaseOffset: phase)
    }

    /// Normalised cost C(u)/||y||²: the estimator's objective.
    @inlinable
    public func normalisedCost(_ processing: DownlinkProcessing, at u: Point2) -> Double {
        evaluate(processing, at: u).normalised
    }

    /// Per AP: the UE's array response v_{m,n}, b_m = Σ_n conj(v_{m,n}) c_{m,n} (= z_mᴴ y), for P1 e_m = ||z_m||²,
    /// and for coherent costs ρ_m = exp(j2π d_m/λ).
    @inline(__always)
    func prepare(at u: Point2, coherent: Bool) {
        let n = antennaCount
        // distance, array phasor exp(jπ s_m) and carrier phasor of four APs at a time (`cosSin4`: the scalar
        // `cosSin` bit for bit; the geometry has the scalar expressions' operations and order)
        let halfTurns = D4(Double.pi), waveNumber = D4(twoPiOverLambda)
        var quad = 0
        while quad < apCount {
            let geometry = APGeometry4(user: u, apX: apX + quad, apY: apY + quad, orientationCos: cosO + quad,
                                       orientationSin: sinO + quad, arraySign: arraySign)
            let (c, s) = cosSin4(halfTurns * geometry.sine)
            c.store(arrayCos + quad); s.store(arraySin + quad)
            if coherent {
                let (rc, rs) = cosSin4(waveNumber * geometry.distance)
                rc.store(rhoRe + quad); rs.store(rhoIm + quad)
            }
            quad += 4
        }
        for m in 0..<apCount {
            let wRe = arrayCos[m], wIm = arraySin[m]
            let v0 = m * n
            var pRe = 1.0, pIm = 0.0
            var sRe = 0.0, sIm = 0.0
            for a in 0..<n {
                vRe[v0 + a] = pRe; vIm[v0 + a] = pIm
                // conj(v) c
                let cRe = projRe[v0 + a], cIm = projIm[v0 + a]
                sRe += pRe * cRe + pIm * cIm
                sIm += pRe * cIm - pIm * cRe
                let t = pRe * wRe - pIm * wIm
                pIm = pRe * wIm + pIm * wRe
                pRe = t
            }
            bRe[m] = sRe; bIm[m] = sIm
            if packed {
                let stride = laneStride
                for a in 1..<4 { laneVRe[a * stride + m] = vRe[v0 + a]; laneVIm[a * stride + m] = vIm[v0 + a] }
            }
            if model.protocol == .p1 {
                // e_m = Re Σ_{a,b} conj(v_a) G_ab v_b
                let g0 = m * n * n
                var e = 0.0
                for a in 0..<n {
                    var tRe = 0.0, tIm = 0.0
                    for b in 0..<n {
                        let gRe = gramRe[g0 + a * n + b], gIm = gramIm[g0 + a * n + b]
                        tRe += gRe * vRe[v0 + b] - gIm * vIm[v0 + b]
                        tIm += gRe * vIm[v0 + b] + gIm * vRe[v0 + b]
                    }
                    e += vRe[v0 + a] * tRe + vIm[v0 + a] * tIm
                }
                energy[m] = e
            }
        }
    }

    /// P2: lower triangle of A = Zᴴ Z, A_ij = Σ_{a,b} conj(v_{i,a}) H_ij[a,b] v_{j,b}, into (matRe, matIm).
    @inline(__always)
    func fillNonCoherentGram() {
        let n = antennaCount
        if n == 4 { fillNonCoherentGram4(); return }
        for i in 0..<apCount {
            for j in 0...i {
                let block = (i * (i + 1) / 2 + j) * n * n
                var sRe = 0.0, sIm = 0.0
                for a in 0..<n {
                    var tRe = 0.0, tIm = 0.0
                    for b in 0..<n {
                        let gRe = gramRe[block + a * n + b], gIm = gramIm[block + a * n + b]
                        let xr = vRe[j * n + b], xi = vIm[j * n + b]
                        tRe += gRe * xr - gIm * xi
                        tIm += gRe * xi + gIm * xr
                    }
                    let ur = vRe[i * n + a], ui = vIm[i * n + a]
                    sRe += ur * tRe + ui * tIm
                    sIm += ur * tIm - ui * tRe
                }
                matRe[i * apCount + j] = sRe
                matIm[i * apCount + j] = sIm
            }
        }
    }

    /// `fillNonCoherentGram4` for four column APs j at a time (`D4` lanes over the packed Gram blocks), into the
    /// column-major matrix: every entry gets the same operations in the same order, so A is the same bit for bit.
    @inline(__always)
    func fillNonCoherentGramPacked() {
        // locals: stores through raw pointers could alias the class's stored properties, which would be reloaded
        let apCount = self.apCount, ld = self.ld, stride = laneStride
        let vRe = self.vRe, vIm = self.vIm, laneVRe = self.laneVRe, laneVIm = self.laneVIm
        let gramPacked = self.gramPacked, rowStart = self.rowStart, matRe = self.matRe, matIm = self.matIm
        let rowRe = laneVRe, rowIm = laneVIm                 // row i of A staged in lane 0 of the v arrays
        for i in 0..<apCount {
            let vi = i * 4
            let u1r = D4(vRe[vi + 1]), u1i = D4(vIm[vi + 1])
            let u2r = D4(vRe[vi + 2]), u2i = D4(vIm[vi + 2])
            let u3r = D4(vRe[vi + 3]), u3i = D4(vIm[vi + 3])
            let lanes = (i + 4) / 4 * 4
            var j = 0
            while j < lanes {
                let g = gramPacked + (rowStart[i] + j) * 32
                let x1r = D4.load(laneVRe + stride + j), x1i = D4.load(laneVIm + stride + j)
                let x2r = D4.load(laneVRe + 2 * stride + j), x2i = D4.load(laneVIm + 2 * stride + j)
                let x3r = D4.load(laneVRe + 3 * stride + j), x3i = D4.load(laneVIm + 3 * stride + j)
                @inline(__always) func row(_ o: Int) -> (D4, D4) {
                    let e = 8 * o
                    var tRe = D4.load(g + e), tIm = D4.load(g + e + 4)
                    let g1r = D4.load(g + e + 8), g1i = D4.load(g + e + 12)
                    tRe += g1r * x1r - g1i * x1i; tIm += g1r * x1i + g1i * x1r
                    let g2r = D4.load(g + e + 16), g2i = D4.load(g + e + 20)
                    tRe += g2r * x2r - g2i * x2i; tIm += g2r * x2i + g2i * x2r
                    let g3r = D4.load(g + e + 24), g3i = D4.load(g + e + 28)
                    tRe += g3r * x3r - g3i * x3i; tIm += g3r * x3i + g3i * x3r
                    return (tRe, tIm)
                }
                var (sRe, sIm) = row(0)
                let (t1r, t1i) = row(4)
                sRe += u1r * t1r + u1i * t1i; sIm += u1r * t1i - u1i * t1r
                let (t2r, t2i) = row(8)
                sRe += u2r * t2r + u2i * t2i; sIm += u2r * t2i - u2i * t2r
                let (t3r, t3i) = row(12)
                sRe += u3r * t3r + u3i * t3i; sIm += u3r * t3i - u3i * t3r
                sRe.store(rowRe + j)
                sIm.store(rowIm + j)
                j += 4
            }
            for j in 0...i { matRe[j * ld + i] = rowRe[j]; matIm[j * ld + i] = rowIm[j] }
        }
    }

    /// `fillNonCoherentGram` unrolled for N = 4 antennas, using v_{m,0} = 1 (the array's reference element) to skip
    /// the trivial products.
    @inline(__always)
    func fillNonCoherentGram4() {
        for i in 0..<apCount {
            let vi = i * 4
            let u1r = vRe[vi + 1], u1i = vIm[vi + 1]
            let u2r = vRe[vi + 2], u2i = vIm[vi + 2], u3r = vRe[vi + 3], u3i = vIm[vi + 3]
            let rowBase = i * (i + 1) / 2
            for j in 0...i {
                let vj = j * 4
                let x1r = vRe[vj + 1], x1i = vIm[vj + 1]
                let x2r = vRe[vj + 2], x2i = vIm[vj + 2], x3r = vRe[vj + 3], x3i = vIm[vj + 3]
                let hr = gramRe + (rowBase + j) * 16, hi = gramIm + (rowBase + j) * 16
                @inline(__always) func row(_ o: Int) -> (Double, Double) {
                    var tRe = hr[o], tIm = hi[o]
                    tRe += hr[o + 1] * x1r - hi[o + 1] * x1i; tIm += hr[o + 1] * x1i + hi[o + 1] * x1r
                    tRe += hr[o + 2] * x2r - hi[o + 2] * x2i; tIm += hr[o + 2] * x2i + hi[o + 2] * x2r
                    tRe += hr[o + 3] * x3r - hi[o + 3] * x3i; tIm += hr[o + 3] * x3i + hi[o + 3] * x3r
                    return (tRe, tIm)
                }
                var (sRe, sIm) = row(0)
                let (t1r, t1i) = row(4)
                sRe += u1r * t1r + u1i * t1i; sIm += u1r * t1i - u1i * t1r
                let (t2r, t2i) = row(8)
                sRe += u2r * t2r + u2i * t2i; sIm += u2r * t2i - u2i * t2r
                let (t3r, t3i) = row(12)
                sRe += u3r * t3r + u3i * t3i; sIm += u3r * t3i - u3i * t3r
                matRe[i * apCount + j] = sRe
                matIm[i * apCount + j] = sIm
            }
        }
    }
}
