// Fisher: Fisher information and position error bound (PEB) for coherent and non-coherent processing (docs/MODEL.md §DL.6).
import ComplexModule
import RealModule

/// How the channel amplitudes enter the Fisher information.
public enum AmplitudeModel: String, Sendable, CaseIterable {
    /// α_m (coherent) or β_m (non-coherent) are free nuisance parameters (default).
    case free
    /// α_m = λ/(4π d_m(u)) is a known function of u (docs/MODEL.md §DL.6 option `alpha=structured`).
    case structured
}

/// Everything a Fisher information / PEB evaluation needs.
public struct FisherSetup: Sendable {
    public var network: DownlinkNetwork
    public var `protocol`: DownlinkProtocol
    public var processing: DownlinkProcessing
    /// UE position u (m).
    public var user: Point2
    /// Phase offset δφ (rad).
    public var phaseOffset: Double
    /// Per-AP transmit power P (W).
    public var perAPPower: Double
    /// Noise variance σ² (W).
    public var noiseVariance: Double
    public var amplitudeModel: AmplitudeModel

    public init(network: DownlinkNetwork, protocol: DownlinkProtocol, processing: DownlinkProcessing,
                user: Point2 = DownlinkConstants.userPosition, phaseOffset: Double = DownlinkConstants.phaseOffset,
                perAPPower: Double, noiseVariance: Double = DownlinkConstants.noiseVariance,
                amplitudeModel: AmplitudeModel = .free) {
        self.network = network
        self.protocol = `protocol`
        self.processing = processing
        self.user = user
        self.phaseOffset = phaseOffset
        self.perAPPower = perAPPower
        self.noiseVariance = noiseVariance
        self.amplitudeModel = amplitudeModel
    }

    /// Number of real parameters: coherent free M + 3 (u, δφ, α), structured 3 (u, δφ); non-coherent free
    /// 2M + 2 (u, Re β, Im β per AP), structured M + 2 (u, φ per AP).
    public var parameterCount: Int {
        Self.parameterCount(apCount: network.apCount, processing: processing, amplitudeModel: amplitudeModel)
    }

    /// `parameterCount` for M = `apCount` APs.
    static func parameterCount(apCount m: Int, processing: DownlinkProcessing, amplitudeModel: AmplitudeModel) -> Int {
        switch (processing, amplitudeModel) {
        case (.coherent, .free): return m + 3
        case (.coherent, .structured): return 3
        case (.nonCoherent, .free): return 2 * m + 2
        case (.nonCoherent, .structured): return m + 2
        }
    }
}

/// Result of a PEB evaluation.
public struct PositionErrorBound: Sendable {
    /// PEB = √([F⁻¹]₁₁ + [F⁻¹]₂₂) (m); +∞ if the Fisher information is singular.
    public var value: Double
    /// True if declared singular (σ_min < 1e−12 σ_max of the equilibrated matrix).
    public var isSingular: Bool { value.isInfinite }

    /// Where the condition number comes from: known, or recomputed on request from the Fisher information.
    enum Diagnostics: Sendable {
        case known(Double)
        case fisher([Double], dimension: Int)
        case setup(FisherSetup)
    }
    let diagnostics: Diagnostics

    init(value: Double, diagnostics: Diagnostics) {
        self.value = value
        self.diagnostics = diagnostics
    }

    /// σ_max/σ_min of the equilibrated Fisher information (+∞ if singular). A diagnostic: unless the PEB was decided
    /// by the eigenvalues, it is recomputed by the eigenvalue routine on every access (O(p³)).
    public var conditionNumber: Double {
        guard value.isFinite else { return .infinity }
        switch diagnostics {
        case .known(let value): return value
        case .fisher(let fisher, let dimension): return DownlinkFisher.conditionNumber(fisher: fisher, dimension: dimension)
        case .setup(let setup):
            return DownlinkFisher.conditionNumber(fisher: DownlinkFisher.information(setup), dimension: setup.parameterCount)
        }
    }
}

