// PositionErrorBoundEvaluator: fast PEB at many UE positions — structured Fisher information, Schur complement (DOWNLINK.md §6).
import RealModule

/// Evaluates the position error bound of DOWNLINK.md §6 at many UE positions for one network, protocol, processing,
/// amplitude model, power and noise variance, without allocating per call. Holds scratch buffers: use one evaluator
/// per thread.
///
/// Method (mathematically identical to inverting the equilibrated Fisher information F; results agree with
/// `DownlinkFisher.referencePositionErrorBound` to rounding, ~1e-13 relative):
/// * Every column of the Jacobian, restricted to AP m, is a combination a·z_m + b·g_m of the AP's non-coherent model
///   z_m[k] and its derivative g_m[k] = ∂z_m[k]/∂s_m (s_m = sin θ_m(u)), with per-AP coefficients (a, b). So F needs
///   only the inner products of {z_m, g_m}: for P1 the 2 × 2 Gram matrix of each AP, in closed form from the lag sums
///   Σ_k exp(−jπ l s_m[k]) (precomputed; the cost no longer grows with K); for P2 the products of every AP pair,
///   from the precomputed Gram blocks of the precoder basis (as the P2 cost functions do).
/// * Parameters are split into the position block u (head) and the nuisance parameters (tail: δφ, α or β or φ).
///   The position block of F⁻¹ is S⁻¹ with S = F_uu − F_ut F_tt⁻¹ F_tu (Schur complement), computed on the
///   equilibrated matrix by a Cholesky factorisation of the tail. For P1 the tail is diagonal (each AP's nuisance
///   parameters touch only its own pulses, and F_{δφ, α_m} = Re{−j α_m ||x_m||²} = 0), so the cost is O(M).
/// * Singularity (DOWNLINK.md §6: σ_min(F_s) < 1e−12 σ_max(F_s), F_s equilibrated, unit diagonal) is decided from
///   the Cholesky factorisation of F_s in (tail, head) order: every pivot d_j = 1/[(F_s)_{1..j}⁻¹]_jj bounds
///   λ_min from above, and ||F_s⁻¹||₂ ≤ ||M(L)⁻¹||₁ ||M(L)⁻¹||_∞ (M(L): comparison matrix of the Cholesky
///   factor, Higham, Accuracy and Stability, Thm 8.12) bounds it from below; λ_max ∈ [1, p]. A pivot below
///   0.5e−12 (or a failed factorisation) means singular; a bound that guarantees λ_min ≥ 2e−12·p means regular;
///   the factors 2 cover the backward error of the factorisation (≤ ~p²·ε ≈ 2e−13 on a unit-diagonal matrix).
///   Anything in between (never seen on the spec's geometry: regular F_s have condition numbers ≤ 1e4, singular
///   ones ≥ 1e15) is decided exactly as before, by the eigenvalues (`DownlinkFisher.referencePositionErrorBound`).
public final class PositionErrorBoundEvaluator {
    public let network: DownlinkNetwork
    public let `protocol`: DownlinkProtocol
    public let processing: DownlinkProcessing
    public let amplitudeModel: AmplitudeModel
    /// Per-AP transmit power P (W).
    public let perAPPower: Double
    /// Noise variance σ² (W).
    public let noiseVariance: Double
    /// Evaluations so far.
    public private(set) var evaluationCount = 0
    /// Evaluations whose singularity test was inconclusive and fell back to the eigenvalue reference (diagnostic).
    public private(set) var referenceFallbackCount = 0

    let apCount: Int, antennaCount: Int, kCount: Int
    let coherent: Bool, structured: Bool, isP1: Bool
    /// Real parameter count p of the Fisher information.
    let parameterCount: Int
    let waveNumber: Double          // 2π/λ (rad/m)
    // AP geometry
    let apX: UnsafeMutablePointer<Double>, apY: UnsafeMutablePointer<Double>
    let cosO: UnsafeMutablePointer<Double>, sinO: UnsafeMutablePointer<Double>
    let arraySign: Double
    // P1: lag sums Λ_{m,l} = Σ_k exp(−jπ l s_m[k]), l = 1..N−1, index m·(N−1) + l − 1; lag weights (see init).
    let lagRe: UnsafeMutablePointer<Double>, lagIm: UnsafeMutablePointer<Double>
    let lagWeightE: UnsafeMutablePointer<Double>, lagWeightB: UnsafeMutablePointer<Double>
    let lagWeightAUp: UnsafeMutablePointer<Double>, lagWeightADown: UnsafeMutablePointer<Double>
    let lagWeightA0: Double, lagWeightB0: Double
    // P2: Gram blocks Φ_mᴴ Φ_j (m ≥ j) of the precoder basis, structure of arrays: entry e = a·N + b of pair slot
    // q at [e·pairSlots + q]; row m's pairs occupy slots rowStart[m] ..< rowStart[m] + (m + 1), rounded up to even.
    let pairSlots: Int
    let rowStart: UnsafeMutablePointer<Int>
    let gramRe: UnsafeMutablePointer<Double>, gramIm: UnsafeMutablePointer<Double>
    // per-call scratch: per AP
    let vRe: UnsafeMutablePointer<Double>, vIm: UnsafeMutablePointer<Double>      // v_{m,n} = exp(jπ n s_m), [n·(M+1) + m]
    let rotRe: UnsafeMutablePointer<Double>, rotIm: UnsafeMutablePointer<Double>  // c_m = exp(j(δφ − 2π d_m/λ))
    let amplitude: UnsafeMutablePointer<Double>                                    // α_m
    // head coefficients per AP and position axis h (index h·M + m): column = Σ_m (ar − j·ad) x_m + bs·y_m
    let coefAr: UnsafeMutablePointer<Double>, coefAd: UnsafeMutablePointer<Double>, coefBs: UnsafeMutablePointer<Double>
    // P2 pair products of x_m = c_m z_m, y_m = c_m g_m (m ≥ j), by pair slot: xᴴx, xᴴy, yᴴx, yᴴy
    let xxRe: UnsafeMutablePointer<Double>, xxIm: UnsafeMutablePointer<Double>
    let xyRe: UnsafeMutablePointer<Double>, xyIm: UnsafeMutablePointer<Double>
    let yxRe: UnsafeMutablePointer<Double>, yxIm: UnsafeMutablePointer<Double>
    let yyRe: UnsafeMutablePointer<Double>, yyIm: UnsafeMutablePointer<Double>
    // P2: X_h = x_mᴴ (head column h), [h·M + m]
    let headProjectionRe: UnsafeMutablePointer<Double>, headProjectionIm: UnsafeMutablePointer<Double>
    /// Tail, coupling and head blocks of the (unit-scaled) Fisher information, and the Schur solve.
    let solver: PositionSchurSolver