public enum DownlinkFisher {
    /// Relative smallest singular value below which the equilibrated Fisher information is declared singular.
    public static let singularityThreshold = 1e-12

    /// Fisher information F = (2/σ²) Re{Jᴴ J} (row-major p × p, p = `setup.parameterCount`), parameters ordered as
    /// in `FisherSetup.parameterCount` with u_x, u_y first. Units follow the parameters (m⁻², rad⁻², …).
    /// Real arithmetic on (re, im) pairs throughout; P1 rows touch only their AP's nuisance columns.
    public static func information(_ setup: FisherSetup) -> [Double] {
        let network = setup.network
        let apCount = network.apCount, kCount = network.illuminationCount, n = network.antennaCount
        let p = setup.parameterCount
        let lambda = network.wavelength
        let amplitude = (setup.perAPPower / Double(n)).squareRoot()
        let rotRe = Double.cos(setup.phaseOffset), rotIm = Double.sin(setup.phaseOffset)
        let coherent = setup.processing == .coherent
        let structured = setup.amplitudeModel == .structured
        let isP1 = setup.protocol == .p1
        var fisher = [Double](repeating: 0, count: p * p)
        // One row of J at a time (P2 sums the APs' contributions into one row per pulse).
        var rowRe = [Double](repeating: 0, count: p), rowIm = [Double](repeating: 0, count: p)
        var active = [Int](repeating: 0, count: p)
        var activeCount = 0

        // Per-AP geometry at u.
        var gradDx = [Double](repeating: 0, count: apCount), gradDy = gradDx
        var gradSx = gradDx, gradSy = gradDx, alpha = gradDx, gradAx = gradDx, gradAy = gradDx
        var rhoRe = gradDx, rhoIm = gradDx     // ρ* = exp(−j2π d/λ)
        var uRe = gradDx, uIm = gradDx         // exp(jπ s_m(u))
        for m in 0..<apCount {
            let g = network.geometry(ap: m, point: setup.user)
            let d = g.distance
            gradDx[m] = g.dx / d; gradDy[m] = g.dy / d
            let sineScale = network.arraySign * g.cosine / (d * d)
            gradSx[m] = -g.dy * sineScale; gradSy[m] = g.dx * sineScale
            alpha[m] = lambda / (4 * Double.pi * d)
            gradAx[m] = -alpha[m] * g.dx / (d * d); gradAy[m] = -alpha[m] * g.dy / (d * d)
            let phase = 2 * Double.pi * d / lambda
            rhoRe[m] = Double.cos(phase); rhoIm[m] = -Double.sin(phase)
            uRe[m] = Double.cos(Double.pi * g.sine); uIm[m] = Double.sin(Double.pi * g.sine)
        }
        if !isP1 { activeCount = p; for i in 0..<p { active[i] = i } }

        for k in 0..<kCount {
            for m in 0..<apCount {
                if isP1 {
                    active[0] = 0; active[1] = 1
                    switch (coherent, structured) {
                    case (true, false): active[2] = 2; active[3] = 3 + m; activeCount = 4
                    case (true, true): active[2] = 2; activeCount = 3
                    case (false, false): active[2] = 2 + 2 * m; active[3] = 3 + 2 * m; activeCount = 4
                    case (false, true): active[2] = 2 + m; activeCount = 3
                    }
                }
                // G(D), G'(D) with D = s_m − s_m[k]: w = e^{jπ s_m} · e^{−jπ s_m[k]} (precomputed phasors)
                let mk = m * kCount + k
                let wRe = uRe[m] * network.steerRe[mk] - uIm[m] * network.steerIm[mk]
                let wIm = uRe[m] * network.steerIm[mk] + uIm[m] * network.steerRe[mk]
                var powRe = 1.0, powIm = 0.0, gRe = 0.0, gIm = 0.0, dgRe = 0.0, dgIm = 0.0
                for a in 0..<n {
                    gRe += powRe; gIm += powIm
                    let f = Double.pi * Double(a)       // jπa · w^a
                    dgRe -= f * powIm; dgIm += f * powRe
                    let t = powRe * wRe - powIm * wIm
                    powIm = powRe * wIm + powIm * wRe
                    powRe = t
                }
                // ψ = √(P/N) exp(j2π d_m[k]/λ); z = ψ G; G'ψ
                let psiRe = network.focusRe[mk] * amplitude, psiIm = network.focusIm[mk] * amplitude
                let zRe = psiRe * gRe - psiIm * gIm, zIm = psiRe * gIm + psiIm * gRe
                let pdRe = psiRe * dgRe - psiIm * dgIm, pdIm = psiRe * dgIm + psiIm * dgRe
                if coherent {
                    // e^{jδ} ρ* (common factor c) ; x = ρ* z ; ∇x = ρ* [−j(2π/λ) z ∇d + ψG' ∇s]
                    let cRe = rotRe * rhoRe[m] - rotIm * rhoIm[m], cIm = rotRe * rhoIm[m] + rotIm * rhoRe[m]
                    let kz = 2 * Double.pi / lambda
                    // inner_i = −j kz z ∇d_i + ψG' ∇s_i  (i = x, y)
                    let innerXRe = kz * zIm * gradDx[m] + pdRe * gradSx[m], innerXIm = -kz * zRe * gradDx[m] + pdIm * gradSx[m]
                    let innerYRe = kz * zIm * gradDy[m] + pdRe * gradSy[m], innerYIm = -kz * zRe * gradDy[m] + pdIm * gradSy[m]
                    // e^{jδ} x = c z ; μ = α c z
                    let exRe = cRe * zRe - cIm * zIm, exIm = cRe * zIm + cIm * zRe
                    var duxRe = alpha[m] * (cRe * innerXRe - cIm * innerXIm), duxIm = alpha[m] * (cRe * innerXIm + cIm * innerXRe)
                    var duyRe = alpha[m] * (cRe * innerYRe - cIm * innerYIm), duyIm = alpha[m] * (cRe * innerYIm + cIm * innerYRe)
                    if structured {
                        duxRe += exRe * gradAx[m]; duxIm += exIm * gradAx[m]
                        duyRe += exRe * gradAy[m]; duyIm += exIm * gradAy[m]
                    }
                    rowRe[0] += duxRe; rowIm[0] += duxIm
                    rowRe[1] += duyRe; rowIm[1] += duyIm
                    rowRe[2] -= alpha[m] * exIm; rowIm[2] += alpha[m] * exRe      // jμ
                    if !structured { rowRe[3 + m] += exRe; rowIm[3 + m] += exIm }
                } else {
                    // e^{jφ_m} = e^{jδ} ρ*; β = α e^{jφ}; ∂μ/∂u = β ψG' ∇s (+ e^{jφ} z ∇α)
                    let eRe = rotRe * rhoRe[m] - rotIm * rhoIm[m], eIm = rotRe * rhoIm[m] + rotIm * rhoRe[m]
                    let bRe = alpha[m] * eRe, bIm = alpha[m] * eIm
                    let bpRe = bRe * pdRe - bIm * pdIm, bpIm = bRe * pdIm + bIm * pdRe
                    var duxRe = bpRe * gradSx[m], duxIm = bpIm * gradSx[m]
                    var duyRe = bpRe * gradSy[m], duyIm = bpIm * gradSy[m]
                    if structured {
                        let ezRe = eRe * zRe - eIm * zIm, ezIm = eRe * zIm + eIm * zRe
                        duxRe += ezRe * gradAx[m]; duxIm += ezIm * gradAx[m]
                        duyRe += ezRe * gradAy[m]; duyIm += ezIm * gradAy[m]
                        // ∂μ/∂φ_m = jμ = j α e^{jφ} z
                        let muRe = alpha[m] * ezRe, muIm = alpha[m] * ezIm
                        rowRe[2 + m] -= muIm; rowIm[2 + m] += muRe
                    } else {
                        rowRe[2 + 2 * m] += zRe; rowIm[2 + 2 * m] += zIm       // ∂/∂Re β = z
                        rowRe[3 + 2 * m] -= zIm; rowIm[3 + 2 * m] += zRe       // ∂/∂Im β = j z
                    }
                    rowRe[0] += duxRe; rowIm[0] += duxIm
                    rowRe[1] += duyRe; rowIm[1] += duyIm
                }
                if isP1 { accumulate(&fisher, p, &rowRe, &rowIm, active, activeCount) }
            }
            if !isP1 { accumulate(&fisher, p, &rowRe, &rowIm, active, activeCount) }
        }
        // scale, and mirror the upper triangle
        let scale = 2 / setup.noiseVariance
        for a in 0..<p {
            for b in a..<p {
                let value = fisher[a * p + b] * scale
                fisher[a * p + b] = value
                fisher[b * p + a] = value
            }
        }
        return fisher
    }

    /// F += Re{conj(J_row)ᵀ J_row} over the active columns (ascending), upper triangle only; clears the row.
    @inline(__always)
    static func accumulate(_ fisher: inout [Double], _ p: Int, _ rowRe: inout [Double], _ rowIm: inout [Double],
                           _ active: [Int], _ count: Int) {
        if count == p {
            for a in 0..<p {
                let aRe = rowRe[a], aIm = rowIm[a]
                let base = a * p
                for b in a..<p { fisher[base + b] += aRe * rowRe[b] + aIm * rowIm[b] }
            }
            for a in 0..<p { rowRe[a] = 0; rowIm[a] = 0 }
            return
        }
        for i in 0..<count {
            let a = active[i]
            let aRe = rowRe[a], aIm = rowIm[a]
            for j in i..<count {
                let b = active[j]
                fisher[a * p + b] += aRe * rowRe[b] + aIm * rowIm[b]
            }
        }
        for i in 0..<count { rowRe[active[i]] = 0; rowIm[active[i]] = 0 }
    }

    /// PEB from a Fisher information matrix (row-major p × p, the lower triangle is read) with the position
    /// parameters first. The position block of F⁻¹ is the inverse of the Schur complement of the nuisance block,
    /// computed by a Cholesky factorisation of the equilibrated matrix F_s = D^{−1/2} F D^{−1/2}; singularity
    /// (σ_min(F_s) < 1e−12 σ_max(F_s)) is decided from that factorisation where it is conclusive and otherwise by
    /// the eigenvalues, exactly as `referencePositionErrorBound` (see `PositionErrorBoundEvaluator`).
    public static func positionErrorBound(fisher: [Double], dimension p: Int) -> PositionErrorBound {
        precondition(p >= 2 && fisher.count >= p * p, "the Fisher information must be p × p with p ≥ 2")
        let n = p - 2
        let solver = PositionSchurSolver(tailCapacity: n, diagonalCapacity: 0, parameterCount: p)
        solver.headXX = fisher[0]; solver.headXY = fisher[p]; solver.headYY = fisher[p + 1]
        solver.begin(tailCount: n)
        let a = solver.matrixRe, ld = solver.rows
        for c in 0..<n {
            for r in c..<n { a[c * ld + r] = fisher[(r + 2) * p + c + 2] }
            a[c * ld + n] = fisher[(c + 2) * p]; a[c * ld + n + 1] = fisher[(c + 2) * p + 1]
        }
        switch solver.solveRealTail() {
        case .regular(let bound2):
            return PositionErrorBound(value: bound2.squareRoot(), diagnostics: .fisher(fisher, dimension: p))
        case .singular:
            return PositionErrorBound(value: .infinity, diagnostics: .known(.infinity))
        case .inconclusive:
            return referencePositionErrorBound(fisher: fisher, dimension: p)
        }
    }