    /// - Parameters:
    ///   - perAPPower: P (W); `noiseVariance`: σ² (W).
    public init(network: DownlinkNetwork, protocol: DownlinkProtocol, processing: DownlinkProcessing, perAPPower: Double,
                noiseVariance: Double = DownlinkConstants.noiseVariance, amplitudeModel: AmplitudeModel = .free) {
        self.network = network
        self.protocol = `protocol`
        self.processing = processing
        self.amplitudeModel = amplitudeModel
        self.perAPPower = perAPPower
        self.noiseVariance = noiseVariance
        apCount = network.apCount
        antennaCount = network.antennaCount
        kCount = network.illuminationCount
        coherent = processing == .coherent
        structured = amplitudeModel == .structured
        isP1 = `protocol` == .p1
        parameterCount = FisherSetup(network: network, protocol: `protocol`, processing: processing, perAPPower: perAPPower,
                                     amplitudeModel: amplitudeModel).parameterCount
        waveNumber = 2 * Double.pi / network.wavelength
        arraySign = network.arraySign
        let m = apCount, n = antennaCount
        func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        apX = allocate(m); apY = allocate(m); cosO = allocate(m); sinO = allocate(m)
        for i in 0..<m {
            apX[i] = network.apX[i]; apY[i] = network.apY[i]
            cosO[i] = network.apOrientationCos[i]; sinO[i] = network.apOrientationSin[i]
        }

        // P1 lag sums and weights. With W_l = Σ_k exp(jπ l D_k), D_k = s_m − s_m[k] (W_{−l} = conj W_l, W_0 = K):
        // Σ_k |G|² = Σ_{a,b} W_{b−a}, Σ_k conj(G) G′ = jπ Σ_{a,b} b W_{b−a}, Σ_k |G′|² = π² Σ_{a,b} a b W_{b−a}.
        let lags = max(n - 1, 0)
        lagRe = allocate(m * lags); lagIm = allocate(m * lags)
        lagWeightE = allocate(lags); lagWeightB = allocate(lags); lagWeightAUp = allocate(lags); lagWeightADown = allocate(lags)
        var a0 = 0.0, b0 = 0.0
        for a in 0..<n { a0 += Double(a); b0 += Double(a * a) }
        lagWeightA0 = a0; lagWeightB0 = b0
        for l in 1..<max(n, 1) {
            var e = 0.0, aUp = 0.0, aDown = 0.0, b = 0.0
            for a in 0..<(n - l) {
                e += 1
                aUp += Double(a + l)        // pairs with b − a = +l: weight b = a + l
                aDown += Double(a)          // pairs with b − a = −l: weight b = a
                b += Double(a * (a + l))
            }
            lagWeightE[l - 1] = e; lagWeightAUp[l - 1] = aUp; lagWeightADown[l - 1] = aDown; lagWeightB[l - 1] = b
        }
        if `protocol` == .p1 {
            for i in 0..<m {
                for k in 0..<kCount {
                    // steer = exp(−jπ s_m[k]); powers by repeated multiplication
                    let sRe = network.steerRe[i * kCount + k], sIm = network.steerIm[i * kCount + k]
                    var pRe = 1.0, pIm = 0.0
                    for l in 1..<max(n, 1) {
                        let t = pRe * sRe - pIm * sIm
                        pIm = pRe * sIm + pIm * sRe
                        pRe = t
                        lagRe[i * lags + l - 1] += pRe
                        lagIm[i * lags + l - 1] += pIm
                    }
                }
            }
        }

        // P2 Gram blocks, padded to an even number of pairs per row.
        rowStart = UnsafeMutablePointer<Int>.allocate(capacity: m + 1)
        var slots = 0
        for i in 0..<m { rowStart[i] = slots; slots += (i + 2) / 2 * 2 }
        rowStart[m] = slots
        pairSlots = `protocol` == .p2 ? slots : 0
        gramRe = allocate(pairSlots * n * n); gramIm = allocate(pairSlots * n * n)
        if `protocol` == .p2 {
            let model = DownlinkCostModel(network: network, protocol: .p2)
            for i in 0..<m {
                for j in 0...i {
                    let block = (i * (i + 1) / 2 + j) * n * n
                    let slot = rowStart[i] + j
                    for e in 0..<(n * n) {
                        gramRe[e * pairSlots + slot] = model.gramRe[block + e]
                        gramIm[e * pairSlots + slot] = model.gramIm[block + e]
                    }
                }
            }
        }

        vRe = allocate(n * (m + 1)); vIm = allocate(n * (m + 1))
        rotRe = allocate(m + 1); rotIm = allocate(m + 1); amplitude = allocate(m)
        coefAr = allocate(2 * m); coefAd = allocate(2 * m); coefBs = allocate(2 * m)
        let products = pairSlots
        xxRe = allocate(products); xxIm = allocate(products); xyRe = allocate(products); xyIm = allocate(products)
        yxRe = allocate(products); yxIm = allocate(products); yyRe = allocate(products); yyIm = allocate(products)
        headProjectionRe = allocate(2 * m); headProjectionIm = allocate(2 * m)
        solver = PositionSchurSolver(tailCapacity: 2 * m + 1, parameterCount: parameterCount)
    }

    /// Convenience: the evaluator of a Fisher setup's network, protocol, processing, power, noise and amplitude model.
    public convenience init(_ setup: FisherSetup) {
        self.init(network: setup.network, protocol: setup.protocol, processing: setup.processing, perAPPower: setup.perAPPower,
                  noiseVariance: setup.noiseVariance, amplitudeModel: setup.amplitudeModel)
    }

    deinit {
        for p in [apX, apY, cosO, sinO, lagRe, lagIm, lagWeightE, lagWeightB, lagWeightAUp, lagWeightADown, gramRe, gramIm,
                  vRe, vIm, rotRe, rotIm, amplitude, coefAr, coefAd, coefBs, xxRe, xxIm, xyRe, xyIm, yxRe, yxIm, yyRe, yyIm,
                  headProjectionRe, headProjectionIm] {
            p.deallocate()
        }
        rowStart.deallocate()
    }

    /// PEB = √([F⁻¹]₁₁ + [F⁻¹]₂₂) (m) at UE position `user` (m) with phase offset `phaseOffset` δφ (rad);
    /// +∞ if the Fisher information is singular (DOWNLINK.md §6).
    public func positionErrorBound(at user: Point2, phaseOffset: Double = DownlinkConstants.phaseOffset) -> Double {
        evaluationCount += 1
        guard perAPPower > 0, noiseVariance > 0 else { return .infinity }
        let outcome: PositionSchurSolver.Outcome
        if isP1 {
            outcome = p1Bound(at: user)
        } else {
            prepareP2(at: user, phaseOffset: phaseOffset)
            pairProducts()
            outcome = p2Bound()
        }
        // Everything above uses unit power and the factor 2/σ² dropped: F = (2P/σ²) F_unit.
        switch outcome {
        case .regular(let unitBound2): return (unitBound2 * noiseVariance / (2 * perAPPower)).squareRoot()
        case .singular: return .infinity
        case .inconclusive:
            referenceFallbackCount += 1
            let setup = FisherSetup(network: network, protocol: `protocol`, processing: processing, user: user,
                                    phaseOffset: phaseOffset, perAPPower: perAPPower, noiseVariance: noiseVariance,
                                    amplitudeModel: amplitudeModel)
            return DownlinkFisher.referencePositionErrorBound(fisher: DownlinkFisher.information(setup),
                                                              dimension: parameterCount).value
        }
    }

    // MARK: - geometry

    /// Per-AP geometry at u: fills α_m, the head coefficients (ar, ad, bs per axis) and returns nothing.
    /// Head column h (h = x, y) restricted to AP m is (ar − j·ad)·x_m + bs·y_m with x_m = c_m z_m, y_m = c_m g_m:
    /// coherent ∂μ/∂u_h = α c (−j(2π/λ) z ∇_h d + g ∇_h s) (+ c z ∇_h α when structured), non-coherent
    /// ∂μ/∂u_h = β g ∇_h s (+ c z ∇_h α), β = α c.
    @inline(__always)
    func headCoefficients(ap m: Int, dx: Double, dy: Double, distance d: Double, cosine: Double) {
        let sineScale = arraySign * cosine / (d * d)
        let gradSx = -dy * sineScale, gradSy = dx * sineScale
        let alpha = network.wavelength / (4 * Double.pi * d)
        amplitude[m] = alpha
        coefBs[m] = alpha * gradSx; coefBs[apCount + m] = alpha * gradSy
        if coherent {
            coefAd[m] = waveNumber * alpha * dx / d; coefAd[apCount + m] = waveNumber * alpha * dy / d
        } else {
            coefAd[m] = 0; coefAd[apCount + m] = 0
        }
        if structured {
            coefAr[m] = -alpha * dx / (d * d); coefAr[apCount + m] = -alpha * dy / (d * d)
        } else {
            coefAr[m] = 0; coefAr[apCount + m] = 0
        }
    }

    // MARK: - P1