    /// The straightforward reference: equilibrate F_s = D^{−1/2} F D^{−1/2}, declare +∞ if σ_min(F_s) < 1e−12 σ_max(F_s)
    /// (all eigenvalues by Householder tridiagonalisation and QL), else invert by Cholesky and unscale. O(p³) with a
    /// large constant; used where the fast singularity test is inconclusive, and by tests.
    public static func referencePositionErrorBound(fisher: [Double], dimension p: Int) -> PositionErrorBound {
        let singular = PositionErrorBound(value: .infinity, diagnostics: .known(.infinity))
        guard let (scaled, inverseRoot) = equilibrated(fisher, p) else { return singular }
        guard let eigenvalues = SmallLinearAlgebra.symmetricEigenvalues(scaled, n: p) else { return singular }
        let magnitudes = eigenvalues.map { abs($0) }
        let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
        guard smallest >= singularityThreshold * largest, smallest > 0 else { return singular }
        var work = [Double](repeating: 0, count: p)
        var factor = scaled
        let diagonal: [Double]? = factor.withUnsafeMutableBufferPointer { a in
            work.withUnsafeMutableBufferPointer { w in
                SmallLinearAlgebra.inverseDiagonal(a.baseAddress!, n: p, indices: [0, 1], work: w.baseAddress!)
            }
        }
        guard let diagonal else { return singular }
        let crbX = diagonal[0] * inverseRoot[0] * inverseRoot[0]
        let crbY = diagonal[1] * inverseRoot[1] * inverseRoot[1]
        return PositionErrorBound(value: (crbX + crbY).squareRoot(), diagnostics: .known(largest / smallest))
    }