    /// P1: per AP the Gram matrix of (z_m, g_m) in closed form; the common factor c_m of every column of AP m has
    /// modulus 1 and cancels (for free β the tail basis {z, jz} is rotated to {cz, jcz}, which spans the same space).
    func p1Bound(at u: Point2) -> PositionSchurSolver.Outcome {
        let tailScale = solver.tailScale, couplingRe = solver.couplingRe
        let m = apCount, n = antennaCount, lags = max(n - 1, 0)
        let unitPower = 1 / Double(n)
        let k = Double(kCount)
        var tail = 0                        // diagonal tail: F_tt in tailScale, coupling F_t,h in couplingRe[t·2 + h]
        var deltaTail = 0.0, deltaX = 0.0, deltaY = 0.0
        var hxx = 0.0, hxy = 0.0, hyy = 0.0
        for i in 0..<m {
            let dx = u.x - apX[i], dy = u.y - apY[i]
            let d = (dx * dx + dy * dy).squareRoot()
            let sine = arraySign * (dy * cosO[i] - dx * sinO[i]) / d
            let cosine = (dx * cosO[i] + dy * sinO[i]) / d
            headCoefficients(ap: i, dx: dx, dy: dy, distance: d, cosine: cosine)
            // W_l = exp(jπ l s_m) Λ_l
            let wRe = Double.cos(Double.pi * sine), wIm = Double.sin(Double.pi * sine)
            var pRe = 1.0, pIm = 0.0
            var e = Double(n) * k, b = lagWeightB0 * k
            var apRe = lagWeightA0 * k, apIm = 0.0              // Σ conj(G)G′ / (jπ)
            for l in 0..<lags {
                let t = pRe * wRe - pIm * wIm
                pIm = pRe * wIm + pIm * wRe
                pRe = t
                let lr = lagRe[i * lags + l], li = lagIm[i * lags + l]
                let sumRe = pRe * lr - pIm * li, sumIm = pRe * li + pIm * lr
                e += 2 * lagWeightE[l] * sumRe
                b += 2 * lagWeightB[l] * sumRe
                apRe += (lagWeightAUp[l] + lagWeightADown[l]) * sumRe
                apIm += (lagWeightAUp[l] - lagWeightADown[l]) * sumIm
            }
            // E = ||z||², A′ = zᴴg = jπ·ap, B = ||g||² (unit power)
            e *= unitPower
            b *= unitPower * Double.pi * Double.pi
            let aRe = -Double.pi * apIm * unitPower, aIm = Double.pi * apRe * unitPower
            let arX = coefAr[i], arY = coefAr[m + i], adX = coefAd[i], adY = coefAd[m + i]
            let bX = coefBs[i], bY = coefBs[m + i]
            // ⟨(a1, b1), (a2, b2)⟩ = Re{conj(a1)a2}E + b2 Re{conj(a1)A′} + b1 Re{conj(a2)A′} + b1 b2 B,
            // a = ar − j·ad (so Re{conj(a)A′} = ar·Re A′ − ad·Im A′).
            let xA = arX * aRe - adX * aIm, yA = arY * aRe - adY * aIm
            hxx += (arX * arX + adX * adX) * e + 2 * bX * xA + bX * bX * b
            hxy += (arX * arY + adX * adY) * e + bY * xA + bX * yA + bX * bY * b
            hyy += (arY * arY + adY * adY) * e + 2 * bY * yA + bY * bY * b
            let alpha = amplitude[i]
            switch (coherent, structured) {
            case (true, _):
                // δφ column a = jα: ⟨jα, h⟩ = −α·ad·E... Re{conj(jα)(ar − j ad)}E + b Re{conj(jα)A′} = −α ad E + α b Im A′
                deltaTail += alpha * alpha * e
                deltaX += -alpha * adX * e + alpha * bX * aIm
                deltaY += -alpha * adY * e + alpha * bY * aIm
                if !structured {
                    // α_m column a = 1: ⟨1, h⟩ = ar E + b Re A′
                    tailScale[tail] = e
                    couplingRe[2 * tail] = arX * e + bX * aRe; couplingRe[2 * tail + 1] = arY * e + bY * aRe
                    tail += 1
                }
            case (false, false):
                // Re β (a = 1) and Im β (a = j): ⟨j, h⟩ = −ad E + b Im A′
                tailScale[tail] = e
                couplingRe[2 * tail] = arX * e + bX * aRe; couplingRe[2 * tail + 1] = arY * e + bY * aRe
                tailScale[tail + 1] = e
                couplingRe[2 * tail + 2] = -adX * e + bX * aIm; couplingRe[2 * tail + 3] = -adY * e + bY * aIm
                tail += 2
            case (false, true):
                // φ_m column a = jα
                tailScale[tail] = alpha * alpha * e
                couplingRe[2 * tail] = -alpha * adX * e + alpha * bX * aIm
                couplingRe[2 * tail + 1] = -alpha * adY * e + alpha * bY * aIm
                tail += 1
            }
        }
        if coherent {
            tailScale[tail] = deltaTail
            couplingRe[2 * tail] = deltaX; couplingRe[2 * tail + 1] = deltaY
            tail += 1
        }
        solver.headXX = hxx; solver.headXY = hxy; solver.headYY = hyy
        return solver.solveDiagonalTail(count: tail)
    }

    // MARK: - P2

    /// P2 per-AP quantities: v_m = exp(jπ n s_m), c_m, α_m and the head coefficients.
    func prepareP2(at u: Point2, phaseOffset: Double) {
        let m = apCount, n = antennaCount, stride = m + 1
        for i in 0..<m {
            let dx = u.x - apX[i], dy = u.y - apY[i]
            let d = (dx * dx + dy * dy).squareRoot()
            let sine = arraySign * (dy * cosO[i] - dx * sinO[i]) / d
            let cosine = (dx * cosO[i] + dy * sinO[i]) / d
            headCoefficients(ap: i, dx: dx, dy: dy, distance: d, cosine: cosine)
            let wRe = Double.cos(Double.pi * sine), wIm = Double.sin(Double.pi * sine)
            var pRe = 1.0, pIm = 0.0
            for a in 0..<n {
                vRe[a * stride + i] = pRe; vIm[a * stride + i] = pIm
                let t = pRe * wRe - pIm * wIm
                pIm = pRe * wIm + pIm * wRe
                pRe = t
            }
            let phase = phaseOffset - waveNumber * d
            rotRe[i] = Double.cos(phase); rotIm[i] = Double.sin(phase)
        }
        // padding lane (j = M) of the pair kernel
        for a in 0..<n { vRe[a * stride + m] = 0; vIm[a * stride + m] = 0 }
        rotRe[m] = 0; rotIm[m] = 0
    }