    /// σ_max/σ_min of the equilibrated Fisher information by its eigenvalues; +∞ if it is singular by the criterion of
    /// docs/MODEL.md §DL.6 or the eigenvalue iteration fails.
    public static func conditionNumber(fisher: [Double], dimension p: Int) -> Double {
        guard let (scaled, _) = equilibrated(fisher, p),
              let eigenvalues = SmallLinearAlgebra.symmetricEigenvalues(scaled, n: p) else { return .infinity }
        let magnitudes = eigenvalues.map { abs($0) }
        let largest = magnitudes.max() ?? 0, smallest = magnitudes.min() ?? 0
        guard smallest >= singularityThreshold * largest, smallest > 0 else { return .infinity }
        return largest / smallest
    }

    /// F_s = D^{−1/2} F D^{−1/2} and D^{−1/2}; nil if a diagonal entry is not positive.
    static func equilibrated(_ fisher: [Double], _ p: Int) -> ([Double], [Double])? {
        var inverseRoot = [Double](repeating: 0, count: p)
        for i in 0..<p {
            let d = fisher[i * p + i]
            guard d > 0 else { return nil }
            inverseRoot[i] = 1 / d.squareRoot()
        }
        var scaled = [Double](repeating: 0, count: p * p)
        for i in 0..<p { for j in 0..<p { scaled[i * p + j] = fisher[i * p + j] * inverseRoot[i] * inverseRoot[j] } }
        return (scaled, inverseRoot)
    }

    /// PEB (m) of one setup, by a `PositionErrorBoundEvaluator` built for this one point. P1: closed-form per-AP Gram
    /// matrices, O(M) Schur complement; P2: the structured Fisher information by direct sums over the K pulses
    /// (`P2Products.directSums`, no precomputation) and the dense Schur solve. For many points on one network keep a
    /// `PositionErrorBoundEvaluator`, which precomputes the P2 Gram blocks once.
    public static func positionErrorBound(_ setup: FisherSetup) -> PositionErrorBound {
        let value = PositionErrorBoundEvaluator(setup, p2Products: .directSums)
            .positionErrorBound(at: setup.user, phaseOffset: setup.phaseOffset)
        return PositionErrorBound(value: value, diagnostics: value.isFinite ? .setup(setup) : .known(.infinity))
    }
}