    /// Pair products of x_m = c_m z_m and y_m = c_m g_m (unit power) for every m ≥ j:
    /// with T0 = Γ_mj v_j, T1 = Γ_mj (n v_j) (Γ_mj = Φ_mᴴ Φ_j), z_mᴴ z_j = v_mᴴ T0, z_mᴴ g_j = jπ v_mᴴ T1,
    /// g_mᴴ z_j = −jπ (n v_m)ᴴ T0, g_mᴴ g_j = π² (n v_m)ᴴ T1; then rotated by conj(c_m) c_j.
    func pairProducts() {
        let m = apCount, n = antennaCount, stride = m + 1
        let slots = pairSlots
        let pi = Double.pi
        for i in 0..<m {
            let start = rowStart[i]
            let lanes = (i + 2) / 2 * 2
            let ciRe = rotRe[i], ciIm = rotIm[i]
            for j in 0..<lanes {
                let slot = start + j
                var aRe = 0.0, aIm = 0.0, zgRe = 0.0, zgIm = 0.0, gzRe = 0.0, gzIm = 0.0, ggRe = 0.0, ggIm = 0.0
                for a in 0..<n {
                    var t0Re = 0.0, t0Im = 0.0, t1Re = 0.0, t1Im = 0.0
                    for b in 0..<n {
                        let e = (a * n + b) * slots + slot
                        let hr = gramRe[e], hi = gramIm[e]
                        let xr = vRe[b * stride + j], xi = vIm[b * stride + j]
                        let pr = hr * xr - hi * xi, pim = hr * xi + hi * xr
                        t0Re += pr; t0Im += pim
                        t1Re += Double(b) * pr; t1Im += Double(b) * pim
                    }
                    let ur = vRe[a * stride + i], ui = vIm[a * stride + i]      // conj(v_a)·t
                    let qRe = ur * t0Re + ui * t0Im, qIm = ur * t0Im - ui * t0Re
                    let rRe = ur * t1Re + ui * t1Im, rIm = ur * t1Im - ui * t1Re
                    aRe += qRe; aIm += qIm
                    gzRe += Double(a) * qRe; gzIm += Double(a) * qIm
                    zgRe += rRe; zgIm += rIm
                    ggRe += Double(a) * rRe; ggIm += Double(a) * rIm
                }
                // scale: zg ·= jπ, gz ·= −jπ, gg ·= π²
                let zgR = -pi * zgIm, zgI = pi * zgRe
                let gzR = pi * gzIm, gzI = -pi * gzRe
                let ggR = pi * pi * ggRe, ggI = pi * pi * ggIm
                // rotation conj(c_i) c_j
                let cjRe = rotRe[j], cjIm = rotIm[j]
                let rRe = ciRe * cjRe + ciIm * cjIm, rIm = ciRe * cjIm - ciIm * cjRe
                xxRe[slot] = rRe * aRe - rIm * aIm; xxIm[slot] = rRe * aIm + rIm * aRe
                xyRe[slot] = rRe * zgR - rIm * zgI; xyIm[slot] = rRe * zgI + rIm * zgR
                yxRe[slot] = rRe * gzR - rIm * gzI; yxIm[slot] = rRe * gzI + rIm * gzR
                yyRe[slot] = rRe * ggR - rIm * ggI; yyIm[slot] = rRe * ggI + rIm * ggR
            }
        }
    }

    /// P2: head block, tail block and coupling from the pair products, then the Schur solve.
    func p2Bound() -> PositionSchurSolver.Outcome {
        let tailRe = solver.tailRe, tailIm = solver.tailIm, couplingRe = solver.couplingRe, couplingIm = solver.couplingIm
        let m = apCount
        // X_h[m] = x_mᴴ h = Σ_j (a_hj xᴴx_mj + bs_hj xᴴy_mj), and F_hh′ = Re{hᴴ h′}.
        // Ordered pair (i, j): for j ≤ i the stored slot; for j > i the conjugate of slot (j, i) with x/y swapped.
        var hxx = 0.0, hxy = 0.0, hyy = 0.0
        let xRe = headProjectionRe, xIm = headProjectionIm
        for i in 0..<(2 * m) { xRe[i] = 0; xIm[i] = 0 }
        // One ordered pair (row AP `a`, column AP `b`) with products xᴴx, xᴴy, yᴴx, yᴴy of (x_a or y_a, x_b or y_b).
        @inline(__always)
        func accumulate(_ a: Int, _ b: Int, _ xxR: Double, _ xxI: Double, _ xyR: Double, _ xyI: Double,
                        _ yxR: Double, _ yxI: Double, _ yyR: Double, _ yyI: Double) {
            let arX = coefAr[b], adX = coefAd[b], bsX = coefBs[b]
            let arY = coefAr[m + b], adY = coefAd[m + b], bsY = coefBs[m + b]
            // X_h[a] += (ar − j ad)_hb xᴴx_ab + bs_hb xᴴy_ab
            xRe[a] += arX * xxR + adX * xxI + bsX * xyR
            xIm[a] += arX * xxI - adX * xxR + bsX * xyI
            xRe[m + a] += arY * xxR + adY * xxI + bsY * xyR
            xIm[m + a] += arY * xxI - adY * xxR + bsY * xyI
            // y-row part of Re{hᴴ h′}: bs_ha Re{(ar − j ad)_h′b yᴴx_ab + bs_h′b yᴴy_ab}
            let partX = arX * yxR + adX * yxI + bsX * yyR
            let partY = arY * yxR + adY * yxI + bsY * yyR
            let bsXa = coefBs[a], bsYa = coefBs[m + a]
            hxx += bsXa * partX; hxy += bsXa * partY; hyy += bsYa * partY
        }
        for i in 0..<m {
            let start = rowStart[i]
            for j in 0...i {
                let slot = start + j
                let xxR = xxRe[slot], xxI = xxIm[slot], xyR = xyRe[slot], xyI = xyIm[slot]
                let yxR = yxRe[slot], yxI = yxIm[slot], yyR = yyRe[slot], yyI = yyIm[slot]
                accumulate(i, j, xxR, xxI, xyR, xyI, yxR, yxI, yyR, yyI)
                // (j, i): xᴴx_ji = conj xᴴx_ij, xᴴy_ji = conj yᴴx_ij, yᴴx_ji = conj xᴴy_ij, yᴴy_ji = conj yᴴy_ij
                if j != i { accumulate(j, i, xxR, -xxI, yxR, -yxI, xyR, -xyI, yyR, -yyI) }
            }
        }
        // x-rows part: Σ_m Re{conj(a_hm) X_h′m} = Σ ar Re X + ... with conj(ar − j ad) = ar + j ad: Re = ar Re X − ad Im X
        for i in 0..<m {
            let arX = coefAr[i], adX = coefAd[i], arY = coefAr[m + i], adY = coefAd[m + i]
            hxx += arX * xRe[i] - adX * xIm[i]
            hxy += arX * xRe[m + i] - adX * xIm[m + i]
            hyy += arY * xRe[m + i] - adY * xIm[m + i]
        }
        solver.headXX = hxx; solver.headXY = hxy; solver.headYY = hyy
        // Tail and coupling.
        switch (coherent, structured) {
        case (false, false):
            // complex tail: span_C{x_m}; coupling X_h (complex)
            for i in 0..<m {
                let start = rowStart[i]
                for j in 0...i {
                    tailRe[i * m + j] = xxRe[start + j]; tailIm[i * m + j] = xxIm[start + j]
                }
                couplingRe[2 * i] = xRe[i]; couplingIm[2 * i] = xIm[i]
                couplingRe[2 * i + 1] = xRe[m + i]; couplingIm[2 * i + 1] = xIm[m + i]
            }
            return solver.solveComplexTail(count: m)
        case (false, true):
            // φ_m column j α_m x_m: tail α_i α_j Re xᴴx, coupling α_m Im X_hm
            for i in 0..<m {
                let start = rowStart[i]
                for j in 0...i { tailRe[i * m + j] = amplitude[i] * amplitude[j] * xxRe[start + j] }
                couplingRe[2 * i] = amplitude[i] * xIm[i]; couplingRe[2 * i + 1] = amplitude[i] * xIm[m + i]
            }
            return solver.solveRealTail(count: m)
        case (true, let isStructured):
            // tail [α_1..α_M (free only), δφ]: α_m column x_m, δφ column j Σ α_m x_m
            let n = isStructured ? 1 : m + 1
            let delta = n - 1
            var deltaDelta = 0.0
            for i in 0..<m {
                let start = rowStart[i]
                var deltaRow = 0.0                            // T[δφ, α_i] = Σ_j α_j Im xᴴx_ji
                for j in 0..<m {
                    // xᴴx_{j,i}
                    let re: Double, im: Double
                    if j >= i {
                        re = xxRe[rowStart[j] + i]; im = xxIm[rowStart[j] + i]
                    } else {
                        re = xxRe[start + j]; im = -xxIm[start + j]
                    }
                    deltaRow += amplitude[j] * im
                    deltaDelta += amplitude[i] * amplitude[j] * re
                    if !isStructured && j <= i { tailRe[i * n + j] = re }      // Re xᴴx_ij = Re xᴴx_ji
                }
                if !isStructured {
                    tailRe[delta * n + i] = deltaRow
                    couplingRe[2 * i] = xRe[i]; couplingRe[2 * i + 1] = xRe[m + i]
                }
            }
            var dx = 0.0, dy = 0.0
            for i in 0..<m { dx += amplitude[i] * xIm[i]; dy += amplitude[i] * xIm[m + i] }
            tailRe[delta * n + delta] = deltaDelta
            couplingRe[2 * delta] = dx; couplingRe[2 * delta + 1] = dy
            return solver.solveRealTail(count: n)
        }
    }
}

/// The position block of F⁻¹ by a Schur complement on the equilibrated Fisher information, with the singularity test
/// of DOWNLINK.md §6 decided from the Cholesky factorisation (see `PositionErrorBoundEvaluator`). Parameters are
/// ordered (tail, head): the nuisance parameters first, then u = (x, y). Fill the head block, the tail block and the
/// tail–head coupling, then call one of the `solve…` methods. Scratch only; not thread-safe.
final class PositionSchurSolver {
    /// Lower triangle of the tail block (n × n row-major); imaginary parts for Hermitian tails.
    let tailRe: UnsafeMutablePointer<Double>, tailIm: UnsafeMutablePointer<Double>
    /// Tail–head coupling F_{t,h} at [2t + h] (complex for Hermitian tails).
    let couplingRe: UnsafeMutablePointer<Double>, couplingIm: UnsafeMutablePointer<Double>
    /// Diagonal tails: F_tt; otherwise the scaling 1/√F_tt.
    let tailScale: UnsafeMutablePointer<Double>
    let boundForward: UnsafeMutablePointer<Double>, boundBackward: UnsafeMutablePointer<Double>
    /// Head block F_xx, F_xy, F_yy.
    var headXX = 0.0, headXY = 0.0, headYY = 0.0
    /// Real dimension p of the whole Fisher information (λ_max ≤ p for the equilibrated matrix).
    var parameterCount: Int

    init(tailCapacity: Int, parameterCount: Int) {
        func allocate(_ count: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(count, 1))
            p.initialize(repeating: 0, count: max(count, 1))
            return p
        }
        tailRe = allocate(tailCapacity * tailCapacity); tailIm = allocate(tailCapacity * tailCapacity)
        couplingRe = allocate(2 * tailCapacity); couplingIm = allocate(2 * tailCapacity)
        tailScale = allocate(tailCapacity)
        boundForward = allocate(tailCapacity + 2); boundBackward = allocate(tailCapacity + 2)
        self.parameterCount = parameterCount
    }

    deinit {
        for p in [tailRe, tailIm, couplingRe, couplingIm, tailScale, boundForward, boundBackward] { p.deallocate() }
    }

    enum Outcome {
        /// [F⁻¹]_xx + [F⁻¹]_yy of the unit-scaled information.
        case regular(Double)
        case singular
        case inconclusive
    }

    /// Relative pivot below which the factorisation proves σ_min < 1e−12 σ_max (DOWNLINK.md §6), with margin.
    static let singularPivot = 0.5 * DownlinkFisher.singularityThreshold

    /// Finishes from the 2 × 2 Schur complement S of the equilibrated information (entries s00, s01, s11), the
    /// minimum tail pivot so far, and the comparison-matrix bound inputs (`forwardTailMax`: the tail part of
    /// M(L)⁻¹e is computed by the caller; see each solver).
    @inline(__always)
    func finish(s00: Double, s01: Double, s11: Double, headScaleX: Double, headScaleY: Double,
                bound: (Double, Double, Double) -> Double) -> Outcome {
        // head pivots
        guard s00 > Self.singularPivot else { return .singular }
        let l00 = s00.squareRoot(), l10 = s01 / l00
        let pivot1 = s11 - l10 * l10
        guard pivot1 > Self.singularPivot else { return .singular }
        let l11 = pivot1.squareRoot()
        let inverseNormBound = bound(l00, l10, l11)
        guard inverseNormBound.isFinite,
              inverseNormBound * 2 * DownlinkFisher.singularityThreshold * Double(parameterCount) <= 1 else { return .inconclusive }
        let determinant = s00 * s11 - s01 * s01
        return .regular((s11 / determinant) * headScaleX * headScaleX + (s00 / determinant) * headScaleY * headScaleY)
    }

    /// Head scaling 1/√F_hh; nil if a head diagonal is not positive.
    @inline(__always)
    func headScales() -> (Double, Double)? {
        guard headXX > 0, headYY > 0 else { return nil }
        return (1 / headXX.squareRoot(), 1 / headYY.squareRoot())
    }

    /// Diagonal tail (P1): F_tt in `tailScale[t]`, coupling F_{t,h} in `couplingRe[2t + h]`. After equilibration the
    /// tail is the identity, so L = [[I, 0], [Wᵀ, L_S]] with W = scaled coupling.
    func solveDiagonalTail(count n: Int) -> Outcome {
        guard let (hx, hy) = headScales() else { return .singular }
        var s00 = 1.0, s01 = headXY * hx * hy, s11 = 1.0
        var sumX = 0.0, sumY = 0.0                 // Σ_t |W_t,h| (forward bound, tail part of M(L)⁻¹e is 1)
        for t in 0..<n {
            guard tailScale[t] > 0 else { return .singular }
            let r = 1 / tailScale[t].squareRoot()
            let wx = couplingRe[2 * t] * r * hx, wy = couplingRe[2 * t + 1] * r * hy
            couplingRe[2 * t] = wx; couplingRe[2 * t + 1] = wy
            s00 -= wx * wx; s01 -= wx * wy; s11 -= wy * wy
            sumX += abs(wx); sumY += abs(wy)
        }
        return finish(s00: s00, s01: s01, s11: s11, headScaleX: hx, headScaleY: hy) { l00, l10, l11 in
            // forward: y_t = 1, y_x = (1 + Σ|W_tx|)/l00, y_y = (1 + Σ|W_ty| + |l10| y_x)/l11
            let yx = (1 + sumX) / l00
            let yy = (1 + sumY + abs(l10) * yx) / l11
            let forward = max(1, yx, yy)
            // backward: x_y = 1/l11, x_x = (1 + |l10| x_y)/l00, x_t = 1 + |W_tx| x_x + |W_ty| x_y
            let xy = 1 / l11
            let xx = (1 + abs(l10) * xy) / l00
            var backward = max(xx, xy)
            for t in 0..<n { backward = max(backward, 1 + abs(self.couplingRe[2 * t]) * xx + abs(self.couplingRe[2 * t + 1]) * xy) }
            return forward * backward
        }
    }

    /// Dense real tail: lower triangle of F_tt in `tailRe` (n × n row-major), coupling in `couplingRe[2t + h]`.
    func solveRealTail(count n: Int) -> Outcome {
        guard let (hx, hy) = headScales() else { return .singular }
        for t in 0..<n {
            let d = tailRe[t * n + t]
            guard d > 0 else { return .singular }
            tailScale[t] = 1 / d.squareRoot()
        }
        // equilibrate (lower triangle) and the coupling
        for i in 0..<n {
            let si = tailScale[i]
            for j in 0..<i { tailRe[i * n + j] *= si * tailScale[j] }
            tailRe[i * n + i] = 1
            couplingRe[2 * i] *= si * hx; couplingRe[2 * i + 1] *= si * hy
        }
        // strict Cholesky; W = L⁻¹ C in place (forward substitution fused with the factorisation)
        for j in 0..<n {
            let rowJ = tailRe + j * n
            var pivot = 1.0
            for p in 0..<j { pivot -= rowJ[p] * rowJ[p] }
            guard pivot > Self.singularPivot else { return .singular }
            let ljj = pivot.squareRoot()
            rowJ[j] = ljj
            let inverse = 1 / ljj
            for i in (j + 1)..<max(n, j + 1) {
                let rowI = tailRe + i * n
                var s = rowI[j]
                for p in 0..<j { s -= rowI[p] * rowJ[p] }
                rowI[j] = s * inverse
            }
            var wx = couplingRe[2 * j], wy = couplingRe[2 * j + 1]
            for p in 0..<j { wx -= rowJ[p] * couplingRe[2 * p]; wy -= rowJ[p] * couplingRe[2 * p + 1] }
            couplingRe[2 * j] = wx * inverse; couplingRe[2 * j + 1] = wy * inverse
        }
        var s00 = 1.0, s01 = headXY * hx * hy, s11 = 1.0
        for t in 0..<n {
            let wx = couplingRe[2 * t], wy = couplingRe[2 * t + 1]
            s00 -= wx * wx; s01 -= wx * wy; s11 -= wy * wy
        }
        return finish(s00: s00, s01: s01, s11: s11, headScaleX: hx, headScaleY: hy) { l00, l10, l11 in
            self.comparisonBound(n: n, magnitudeOfL: { i, j in abs(self.tailRe[i * n + j]) },
                                 magnitudeOfW: { t, h in abs(self.couplingRe[2 * t + h]) }, l00: l00, l10: l10, l11: l11)
        }
    }

    /// Hermitian tail (P2 non-coherent, free β): lower triangle of the complex M × M tail in (`tailRe`, `tailIm`),
    /// complex coupling in (`couplingRe`, `couplingIm`)[2t + h]. The real Fisher information of (Re β, Im β) is the
    /// real representation of this block; its Cholesky factor is the real representation of the complex one.
    func solveComplexTail(count n: Int) -> Outcome {
        guard let (hx, hy) = headScales() else { return .singular }
        for t in 0..<n {
            let d = tailRe[t * n + t]
            guard d > 0 else { return .singular }
            tailScale[t] = 1 / d.squareRoot()
        }
        for i in 0..<n {
            let si = tailScale[i]
            for j in 0..<i {
                let s = si * tailScale[j]
                tailRe[i * n + j] *= s; tailIm[i * n + j] *= s
            }
            tailRe[i * n + i] = 1; tailIm[i * n + i] = 0
            couplingRe[2 * i] *= si * hx; couplingIm[2 * i] *= si * hx
            couplingRe[2 * i + 1] *= si * hy; couplingIm[2 * i + 1] *= si * hy
        }
        for j in 0..<n {
            let rJ = tailRe + j * n, iJ = tailIm + j * n
            var pivot = 1.0
            for p in 0..<j { pivot -= rJ[p] * rJ[p] + iJ[p] * iJ[p] }
            guard pivot > Self.singularPivot else { return .singular }
            let ljj = pivot.squareRoot()
            rJ[j] = ljj; iJ[j] = 0
            let inverse = 1 / ljj
            for i in (j + 1)..<max(n, j + 1) {
                let rI = tailRe + i * n, iI = tailIm + i * n
                var sRe = rI[j], sIm = iI[j]
                for p in 0..<j {                       // A_ij − Σ_p L_ip conj(L_jp)
                    sRe -= rI[p] * rJ[p] + iI[p] * iJ[p]
                    sIm -= iI[p] * rJ[p] - rI[p] * iJ[p]
                }
                rI[j] = sRe * inverse; iI[j] = sIm * inverse
            }
            // W_j = (C_j − Σ_p L_jp W_p)/l_jj
            for h in 0..<2 {
                var wRe = couplingRe[2 * j + h], wIm = couplingIm[2 * j + h]
                for p in 0..<j {
                    let cr = couplingRe[2 * p + h], ci = couplingIm[2 * p + h]
                    wRe -= rJ[p] * cr - iJ[p] * ci
                    wIm -= rJ[p] * ci + iJ[p] * cr
                }
                couplingRe[2 * j + h] = wRe * inverse; couplingIm[2 * j + h] = wIm * inverse
            }
        }
        var s00 = 1.0, s01 = headXY * hx * hy, s11 = 1.0
        for t in 0..<n {
            let xr = couplingRe[2 * t], xi = couplingIm[2 * t], yr = couplingRe[2 * t + 1], yi = couplingIm[2 * t + 1]
            s00 -= xr * xr + xi * xi; s01 -= xr * yr + xi * yi; s11 -= yr * yr + yi * yi
        }
        return finish(s00: s00, s01: s01, s11: s11, headScaleX: hx, headScaleY: hy) { l00, l10, l11 in
            // Real representation: pairs (Re, Im) of each tail row share the bound; off-diagonal magnitudes |Re| + |Im|
            // (exact for the forward solve, an upper bound for the backward one).
            self.comparisonBound(n: n, magnitudeOfL: { i, j in abs(self.tailRe[i * n + j]) + abs(self.tailIm[i * n + j]) },
                                 magnitudeOfW: { t, h in abs(self.couplingRe[2 * t + h]) + abs(self.couplingIm[2 * t + h]) },
                                 l00: l00, l10: l10, l11: l11)
        }
    }

    /// ||M(L)⁻¹||_∞ · ||M(L)⁻¹||₁ ≥ ||F_s⁻¹||₂ for L = [[L_T, 0], [Wᵀ, L_S]] (n tail rows with diagonal in
    /// `tailRe[i·n + i]`, then the 2 × 2 head factor (l00, 0; l10, l11)).
    @inline(__always)
    func comparisonBound(n: Int, magnitudeOfL: (Int, Int) -> Double, magnitudeOfW: (Int, Int) -> Double,
                         l00: Double, l10: Double, l11: Double) -> Double {
        let y = boundForward, x = boundBackward
        var forward = 0.0
        for i in 0..<n {
            var s = 1.0
            for p in 0..<i { s += magnitudeOfL(i, p) * y[p] }
            y[i] = s / tailRe[i * n + i]
            forward = max(forward, y[i])
        }
        var sx = 1.0, sy = 1.0
        for t in 0..<n { sx += magnitudeOfW(t, 0) * y[t]; sy += magnitudeOfW(t, 1) * y[t] }
        let yx = sx / l00
        let yy = (sy + abs(l10) * yx) / l11
        forward = max(forward, yx, yy)
        let xy = 1 / l11
        let xx = (1 + abs(l10) * xy) / l00
        var backward = max(xx, xy)
        var i = n - 1
        while i >= 0 {
            var s = 1 + magnitudeOfW(i, 0) * xx + magnitudeOfW(i, 1) * xy
            for p in (i + 1)..<max(n, i + 1) { s += magnitudeOfL(p, i) * x[p] }
            x[i] = s / tailRe[i * n + i]
            backward = max(backward, x[i])
            i -= 1
        }
        return forward * backward
    }
}
