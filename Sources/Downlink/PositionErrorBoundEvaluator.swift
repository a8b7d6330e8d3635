// PositionErrorBoundEvaluator: fast PEB at many UE positions — structured Fisher information, Schur complement (docs/MODEL.md §DL.6).
import RealModule

/// Evaluates the position error bound of docs/MODEL.md §DL.6 at many UE positions for one network, protocol, processing,
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
/// * Singularity (docs/MODEL.md §DL.6: σ_min(F_s) < 1e−12 σ_max(F_s), F_s equilibrated, unit diagonal) is decided from
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
    /// N = 4: the same blocks packed per lane pair (slots 2q, 2q + 1): entry e at [64q + 4e + lane] (re) and
    /// [64q + 4e + 2 + lane] (im).
    let gramPacked: UnsafeMutablePointer<Double>
    // per-call scratch: per AP
    let vRe: UnsafeMutablePointer<Double>, vIm: UnsafeMutablePointer<Double>      // v_{m,n} = exp(jπ n s_m), [n·(M+1) + m]
    let rotRe: UnsafeMutablePointer<Double>, rotIm: UnsafeMutablePointer<Double>  // c_m = exp(j(δφ − 2π d_m/λ))
    // P2 direct sums: exp(jπ s_m) and c_m per AP (M rounded up to 4; AP arrays padded likewise, padding ignored)
    let arrayCos: UnsafeMutablePointer<Double>, arraySin: UnsafeMutablePointer<Double>
    let carrierCos: UnsafeMutablePointer<Double>, carrierSin: UnsafeMutablePointer<Double>
    /// P2 direct sums: Δx, Δy, d_m, cos θ_m per AP, rows of `apStride` (M rounded up to 4) entries.
    let apGeometry: UnsafeMutablePointer<Double>, apStride: Int
    let amplitude: UnsafeMutablePointer<Double>                                    // α_m
    // head coefficients per AP and position axis h (index h·(M+1) + m; entry M is a zero pad lane):
    // column h = Σ_m (ar − j·ad) x_m + bs·y_m
    let coefAr: UnsafeMutablePointer<Double>, coefAd: UnsafeMutablePointer<Double>, coefBs: UnsafeMutablePointer<Double>
    // P2 pair products of x_m = c_m z_m, y_m = c_m g_m (m ≥ j), by pair slot: xᴴx, xᴴy, yᴴx, yᴴy
    let xxRe: UnsafeMutablePointer<Double>, xxIm: UnsafeMutablePointer<Double>
    let xyRe: UnsafeMutablePointer<Double>, xyIm: UnsafeMutablePointer<Double>
    let yxRe: UnsafeMutablePointer<Double>, yxIm: UnsafeMutablePointer<Double>
    let yyRe: UnsafeMutablePointer<Double>, yyIm: UnsafeMutablePointer<Double>
    // P2: X_h[m] = x_mᴴ (head column h), [h·(M+1) + m]
    let headProjectionRe: UnsafeMutablePointer<Double>, headProjectionIm: UnsafeMutablePointer<Double>
    // P2 coherent: the δφ row of the tail
    let deltaScratch: UnsafeMutablePointer<Double>
    // P2, N = 4: T0/T1 of one row AP for every column AP: 16 values per lane pair, [j·16 + 8a + {0, 2, 4, 6} + lane]
    let rowScratch: UnsafeMutablePointer<Double>
    /// Tail, coupling and head blocks of the (unit-scaled) Fisher information, and the Schur solve.
    let solver: PositionSchurSolver
    /// The one allocation holding every Double buffer above.
    let arenaBase: UnsafeMutableRawPointer
    /// How P2 pair products are formed (see `P2Products`).
    public let p2Products: P2Products
    /// P2 direct sums: the last K mod 4 pulses' steering and focusing phasors with zero lanes (4 × 4 values).
    let tailStage: UnsafeMutablePointer<Double>
    /// P2 direct sums: K rounded up to a multiple of 4 (the pulse rows are zero-padded to it).
    let paddedK: Int
    /// P2 direct sums: x_m[k] = c_m z_m[k] at [m·paddedK + k] (rows m < M; row M and the pulses k ≥ K stay zero).
    let pulseXRe: UnsafeMutablePointer<Double>, pulseXIm: UnsafeMutablePointer<Double>
    /// P2 direct sums, complex tail: Re x + Im x and Im x − Re x, same layout (rows m < M).
    let pulseSumScratch: UnsafeMutablePointer<Double>, pulseDifferenceScratch: UnsafeMutablePointer<Double>
    /// P2 direct sums: the head columns h_x[k], h_y[k] (unit power) at [h·paddedK + k], and (coherent) μ[k] at
    /// [2·paddedK + k].
    let pulseHeadRe: UnsafeMutablePointer<Double>, pulseHeadIm: UnsafeMutablePointer<Double>

    /// How the P2 evaluator forms the inner products of the per-AP model vectors x_m, y_m and the head columns.
    public enum P2Products: Sendable {
        /// Precompute the Gram blocks Φ_mᴴ Φ_j of the precoder basis once (O(M² N² K) at construction); every point is
        /// then O(M² N²), independent of K. Pays off for many points with many pulses.
        case precoderGram
        /// No precomputation: every point forms x_m[k] and the head columns over the K pulses and sums the products
        /// directly (O(M² K) per point, four pulses per lane group). Always best for a single point
        /// (`DownlinkFisher.positionErrorBound(setup)`), and per point up to a few N² pulses.
        case directSums

        /// The faster method per point for a reused evaluator: direct sums up to K < 4 N² pulses (coherent) or
        /// K < 2.5 N² (non-coherent, complex pair products), the precoder Gram blocks beyond. Measured crossover at
        /// M = 20, N = 4 (`dmimo-downlink bench --only peb --illumination-points K`, K = 25…144): coherent 7.9 vs 12.1 µs
        /// at K = 25, 11.6 vs 13.5 at 49, 13.4 vs 13.4 at 64; non-coherent 11.8 vs 13.5 at 36, 14.9 vs 13.2 at 49.
        public static func preferred(antennaCount n: Int, illuminationCount k: Int, processing: DownlinkProcessing) -> P2Products {
            let pulses = Double(k), blockSize = Double(n * n)
            return pulses < (processing == .coherent ? 4 : 2.5) * blockSize ? .directSums : .precoderGram
        }
    }

    /// - Parameters:
    ///   - perAPPower: P (W); `noiseVariance`: σ² (W).
    ///   - p2Products: how P2 forms its inner products; nil: `P2Products.preferred` for this network and processing.
    public init(network: DownlinkNetwork, protocol: DownlinkProtocol, processing: DownlinkProcessing, perAPPower: Double,
                noiseVariance: Double = DownlinkConstants.noiseVariance, amplitudeModel: AmplitudeModel = .free,
                p2Products: P2Products? = nil) {
        let p2Products = p2Products ?? .preferred(antennaCount: network.antennaCount,
                                                  illuminationCount: network.illuminationCount, processing: processing)
        self.network = network
        self.p2Products = p2Products
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
        parameterCount = FisherSetup.parameterCount(apCount: network.apCount, processing: processing, amplitudeModel: amplitudeModel)
        waveNumber = 2 * Double.pi / network.wavelength
        arraySign = network.arraySign
        let m = apCount, n = antennaCount
        // Every buffer is a region of one allocation (a one-shot evaluation builds an evaluator per point; separate
        // allocations were a measurable part of its time).
        let lags = max(n - 1, 0)
        var slots = 0
        for i in 0..<m { slots += (i + 2) / 2 * 2 }
        let p2 = `protocol` == .p2
        let gramBlocks = p2 && p2Products == .precoderGram
        let direct = p2 && p2Products == .directSums
        let kPadded = (kCount + 3) / 4 * 4
        let gramCount = gramBlocks ? slots * n * n : 0, packedCount = gramBlocks && n == 4 ? slots * 32 : 0
        // Only what the protocol and the P2 method use: the Gram path's v, xy/yx/yy products and row scratch are not
        // needed by direct sums, and the σ/δ rows only by the complex (non-coherent free) tail.
        let pulseCount = direct ? (m + 1) * kPadded : 0, pulseHeadCount = direct ? 3 * kPadded : 0
        let pulseSumCount = direct && !coherent && !structured ? (m + 1) * kPadded : 0
        let products = p2 ? slots : 0, gramProducts = gramBlocks ? slots : 0
        let arrayResponseCount = gramBlocks ? n * (m + 1) : 0, rowScratchCount = gramBlocks ? 16 * ((m + 2) / 2 * 2) : 0
        let paddedAPs = (m + 3) / 4 * 4, phasorCount = direct ? paddedAPs : 0
        var arena = DoubleArena(regions: [
            paddedAPs, paddedAPs, paddedAPs, paddedAPs, phasorCount, phasorCount, phasorCount, phasorCount, 4 * phasorCount,
            m * lags, m * lags, lags, lags, lags, lags, gramCount, gramCount, packedCount,
            pulseCount, pulseCount, pulseSumCount, pulseSumCount, pulseHeadCount, pulseHeadCount,
            arrayResponseCount, arrayResponseCount, m + 1, m + 1, m, 2 * (m + 1), 2 * (m + 1), 2 * (m + 1),
            products, products, gramProducts, gramProducts, gramProducts, gramProducts, gramProducts, gramProducts,
            2 * (m + 1), 2 * (m + 1), m, rowScratchCount, direct ? 16 : 0, p2 ? 0 : kPadded, p2 ? 0 : kPadded,
            m + 1,   // rowStart (Int)
        ])
        arenaBase = arena.base
        func allocate(_ count: Int, zeroed: Bool = true) -> UnsafeMutablePointer<Double> { arena.take(count, zeroed: zeroed) }
        apX = allocate(paddedAPs); apY = allocate(paddedAPs); cosO = allocate(paddedAPs); sinO = allocate(paddedAPs)
        arrayCos = allocate(phasorCount, zeroed: false); arraySin = allocate(phasorCount, zeroed: false)
        carrierCos = allocate(phasorCount, zeroed: false); carrierSin = allocate(phasorCount, zeroed: false)
        apStride = paddedAPs
        apGeometry = allocate(4 * phasorCount, zeroed: false)
        for i in 0..<m {
            apX[i] = network.apX[i]; apY[i] = network.apY[i]
            cosO[i] = network.apOrientationCos[i]; sinO[i] = network.apOrientationSin[i]
        }

        // P1 lag sums and weights. With W_l = Σ_k exp(jπ l D_k), D_k = s_m − s_m[k] (W_{−l} = conj W_l, W_0 = K):
        // Σ_k |G|² = Σ_{a,b} W_{b−a}, Σ_k conj(G) G′ = jπ Σ_{a,b} b W_{b−a}, Σ_k |G′|² = π² Σ_{a,b} a b W_{b−a}.
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
        if `protocol` == .p1 && lags > 0 {
            // steer = exp(−jπ s_m[k]); the powers steer^l of every pulse by repeated multiplication (l outer, so that
            // the sum over k runs two pulses at a time without a loop-carried store)
            typealias V = SIMD2<Double>
            let powRe = allocate(kPadded), powIm = allocate(kPadded)
            let lagRe = self.lagRe, lagIm = self.lagIm, kc = kCount
            network.steerRe.withUnsafeBufferPointer { steerReBuffer in
            network.steerIm.withUnsafeBufferPointer { steerImBuffer in
                let sRe = steerReBuffer.baseAddress!, sIm = steerImBuffer.baseAddress!
                for i in 0..<m {
                    let row = i * kc
                    for k in 0..<kc { powRe[k] = 1; powIm[k] = 0 }
                    for l in 0..<lags {
                        var accRe = V(repeating: 0), accIm = V(repeating: 0)
                        var k = 0
                        while k + 1 < kc {
                            let a = Self.load(powRe, k), b = Self.load(powIm, k)
                            let c = Self.load(sRe, row + k), d = Self.load(sIm, row + k)
                            let pr = a * c - b * d, pi = a * d + b * c
                            Self.store(powRe, k, pr); Self.store(powIm, k, pi)
                            accRe += pr; accIm += pi
                            k += 2
                        }
                        var re = accRe.sum(), im = accIm.sum()
                        if k < kc {
                            let a = powRe[k], b = powIm[k], c = sRe[row + k], d = sIm[row + k]
                            powRe[k] = a * c - b * d; powIm[k] = a * d + b * c
                            re += powRe[k]; im += powIm[k]
                        }
                        lagRe[i * lags + l] = re; lagIm[i * lags + l] = im
                    }
                }
            }}
        }

        // P2 Gram blocks, padded to an even number of pairs per row.
        rowStart = UnsafeMutableRawPointer(allocate(m + 1, zeroed: false)).bindMemory(to: Int.self, capacity: m + 1)
        var start = 0
        for i in 0..<m { rowStart[i] = start; start += (i + 2) / 2 * 2 }
        rowStart[m] = start
        pairSlots = products
        gramRe = allocate(gramBlocks ? pairSlots * n * n : 0); gramIm = allocate(gramBlocks ? pairSlots * n * n : 0)
        gramPacked = allocate(gramBlocks && n == 4 ? pairSlots * 32 : 0)
        paddedK = kPadded
        // pulse rows m < M, σ/δ rows and head rows are written before they are read in every call; row M stays zero
        pulseXRe = allocate(direct ? (m + 1) * paddedK : 0, zeroed: false)
        pulseXIm = allocate(direct ? (m + 1) * paddedK : 0, zeroed: false)
        if direct { (pulseXRe + m * paddedK).initialize(repeating: 0, count: paddedK); (pulseXIm + m * paddedK).initialize(repeating: 0, count: paddedK) }
        pulseSumScratch = allocate(pulseSumCount, zeroed: false); pulseDifferenceScratch = allocate(pulseSumCount, zeroed: false)
        pulseHeadRe = allocate(direct ? 3 * paddedK : 0, zeroed: false); pulseHeadIm = allocate(direct ? 3 * paddedK : 0, zeroed: false)
        if gramBlocks {
            let model = DownlinkCostModel(network: network, protocol: .p2)
            for i in 0..<m {
                for j in 0...i {
                    let block = (i * (i + 1) / 2 + j) * n * n
                    let slot = rowStart[i] + j
                    for e in 0..<(n * n) {
                        gramRe[e * pairSlots + slot] = model.gramRe[block + e]
                        gramIm[e * pairSlots + slot] = model.gramIm[block + e]
                        if n == 4 {
                            gramPacked[slot / 2 * 64 + 4 * e + slot % 2] = model.gramRe[block + e]
                            gramPacked[slot / 2 * 64 + 4 * e + 2 + slot % 2] = model.gramIm[block + e]
                        }
                    }
                }
            }
        }

        vRe = allocate(arrayResponseCount); vIm = allocate(arrayResponseCount)
        rotRe = allocate(m + 1); rotIm = allocate(m + 1); amplitude = allocate(m)
        coefAr = allocate(2 * (m + 1)); coefAd = allocate(2 * (m + 1)); coefBs = allocate(2 * (m + 1))
        xxRe = allocate(products); xxIm = allocate(products); xyRe = allocate(gramProducts); xyIm = allocate(gramProducts)
        yxRe = allocate(gramProducts); yxIm = allocate(gramProducts); yyRe = allocate(gramProducts); yyIm = allocate(gramProducts)
        headProjectionRe = allocate(2 * (m + 1)); headProjectionIm = allocate(2 * (m + 1))
        deltaScratch = allocate(m)
        rowScratch = allocate(rowScratchCount)
        tailStage = allocate(direct ? 16 : 0)
        solver = PositionSchurSolver(tailCapacity: `protocol` == .p2 ? m + 1 : 0,
                                     diagonalCapacity: `protocol` == .p1 ? 2 * m + 1 : 0, parameterCount: parameterCount)
    }

    /// Convenience: the evaluator of a Fisher setup's network, protocol, processing, power, noise and amplitude model.
    public convenience init(_ setup: FisherSetup, p2Products: P2Products? = nil) {
        self.init(network: setup.network, protocol: setup.protocol, processing: setup.processing, perAPPower: setup.perAPPower,
                  noiseVariance: setup.noiseVariance, amplitudeModel: setup.amplitudeModel, p2Products: p2Products)
    }

    deinit {
        arenaBase.deallocate()   // rowStart is a region of the arena
    }

    /// PEB = √([F⁻¹]₁₁ + [F⁻¹]₂₂) (m) at UE position `user` (m) with phase offset `phaseOffset` δφ (rad);
    /// +∞ if the Fisher information is singular (docs/MODEL.md §DL.6).
    public func positionErrorBound(at user: Point2, phaseOffset: Double = DownlinkConstants.phaseOffset) -> Double {
        evaluationCount += 1
        guard perAPPower > 0, noiseVariance > 0 else { return .infinity }
        let outcome: PositionSchurSolver.Outcome
        if isP1 {
            outcome = p1Bound(at: user)
        } else if p2Products == .directSums {
            outcome = p2DirectBound(at: user, phaseOffset: phaseOffset)
        } else {
            prepareP2(at: user, phaseOffset: phaseOffset)
            if antennaCount == 4 { pairProducts4() } else { pairProducts() }
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
        let y = apCount + 1 + m
        amplitude[m] = alpha
        coefBs[m] = alpha * gradSx; coefBs[y] = alpha * gradSy
        if coherent {
            coefAd[m] = waveNumber * alpha * dx / d; coefAd[y] = waveNumber * alpha * dy / d
        } else {
            coefAd[m] = 0; coefAd[y] = 0
        }
        if structured {
            coefAr[m] = -alpha * dx / (d * d); coefAr[y] = -alpha * dy / (d * d)
        } else {
            coefAr[m] = 0; coefAr[y] = 0
        }
    }

    // MARK: - P1

    /// P1: per AP the Gram matrix of (z_m, g_m) in closed form; the common factor c_m of every column of AP m has
    /// modulus 1 and cancels (for free β the tail basis {z, jz} is rotated to {cz, jcz}, which spans the same space).
    func p1Bound(at u: Point2) -> PositionSchurSolver.Outcome {
        let tailScale = solver.diagonalTail, couplingRe = solver.diagonalCoupling
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
            let arX = coefAr[i], arY = coefAr[m + 1 + i], adX = coefAd[i], adY = coefAd[m + 1 + i]
            let bX = coefBs[i], bY = coefBs[m + 1 + i]
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
            // exp(jπ s_m) and c_m = exp(j(δφ − 2π d_m/λ))
            let (wRe, wIm) = cosSin(Double.pi * sine)
            let (cRe, cIm) = cosSin(phaseOffset - waveNumber * d)
            var pRe = 1.0, pIm = 0.0
            for a in 0..<n {
                vRe[a * stride + i] = pRe; vIm[a * stride + i] = pIm
                let t = pRe * wRe - pIm * wIm
                pIm = pRe * wIm + pIm * wRe
                pRe = t
            }
            rotRe[i] = cRe; rotIm[i] = cIm
        }
        // padding lane (j = M) of the pair kernel
        for a in 0..<n { vRe[a * stride + m] = 0; vIm[a * stride + m] = 0 }
        rotRe[m] = 0; rotIm[m] = 0
    }

    /// Pair products of x_m = c_m z_m and y_m = c_m g_m (unit power) for every m ≥ j:
    /// with T0 = Γ_mj v_j, T1 = Γ_mj (n v_j) (Γ_mj = Φ_mᴴ Φ_j), z_mᴴ z_j = v_mᴴ T0, z_mᴴ g_j = jπ v_mᴴ T1,
    /// g_mᴴ z_j = −jπ (n v_m)ᴴ T0, g_mᴴ g_j = π² (n v_m)ᴴ T1; then rotated by conj(c_m) c_j. Any N (scalar).
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

    /// `pairProducts` for N = 4 antennas, two column APs j at a time (SIMD2 lanes), using v_{j,0} = 1. The Gram blocks
    /// of a lane pair are packed (`gramPacked`: 16 entries × (re, im) × 2 lanes) so that every load is a constant
    /// displacement; three short passes per row AP i keep few values live (SSE has 16 registers): T0, T1 of the four
    /// block rows into `rowScratch`, then (A, gz) from T0 and (zg, gg) from T1 with v_i, each rotated by conj(c_i) c_j.
    func pairProducts4() {
        typealias V = SIMD2<Double>
        @inline(__always) func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> V {
            UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
        }
        @inline(__always) func store(_ p: UnsafeMutablePointer<Double>, _ i: Int, _ value: V) {
            UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: V.self)
        }
        let m = apCount, stride = m + 1
        let piV = V(repeating: Double.pi), pi2 = V(repeating: Double.pi * Double.pi), three = V(repeating: 3)
        for i in 0..<m {
            let start = rowStart[i]
            let lanes = (i + 2) / 2 * 2
            // pass 1: T0[a] = H[a,0] + Σ_b H[a,b] v_jb, T1[a] = Σ_b b H[a,b] v_jb (b = 1..3); scratch 16 V per lane pair
            var j = 0
            while j < lanes {
                let g = gramPacked + (start + j) * 32            // entry e: re at 4e, im at 4e + 2
                let t = rowScratch + j * 16                      // a·4 + (t0r, t0i, t1r, t1i)
                let x1r = load(vRe, stride + j), x1i = load(vIm, stride + j)
                let x2r = load(vRe, 2 * stride + j), x2i = load(vIm, 2 * stride + j)
                let x3r = load(vRe, 3 * stride + j), x3i = load(vIm, 3 * stride + j)
                @inline(__always) func row(_ a: Int) {
                    let e = 16 * a
                    let p1r = load(g, e + 4) * x1r - load(g, e + 6) * x1i, p1i = load(g, e + 4) * x1i + load(g, e + 6) * x1r
                    let p2r = load(g, e + 8) * x2r - load(g, e + 10) * x2i, p2i = load(g, e + 8) * x2i + load(g, e + 10) * x2r
                    let p3r = load(g, e + 12) * x3r - load(g, e + 14) * x3i, p3i = load(g, e + 12) * x3i + load(g, e + 14) * x3r
                    // p1 + p2 + p3 and p1 + 2 p2 + 3 p3 = (p1 + p2 + p3) + (p2 + p3) + p3
                    let s23r = p2r + p3r, s23i = p2i + p3i
                    let sr = p1r + s23r, si = p1i + s23i
                    store(t, 8 * a, load(g, e) + sr); store(t, 8 * a + 2, load(g, e + 2) + si)
                    store(t, 8 * a + 4, sr + s23r + p3r); store(t, 8 * a + 6, si + s23i + p3i)
                }
                row(0); row(1); row(2); row(3)
                j += 2
            }
            let u1r = V(repeating: vRe[stride + i]), u1i = V(repeating: vIm[stride + i])
            let u2r = V(repeating: vRe[2 * stride + i]), u2i = V(repeating: vIm[2 * stride + i])
            let u3r = V(repeating: vRe[3 * stride + i]), u3i = V(repeating: vIm[3 * stride + i])
            let ciRe = V(repeating: rotRe[i]), ciIm = V(repeating: rotIm[i])
            // passes 2 and 3: with Q_a = conj(v_ia) T0[a], R_a = conj(v_ia) T1[a] (v_i0 = 1):
            // z_iᴴz_j = Σ Q_a, g_iᴴz_j = −jπ Σ a Q_a, z_iᴴg_j = jπ Σ R_a, g_iᴴg_j = π² Σ a R_a
            @inline(__always) func combine(_ offset: Int, _ sumOut: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                                           _ weightedOut: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
                                           sumScale: (V, V) -> (V, V), weightedScale: (V, V) -> (V, V)) {
                var j = 0
                while j < lanes {
                    let t = rowScratch + j * 16 + offset
                    var sRe = load(t, 0), sIm = load(t, 2)
                    var q1 = load(t, 8), q2 = load(t, 10)
                    var qr = u1r * q1 + u1i * q2, qi = u1r * q2 - u1i * q1
                    sRe += qr; sIm += qi
                    var wRe = qr, wIm = qi
                    q1 = load(t, 16); q2 = load(t, 18)
                    qr = u2r * q1 + u2i * q2; qi = u2r * q2 - u2i * q1
                    sRe += qr; sIm += qi; wRe += qr + qr; wIm += qi + qi
                    q1 = load(t, 24); q2 = load(t, 26)
                    qr = u3r * q1 + u3i * q2; qi = u3r * q2 - u3i * q1
                    sRe += qr; sIm += qi; wRe += three * qr; wIm += three * qi
                    let (aR, aI) = sumScale(sRe, sIm), (bR, bI) = weightedScale(wRe, wIm)
                    let cjRe = load(rotRe, j), cjIm = load(rotIm, j)
                    let rRe = ciRe * cjRe + ciIm * cjIm, rIm = ciRe * cjIm - ciIm * cjRe
                    let slot = start + j
                    store(sumOut.0, slot, rRe * aR - rIm * aI); store(sumOut.1, slot, rRe * aI + rIm * aR)
                    store(weightedOut.0, slot, rRe * bR - rIm * bI); store(weightedOut.1, slot, rRe * bI + rIm * bR)
                    j += 2
                }
            }
            combine(0, (xxRe, xxIm), (yxRe, yxIm), sumScale: { ($0, $1) }, weightedScale: { (piV * $1, -piV * $0) })
            combine(4, (xyRe, xyIm), (yyRe, yyIm), sumScale: { (-piV * $1, piV * $0) }, weightedScale: { (pi2 * $0, pi2 * $1) })
        }
    }

    /// P2: head block, tail block and coupling from the pair products, then the Schur solve.
    /// X_h[a] = x_aᴴ h = Σ_b ((ar − j·ad)_hb xᴴx_ab + bs_hb xᴴy_ab) and F_hh′ = Re{hᴴ h′}
    ///        = Σ_a Re{conj(ar − j·ad)_ha X_h′[a]} + Σ_{a,b} bs_ha Re{(ar − j·ad)_h′b yᴴx_ab + bs_h′b yᴴy_ab},
    /// over ordered pairs (a, b): the stored slot (i, j ≤ i) and its mirror (j, i) for j < i, with
    /// xᴴx_ji = conj xᴴx_ij, xᴴy_ji = conj yᴴx_ij, yᴴx_ji = conj xᴴy_ij, yᴴy_ji = conj yᴴy_ij.
    /// Two column APs j at a time (SIMD2 lanes); padded lanes carry zero products.
    func p2Bound() -> PositionSchurSolver.Outcome {
        typealias V = SIMD2<Double>
        @inline(__always) func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> V {
            UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
        }
        @inline(__always) func store(_ p: UnsafeMutablePointer<Double>, _ i: Int, _ value: V) {
            UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: V.self)
        }
        let m = apCount, cs = m + 1
        let xRe = headProjectionRe, xIm = headProjectionIm
        for i in 0..<(2 * cs) { xRe[i] = 0; xIm[i] = 0 }
        var hxxV = V(repeating: 0), hxyV = V(repeating: 0), hyyV = V(repeating: 0)
        // One loop per amplitude model / processing: ar (structured) and ad (coherent) vanish otherwise, and the
        // specialised copies skip them.
        @inline(__always) func assemble(_ hasAr: Bool, _ hasAd: Bool) {
            for i in 0..<m {
                let start = rowStart[i]
                let lanes = (i + 2) / 2 * 2
                // coefficients of the row AP i (mirror terms)
                let arXi = V(repeating: hasAr ? coefAr[i] : 0), adXi = V(repeating: hasAd ? coefAd[i] : 0)
                let arYi = V(repeating: hasAr ? coefAr[cs + i] : 0), adYi = V(repeating: hasAd ? coefAd[cs + i] : 0)
                let bsXi = V(repeating: coefBs[i]), bsYi = V(repeating: coefBs[cs + i])
                var rowXr = V(repeating: 0), rowXi = V(repeating: 0), rowYr = V(repeating: 0), rowYi = V(repeating: 0)
                var j = 0
                while j < lanes {
                    let slot = start + j
                    let xxR = load(xxRe, slot), xxI = load(xxIm, slot), xyR = load(xyRe, slot), xyI = load(xyIm, slot)
                    let yxR = load(yxRe, slot), yxI = load(yxIm, slot), yyR = load(yyRe, slot), yyI = load(yyIm, slot)
                    let bsXj = load(coefBs, j), bsYj = load(coefBs, cs + j)
                    // (i, j): X_h[i] += (ar − j ad)_hj xx + bs_hj xy; y part bs_hi Re{(ar − j ad)_h′j yx + bs_h′j yy}
                    rowXr += bsXj * xyR; rowXi += bsXj * xyI
                    rowYr += bsYj * xyR; rowYi += bsYj * xyI
                    var partX = bsXj * yyR, partY = bsYj * yyR
                    if hasAr {
                        let arXj = load(coefAr, j), arYj = load(coefAr, cs + j)
                        rowXr += arXj * xxR; rowXi += arXj * xxI; rowYr += arYj * xxR; rowYi += arYj * xxI
                        partX += arXj * yxR; partY += arYj * yxR
                    }
                    if hasAd {
                        let adXj = load(coefAd, j), adYj = load(coefAd, cs + j)
                        rowXr += adXj * xxI; rowXi -= adXj * xxR; rowYr += adYj * xxI; rowYi -= adYj * xxR
                        partX += adXj * yxI; partY += adYj * yxI
                    }
                    hxxV += bsXi * partX; hxyV += bsXi * partY; hyyV += bsYi * partY
                    // mirror (j, i) for j < i: X_h[j] += (ar − j ad)_hi conj(xx) + bs_hi conj(yx);
                    // y part bs_hj Re{(ar − j ad)_h′i conj(xy) + bs_h′i conj(yy)}
                    let mask = V(j < i ? 1 : 0, j + 1 < i ? 1 : 0)
                    var mXr = bsXi * yxR, mXi = -(bsXi * yxI), mYr = bsYi * yxR, mYi = -(bsYi * yxI)
                    var mirrorX = bsXi * yyR, mirrorY = bsYi * yyR
                    if hasAr {
                        mXr += arXi * xxR; mXi -= arXi * xxI; mYr += arYi * xxR; mYi -= arYi * xxI
                        mirrorX += arXi * xyR; mirrorY += arYi * xyR
                    }
                    if hasAd {
                        mXr -= adXi * xxI; mXi -= adXi * xxR; mYr -= adYi * xxI; mYi -= adYi * xxR
                        mirrorX -= adXi * xyI; mirrorY -= adYi * xyI
                    }
                    store(xRe, j, load(xRe, j) + mask * mXr); store(xIm, j, load(xIm, j) + mask * mXi)
                    store(xRe, cs + j, load(xRe, cs + j) + mask * mYr); store(xIm, cs + j, load(xIm, cs + j) + mask * mYi)
                    hxxV += bsXj * (mask * mirrorX); hxyV += bsXj * (mask * mirrorY); hyyV += bsYj * (mask * mirrorY)
                    j += 2
                }
                xRe[i] += rowXr.sum(); xIm[i] += rowXi.sum()
                xRe[cs + i] += rowYr.sum(); xIm[cs + i] += rowYi.sum()
            }
        }
        switch (structured, coherent) {
        case (false, false): assemble(false, false)
        case (false, true): assemble(false, true)
        case (true, false): assemble(true, false)
        case (true, true): assemble(true, true)
        }
        var hxx = hxxV.sum(), hxy = hxyV.sum(), hyy = hyyV.sum()
        // x-row part: Re{conj(ar − j ad) X} = ar Re X − ad Im X
        for i in 0..<m {
            let arX = coefAr[i], adX = coefAd[i], arY = coefAr[cs + i], adY = coefAd[cs + i]
            hxx += arX * xRe[i] - adX * xIm[i]
            hxy += arX * xRe[cs + i] - adX * xIm[cs + i]
            hyy += arY * xRe[cs + i] - adY * xIm[cs + i]
        }
        solver.headXX = hxx; solver.headXY = hxy; solver.headYY = hyy
        return solveP2Tail()
    }

    // MARK: - P2, direct sums over the pulses

    /// P2 without precomputed Gram blocks: per AP the pulse vectors x_m[k] = c_m z_m[k] (unit power) and the head
    /// columns h_h[k] = Σ_m (ar − j·ad)_hm x_m[k] + bs_hm y_m[k], y_m = c_m g_m (coherent: also μ[k] = Σ_m α_m x_m[k],
    /// the δφ column over j); then as sums over k the pair products xᴴx (lower triangle; real part only unless the tail
    /// is complex), X_h[m] = x_mᴴ h_h, the head block Re{h_hᴴ h_h′} and, coherent, the δφ row Im{μᴴ x_m} and ||μ||²;
    /// then the Schur solve. z_m[k] = ψ_m[k] G, g_m[k] = ψ_m[k] G′ with G = Σ_n w^n, G′ = jπ Σ_n n w^n,
    /// w = exp(jπ(s_m − s_m[k])), ψ_m[k] = exp(j2π d_m[k]/λ)/√N (the network's focusing and steering phasors).
    func p2DirectBound(at u: Point2, phaseOffset: Double) -> PositionSchurSolver.Outcome {
        switch (structured, coherent) {
        case (false, false): p2DirectPulses(at: u, phaseOffset: phaseOffset, hasAr: false, hasAd: false)
        case (false, true): p2DirectPulses(at: u, phaseOffset: phaseOffset, hasAr: false, hasAd: true)
        case (true, false): p2DirectPulses(at: u, phaseOffset: phaseOffset, hasAr: true, hasAd: false)
        case (true, true): p2DirectPulses(at: u, phaseOffset: phaseOffset, hasAr: true, hasAd: true)
        }
        if !(coherent && structured) { p2DirectPairProducts(imaginary: !coherent && !structured) }
        let deltaDelta = p2DirectProjections()
        return solveP2Tail(deltaDelta: deltaDelta)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD2<Double> {
        UnsafeRawPointer(p + i).loadUnaligned(as: SIMD2<Double>.self)
    }
    @inline(__always)
    private static func store(_ p: UnsafeMutablePointer<Double>, _ i: Int, _ value: SIMD2<Double>) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: SIMD2<Double>.self)
    }

    /// Fills `pulseXRe/Im` (x_m[k]) and `pulseHeadRe/Im` (rows h_x, h_y and, coherent, μ), four pulses at a time
    /// (`D4` lanes), and the per-AP head coefficients. `hasAr`/`hasAd`: whether ar (structured) / ad (coherent) can
    /// be non-zero (the zero terms are skipped).
    @inline(__always)
    func p2DirectPulses(at u: Point2, phaseOffset: Double, hasAr: Bool, hasAd: Bool) {
        let m = apCount, n = antennaCount, kc = kCount, kp = paddedK, cs = m + 1
        let xRe = pulseXRe, xIm = pulseXIm, hRe = pulseHeadRe, hIm = pulseHeadIm, stage = tailStage
        let hasMu = coherent
        hRe.update(repeating: 0, count: (hasMu ? 3 : 2) * kp); hIm.update(repeating: 0, count: (hasMu ? 3 : 2) * kp)
        let unitScale = 1 / Double(n).squareRoot()
        let pi = Double.pi
        let fullQuads = kc / 4 * 4
        network.steerRe.withUnsafeBufferPointer { steerReBuffer in
        network.steerIm.withUnsafeBufferPointer { steerImBuffer in
        network.focusRe.withUnsafeBufferPointer { focusReBuffer in
        network.focusIm.withUnsafeBufferPointer { focusImBuffer in
            let steerRe = steerReBuffer.baseAddress!, steerIm = steerImBuffer.baseAddress!
            let focusRe = focusReBuffer.baseAddress!, focusIm = focusImBuffer.baseAddress!
            // exp(jπ s_m) and c_m = exp(j(δφ − 2π d_m/λ)) of four APs at a time (the scalar expressions, bit for bit)
            // and the geometry the head coefficients need (Δ, d, cos θ) into `apGeometry`
            let halfTurns = D4(pi), k = D4(waveNumber), offset = D4(phaseOffset), stride = apStride
            var quad = 0
            while quad < m {
                let geometry = APGeometry4(user: u, apX: apX + quad, apY: apY + quad, orientationCos: cosO + quad,
                                           orientationSin: sinO + quad, arraySign: arraySign)
                let (ac, `as`) = cosSin4(halfTurns * geometry.sine), (cc, cs) = cosSin4(offset - k * geometry.distance)
                ac.store(arrayCos + quad); `as`.store(arraySin + quad); cc.store(carrierCos + quad); cs.store(carrierSin + quad)
                geometry.dx.store(apGeometry + quad); geometry.dy.store(apGeometry + stride + quad)
                geometry.distance.store(apGeometry + 2 * stride + quad); geometry.cosine.store(apGeometry + 3 * stride + quad)
                quad += 4
            }
            for i in 0..<m {
                headCoefficients(ap: i, dx: apGeometry[i], dy: apGeometry[stride + i], distance: apGeometry[2 * stride + i],
                                 cosine: apGeometry[3 * stride + i])
                let cRe = D4(carrierCos[i] * unitScale), cIm = D4(carrierSin[i] * unitScale)
                let uRe = D4(arrayCos[i]), uIm = D4(arraySin[i])
                let arX = D4(coefAr[i]), adX = D4(coefAd[i]), arY = D4(coefAr[cs + i]), adY = D4(coefAd[cs + i])
                // y = jπ ψ′T enters h only through bs·y: fold π into bs
                let pbX = D4(pi * coefBs[i]), pbY = D4(pi * coefBs[cs + i])
                let alpha = D4(amplitude[i])
                let row = i * kc, out = i * kp
                @inline(__always) func pulse(_ k: Int, _ sr: D4, _ si: D4, _ fr0: D4, _ fi0: D4) {
                    // w = u·steer; G = Σ w^a, T = Σ a w^a (a = 0..<N)
                    let wr = fnma(uIm, si, uRe * sr), wi = fma(uRe, si, uIm * sr)
                    var gr: D4, gi: D4, tr: D4, ti: D4
                    if n == 4 {
                        let w2r = fnma(wi, wi, wr * wr), w2i = D4(2) * wr * wi
                        let w3r = fnma(w2i, wi, w2r * wr), w3i = fma(w2r, wi, w2i * wr)
                        let s23r = w2r + w3r, s23i = w2i + w3i
                        gr = D4(1) + wr + s23r; gi = wi + s23i
                        tr = wr + s23r + s23r + w3r; ti = wi + s23i + s23i + w3i
                    } else {
                        gr = D4(1); gi = .zero; tr = .zero; ti = .zero
                        var pr = D4(1), pim = D4.zero
                        var a = 1
                        while a < n {
                            let t = pr * wr - pim * wi
                            pim = pr * wi + pim * wr
                            pr = t
                            gr += pr; gi += pim
                            let weight = D4(Double(a))
                            tr += weight * pr; ti += weight * pim
                            a += 1
                        }
                    }
                    // ψ′ = c ψ/√N; x = ψ′ G; y/π = j ψ′ T = (−Im ψ′T, Re ψ′T)
                    let fr = fnma(fi0, cIm, fr0 * cRe), fi = fma(fr0, cIm, fi0 * cRe)
                    let xr = fnma(fi, gi, fr * gr), xi = fma(fr, gi, fi * gr)
                    let qr = fnma(fi, ti, fr * tr), qi = fma(fr, ti, fi * tr)
                    xr.store(xRe + out + k); xi.store(xIm + out + k)
                    // h += (ar − j ad) x + bs y, with bs y = π bs (−qi, qr)
                    var hxr = fnma(pbX, qi, D4.load(hRe + k)), hxi = fma(pbX, qr, D4.load(hIm + k))
                    var hyr = fnma(pbY, qi, D4.load(hRe + kp + k)), hyi = fma(pbY, qr, D4.load(hIm + kp + k))
                    if hasAr { hxr = fma(arX, xr, hxr); hxi = fma(arX, xi, hxi); hyr = fma(arY, xr, hyr); hyi = fma(arY, xi, hyi) }
                    if hasAd { hxr = fma(adX, xi, hxr); hxi = fnma(adX, xr, hxi); hyr = fma(adY, xi, hyr); hyi = fnma(adY, xr, hyi) }
                    hxr.store(hRe + k); hxi.store(hIm + k)
                    hyr.store(hRe + kp + k); hyi.store(hIm + kp + k)
                    if hasMu {
                        fma(alpha, xr, D4.load(hRe + 2 * kp + k)).store(hRe + 2 * kp + k)
                        fma(alpha, xi, D4.load(hIm + 2 * kp + k)).store(hIm + 2 * kp + k)
                    }
                }
                var k = 0
                while k < fullQuads {
                    pulse(k, D4.load(steerRe + row + k), D4.load(steerIm + row + k),
                          D4.load(focusRe + row + k), D4.load(focusIm + row + k))
                    k += 4
                }
                if k < kc {
                    // the last K mod 4 pulses, staged with zero lanes: the padding pulses have ψ = 0, so x = y = 0
                    stage.update(repeating: 0, count: 16)
                    for r in 0..<(kc - k) {
                        stage[r] = steerRe[row + k + r]; stage[4 + r] = steerIm[row + k + r]
                        stage[8 + r] = focusRe[row + k + r]; stage[12 + r] = focusIm[row + k + r]
                    }
                    pulse(k, D4.load(stage), D4.load(stage + 4), D4.load(stage + 8), D4.load(stage + 12))
                }
            }
        }}}}
    }

    /// xᴴx_ij = Σ_k conj(x_i[k]) x_j[k] for j ≤ i into the pair slots (row M of the pulse arrays is zero padding).
    /// `imaginary`: the complex products (complex tail), by three real products per term (below); otherwise only
    /// Re xᴴx_ij = Σ_k Re x_i Re x_j + Im x_i Im x_j, in 2 × 2 blocks of (i, j). Four pulses per `D4`.
    func p2DirectPairProducts(imaginary: Bool) {
        let m = apCount, kp = paddedK
        let xRe = pulseXRe, xIm = pulseXIm
        if imaginary {
            // conj(a) b = P1 + P2 + j(P3 + P1 − P2), P1 = Re a Re b, P2 = Im a Im b, P3 = (Re a + Im a)(Im b − Re b);
            // the sums σ = Re x + Im x and δ = Im x − Re x per row first. Blocks of two rows i × two rows j.
            let sigma = pulseSumScratch, delta = pulseDifferenceScratch
            var k = 0
            while k < (m + 1) * kp {
                let r = D4.load(xRe + k), q = D4.load(xIm + k)
                (r + q).store(sigma + k); (q - r).store(delta + k)
                k += 4
            }
            var ib = 0
            while ib < m {
                let a0 = ib * kp, a1 = a0 + kp
                let s0 = rowStart[ib], s1 = rowStart[ib + 1 < m ? ib + 1 : ib]
                var jb = 0
                while jb <= ib {
                    let b0 = jb * kp, b1 = b0 + kp
                    var p100 = D4.zero, p200 = D4.zero, p300 = D4.zero, p101 = D4.zero, p201 = D4.zero, p301 = D4.zero
                    var p110 = D4.zero, p210 = D4.zero, p310 = D4.zero, p111 = D4.zero, p211 = D4.zero, p311 = D4.zero
                    var k = 0
                    while k < kp {
                        let br0 = D4.load(xRe + b0 + k), bi0 = D4.load(xIm + b0 + k), bd0 = D4.load(delta + b0 + k)
                        let br1 = D4.load(xRe + b1 + k), bi1 = D4.load(xIm + b1 + k), bd1 = D4.load(delta + b1 + k)
                        let ar0 = D4.load(xRe + a0 + k), ai0 = D4.load(xIm + a0 + k), as0 = D4.load(sigma + a0 + k)
                        let ar1 = D4.load(xRe + a1 + k), ai1 = D4.load(xIm + a1 + k), as1 = D4.load(sigma + a1 + k)
                        p100 = fma(ar0, br0, p100); p200 = fma(ai0, bi0, p200); p300 = fma(as0, bd0, p300)
                        p101 = fma(ar0, br1, p101); p201 = fma(ai0, bi1, p201); p301 = fma(as0, bd1, p301)
                        p110 = fma(ar1, br0, p110); p210 = fma(ai1, bi0, p210); p310 = fma(as1, bd0, p310)
                        p111 = fma(ar1, br1, p111); p211 = fma(ai1, bi1, p211); p311 = fma(as1, bd1, p311)
                        k += 4
                    }
                    @inline(__always) func put(_ slot: Int, _ p1: D4, _ p2: D4, _ p3: D4) {
                        let q1 = p1.sum, q2 = p2.sum
                        xxRe[slot] = q1 + q2; xxIm[slot] = p3.sum + q1 - q2
                    }
                    put(s0 + jb, p100, p200, p300)
                    if jb + 1 <= ib { put(s0 + jb + 1, p101, p201, p301) }
                    if ib + 1 < m { put(s1 + jb, p110, p210, p310); put(s1 + jb + 1, p111, p211, p311) }
                    jb += 2
                }
                ib += 2
            }
            return
        }
        var ib = 0
        while ib < m {
            var jb = 0
            while jb <= ib {
                let a0 = ib * kp, a1 = a0 + kp, b0 = jb * kp, b1 = b0 + kp
                let s0 = rowStart[ib] + jb, s1 = rowStart[ib + 1 < m ? ib + 1 : ib] + jb
                var r00 = D4.zero, r01 = D4.zero, r10 = D4.zero, r11 = D4.zero
                var k = 0
                while k < kp {
                    let ar0 = D4.load(xRe + a0 + k), ai0 = D4.load(xIm + a0 + k)
                    let ar1 = D4.load(xRe + a1 + k), ai1 = D4.load(xIm + a1 + k)
                    let br0 = D4.load(xRe + b0 + k), bi0 = D4.load(xIm + b0 + k)
                    let br1 = D4.load(xRe + b1 + k), bi1 = D4.load(xIm + b1 + k)
                    r00 = fma(ar0, br0, fma(ai0, bi0, r00)); r01 = fma(ar0, br1, fma(ai0, bi1, r01))
                    r10 = fma(ar1, br0, fma(ai1, bi0, r10)); r11 = fma(ar1, br1, fma(ai1, bi1, r11))
                    k += 4
                }
                xxRe[s0] = r00.sum
                if jb + 1 <= ib { xxRe[s0 + 1] = r01.sum }
                if ib + 1 < m { xxRe[s1] = r10.sum; xxRe[s1 + 1] = r11.sum }
                jb += 2
            }
            ib += 2
        }
    }

    /// X_h[i] = Σ_k conj(x_i[k]) h_h[k] into `headProjectionRe/Im`, the head block Re{h_hᴴ h_h′} into the solver and,
    /// coherent, the δφ row Im{μᴴ x_i} into `deltaScratch`; returns ||μ||² (coherent) or nil.
    func p2DirectProjections() -> Double? {
        let m = apCount, kp = paddedK, cs = m + 1
        let xRe = pulseXRe, xIm = pulseXIm, hRe = pulseHeadRe, hIm = pulseHeadIm
        let pRe = headProjectionRe, pIm = headProjectionIm
        for i in 0..<m {
            let a = i * kp
            var xr = D4.zero, xi = D4.zero, yr = D4.zero, yi = D4.zero, mi = D4.zero
            var k = 0
            while k < kp {
                let ar = D4.load(xRe + a + k), ai = D4.load(xIm + a + k)
                let hxr = D4.load(hRe + k), hxi = D4.load(hIm + k), hyr = D4.load(hRe + kp + k), hyi = D4.load(hIm + kp + k)
                xr = fma(ar, hxr, fma(ai, hxi, xr)); xi = fma(ar, hxi, fnma(ai, hxr, xi))
                yr = fma(ar, hyr, fma(ai, hyi, yr)); yi = fma(ar, hyi, fnma(ai, hyr, yi))
                if coherent {
                    // Im{μᴴ x_i} = Σ Re μ Im x − Im μ Re x
                    mi = fma(D4.load(hRe + 2 * kp + k), ai, fnma(D4.load(hIm + 2 * kp + k), ar, mi))
                }
                k += 4
            }
            pRe[i] = xr.sum; pIm[i] = xi.sum; pRe[cs + i] = yr.sum; pIm[cs + i] = yi.sum
            if coherent { deltaScratch[i] = mi.sum }
        }
        var hxx = D4.zero, hxy = D4.zero, hyy = D4.zero, mm = D4.zero
        var k = 0
        while k < kp {
            let hxr = D4.load(hRe + k), hxi = D4.load(hIm + k), hyr = D4.load(hRe + kp + k), hyi = D4.load(hIm + kp + k)
            hxx = fma(hxr, hxr, fma(hxi, hxi, hxx)); hxy = fma(hxr, hyr, fma(hxi, hyi, hxy)); hyy = fma(hyr, hyr, fma(hyi, hyi, hyy))
            if coherent {
                let mr = D4.load(hRe + 2 * kp + k), mim = D4.load(hIm + 2 * kp + k)
                mm = fma(mr, mr, fma(mim, mim, mm))
            }
            k += 4
        }
        solver.headXX = hxx.sum; solver.headXY = hxy.sum; solver.headYY = hyy.sum
        return coherent ? mm.sum : nil
    }

    /// P2: tail block and coupling from the pair products xᴴx (`xxRe`, `xxIm`, stored pair slots) and the head
    /// projections X_h (`headProjectionRe`, `headProjectionIm`), with the head block already in the solver; then the
    /// Schur solve. Coherent: `deltaDelta` = ||μ||² with the δφ row Im{μᴴ x_m} in `deltaScratch` (direct sums), or nil
    /// to form both from xᴴx.
    func solveP2Tail(deltaDelta precomputedDeltaDelta: Double? = nil) -> PositionSchurSolver.Outcome {
        let m = apCount, cs = m + 1
        let xRe = headProjectionRe, xIm = headProjectionIm
        // Tail and coupling, into the solver's bordered matrix (column-major: entry (row r, column c) at c·rows + r).
        let re = solver.matrixRe, im = solver.matrixIm
        switch (coherent, structured) {
        case (false, false):
            // complex tail: span_C{x_m}; coupling X_h (complex)
            solver.begin(tailCount: m)
            let ld = solver.rows
            for i in 0..<m {
                let start = rowStart[i]
                for j in 0...i { re[j * ld + i] = xxRe[start + j]; im[j * ld + i] = xxIm[start + j] }
                re[i * ld + m] = xRe[i]; im[i * ld + m] = xIm[i]
                re[i * ld + m + 1] = xRe[cs + i]; im[i * ld + m + 1] = xIm[cs + i]
            }
            return solver.solveComplexTail()
        case (false, true):
            // φ_m column j α_m x_m: tail α_i α_j Re xᴴx_ij, coupling α_m Im X_h[m]
            solver.begin(tailCount: m)
            let ld = solver.rows
            for i in 0..<m {
                let start = rowStart[i]
                for j in 0...i { re[j * ld + i] = amplitude[i] * amplitude[j] * xxRe[start + j] }
                re[i * ld + m] = amplitude[i] * xIm[i]; re[i * ld + m + 1] = amplitude[i] * xIm[cs + i]
            }
            return solver.solveRealTail()
        case (true, let isStructured):
            // tail [α_1..α_M (free only), δφ]: α_m column x_m, δφ column j Σ_m α_m x_m:
            // T[α_i, α_j] = Re xᴴx_ij, T[δφ, α_j] = Σ_l α_l Im xᴴx_lj, T[δφ, δφ] = Σ_{l,j} α_l α_j Re xᴴx_lj;
            // coupling Re X_h[m] (α_m) and Σ_m α_m Im X_h[m] (δφ).
            let n = isStructured ? 1 : m + 1, delta = n - 1
            solver.begin(tailCount: n)
            let ld = solver.rows
            let deltaRow = deltaScratch
            var deltaDelta = 0.0
            if let precomputedDeltaDelta {
                deltaDelta = precomputedDeltaDelta
                if !isStructured {
                    for i in 0..<m {
                        let start = rowStart[i]
                        for j in 0...i { re[j * ld + i] = xxRe[start + j] }
                    }
                }
            } else {
                for j in 0..<m { deltaRow[j] = 0 }
                for i in 0..<m {
                    let start = rowStart[i]
                    for j in 0...i {
                        let r = xxRe[start + j], q = xxIm[start + j]
                        deltaRow[j] += amplitude[i] * q                           // pair (i, j)
                        if j != i {
                            deltaRow[i] -= amplitude[j] * q                       // pair (j, i): Im xᴴx_ji = −q
                            deltaDelta += 2 * amplitude[i] * amplitude[j] * r
                        } else {
                            deltaDelta += amplitude[i] * amplitude[i] * r
                        }
                        if !isStructured { re[j * ld + i] = r }
                    }
                }
            }
            if !isStructured {
                for j in 0..<m { re[j * ld + delta] = deltaRow[j]; re[j * ld + n] = xRe[j]; re[j * ld + n + 1] = xRe[cs + j] }
            }
            var dx = 0.0, dy = 0.0
            for i in 0..<m { dx += amplitude[i] * xIm[i]; dy += amplitude[i] * xIm[cs + i] }
            re[delta * ld + delta] = deltaDelta
            re[delta * ld + n] = dx; re[delta * ld + n + 1] = dy
            return solver.solveRealTail()
        }
    }
}

/// The position block of F⁻¹ by a Schur complement on the equilibrated Fisher information, with the singularity test
/// of docs/MODEL.md §DL.6 decided from the Cholesky factorisation (see `PositionErrorBoundEvaluator`). Parameters are
/// ordered (tail, head): the n nuisance parameters first, then u = (x, y). Scratch only; not thread-safe.
///
/// Dense tails use a bordered matrix, column-major with a leading dimension `rows` (n + 2 rounded up to a multiple of
/// 4): entry (row r, column c), r ≥ c, at c·rows + r; rows 0..<n are the tail, rows n and n + 1 the coupling F_{t,x},
/// F_{t,y} (complex C_{t,h} for Hermitian tails), the rest zero padding; entries above the diagonal are zero after the
/// factorisation. The factorisation works on aligned groups of four rows (`D4` lanes starting at multiples of 4, so
/// that loads never straddle two recent stores). Factorising the tail columns of the
/// bordered matrix gives L_T and, in the head rows, Wᵀ (Wᴴ) with W = L_T⁻¹ C, so S = H − Wᵀ W (H − Re{Wᴴ W}).
final class PositionSchurSolver {
    typealias V = SIMD2<Double>
    let matrixRe: UnsafeMutablePointer<Double>, matrixIm: UnsafeMutablePointer<Double>
    /// Equilibration 1/√F_rr of the rows of the bordered matrix.
    let scale: UnsafeMutablePointer<Double>
    /// Diagonal tails (P1): F_tt, and the coupling F_{t,h} at [2t + h].
    let diagonalTail: UnsafeMutablePointer<Double>, diagonalCoupling: UnsafeMutablePointer<Double>
    let boundForward: UnsafeMutablePointer<Double>, boundBackward: UnsafeMutablePointer<Double>
    /// The one allocation holding the buffers above.
    let arenaBase: UnsafeMutableRawPointer
    /// Head block F_xx, F_xy, F_yy.
    var headXX = 0.0, headXY = 0.0, headYY = 0.0
    /// Real dimension p of the whole Fisher information (λ_max ≤ p for the equilibrated matrix).
    var parameterCount: Int
    /// Tail size n of the current dense problem and the leading dimension (n + 2 rounded up to a multiple of 4).
    private(set) var count = 0, rows = 4

    /// - Parameters: `tailCapacity`: largest dense tail n; `diagonalCapacity`: largest diagonal tail.
    init(tailCapacity: Int, diagonalCapacity: Int, parameterCount: Int) {
        let size = (tailCapacity + 5) * (tailCapacity + 2), bound = max(tailCapacity, diagonalCapacity) + 2
        var arena = DoubleArena(regions: [size, size, tailCapacity + 3, diagonalCapacity, 2 * diagonalCapacity, bound, bound])
        arenaBase = arena.base
        func allocate(_ count: Int) -> UnsafeMutablePointer<Double> { arena.take(count) }
        matrixRe = allocate(size); matrixIm = allocate(size)
        scale = allocate(tailCapacity + 3)
        diagonalTail = allocate(diagonalCapacity); diagonalCoupling = allocate(2 * diagonalCapacity)
        boundForward = allocate(bound)
        boundBackward = allocate(bound)
        self.parameterCount = parameterCount
    }

    deinit {
        arenaBase.deallocate()
    }

    /// Starts a dense problem with n tail parameters: sets the layout and clears the padding row.
    func begin(tailCount n: Int) {
        count = n
        rows = (n + 5) / 4 * 4
        for c in 0..<(n + 2) {
            for r in (n + 2)..<rows { matrixRe[c * rows + r] = 0; matrixIm[c * rows + r] = 0 }
        }
    }

    enum Outcome {
        /// [F⁻¹]_xx + [F⁻¹]_yy.
        case regular(Double)
        case singular
        case inconclusive
    }

    /// Relative pivot below which the factorisation proves σ_min < 1e−12 σ_max (docs/MODEL.md §DL.6), with margin.
    static let singularPivot = 0.5 * DownlinkFisher.singularityThreshold

    /// Head scaling 1/√F_hh; nil if a head diagonal is not positive.
    @inline(__always)
    func headScales() -> (Double, Double)? {
        guard headXX > 0, headYY > 0 else { return nil }
        return (1 / headXX.squareRoot(), 1 / headYY.squareRoot())
    }

    /// From the 2 × 2 Schur complement S of the equilibrated matrix: head pivots, the norm bound (given the head
    /// factor l00, l10, l11), and [F⁻¹]_xx + [F⁻¹]_yy = [S⁻¹]_xx/F_xx + [S⁻¹]_yy/F_yy.
    @inline(__always)
    func finish(s00: Double, s01: Double, s11: Double, headScaleX: Double, headScaleY: Double,
                bound: (Double, Double, Double) -> Double) -> Outcome {
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

    /// Diagonal tail (P1): F_tt in `diagonalTail[t]`, coupling F_{t,h} in `diagonalCoupling[2t + h]`. After
    /// equilibration the tail is the identity, so L = [[I, 0], [Wᵀ, L_S]] with W = the scaled coupling.
    func solveDiagonalTail(count n: Int) -> Outcome {
        guard let (hx, hy) = headScales() else { return .singular }
        let coupling = diagonalCoupling
        var s00 = 1.0, s01 = headXY * hx * hy, s11 = 1.0
        var sumX = 0.0, sumY = 0.0                 // Σ_t |W_t,h| (forward bound; the tail part of M(L)⁻¹e is 1)
        for t in 0..<n {
            guard diagonalTail[t] > 0 else { return .singular }
            let r = 1 / diagonalTail[t].squareRoot()
            let wx = coupling[2 * t] * r * hx, wy = coupling[2 * t + 1] * r * hy
            coupling[2 * t] = wx; coupling[2 * t + 1] = wy
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
            for t in 0..<n { backward = max(backward, 1 + abs(coupling[2 * t]) * xx + abs(coupling[2 * t + 1]) * xy) }
            return forward * backward
        }
    }

    @inline(__always) func load(_ p: UnsafeMutablePointer<Double>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Double>, _ i: Int, _ value: V) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: value, as: V.self)
    }

    /// Scales rows 0..<n + 2 of the bordered matrix by 1/√diagonal (head diagonal from `headXX`, `headYY`); false if a
    /// diagonal entry is not positive. `complex`: also scales the imaginary parts and conjugates the coupling rows.
    @inline(__always)
    func equilibrate(complex: Bool) -> Bool {
        let n = count, ld = rows, re = matrixRe, im = matrixIm
        guard let (hx, hy) = headScales() else { return false }
        for t in 0..<n {
            let d = re[t * ld + t]
            guard d > 0 else { return false }
            scale[t] = 1 / d.squareRoot()
        }
        scale[n] = hx; scale[n + 1] = hy
        for c in 0..<n {
            let sc = scale[c]
            for r in (c + 1)..<(n + 2) { re[c * ld + r] *= sc * scale[r] }
            re[c * ld + c] = 1
            if complex {
                for r in (c + 1)..<n { im[c * ld + r] *= sc * scale[r] }
                im[c * ld + c] = 0
                im[c * ld + n] *= -sc * hx; im[c * ld + n + 1] *= -sc * hy
            }
        }
        return true
    }

    /// Dense real tail: fill the bordered matrix after `begin(tailCount:)` (tail lower triangle, coupling rows) and the
    /// head block, then solve.
    func solveRealTail() -> Outcome {
        guard equilibrate(complex: false) else { return .singular }
        let n = count, ld = rows, a = matrixRe, end = n + 2
        for j in 0..<n {
            let column = a + j * ld
            var pivot = 1.0
            for p in 0..<j { let l = a[p * ld + j]; pivot -= l * l }
            guard pivot > Self.singularPivot else { return .singular }
            let ljj = pivot.squareRoot()
            let inverse = D4(1 / ljj)
            // rows i ≥ j + 1 four at a time from a multiple of 4 (loads then never straddle two earlier stores); the
            // rows from there to j (above the diagonal, and the diagonal) are recomputed, then cleared / restored
            let first = (j + 1) & ~3
            var i = first
            while i < end {
                var sum = D4.load(column + i)
                for p in 0..<j { sum = fnma(D4.load(a + p * ld + i), D4(a[p * ld + j]), sum) }
                (sum * inverse).store(column + i)
                i += 4
            }
            for r in first..<max(first, j) { column[r] = 0 }
            column[j] = ljj
        }
        var s00 = 1.0, s01 = headXY * scale[n] * scale[n + 1], s11 = 1.0
        for t in 0..<n {
            let wx = a[t * ld + n], wy = a[t * ld + n + 1]
            s00 -= wx * wx; s01 -= wx * wy; s11 -= wy * wy
        }
        return finish(s00: s00, s01: s01, s11: s11, headScaleX: scale[n], headScaleY: scale[n + 1]) { l00, l10, l11 in
            self.comparisonBound(complex: false, l00: l00, l10: l10, l11: l11)
        }
    }

    /// Hermitian tail (P2 non-coherent, free β): fill the complex tail lower triangle and the complex coupling
    /// C_{t,h} (rows n, n + 1), and the head block, then solve. The real Fisher information of (Re β, Im β) is the real
    /// representation of this block; its Cholesky factor is the real representation of the complex one.
    func solveComplexTail() -> Outcome {
        guard equilibrate(complex: true) else { return .singular }
        let n = count, ld = rows, re = matrixRe, im = matrixIm, end = n + 2
        for j in 0..<n {
            let columnRe = re + j * ld, columnIm = im + j * ld
            var pivot = 1.0
            for p in 0..<j { let lr = re[p * ld + j], li = im[p * ld + j]; pivot -= lr * lr + li * li }
            guard pivot > Self.singularPivot else { return .singular }
            let ljj = pivot.squareRoot()
            let inverse = D4(1 / ljj)
            let first = (j + 1) & ~3              // as in solveRealTail
            var i = first
            while i < end {
                // A_ij − Σ_p L_ip conj(L_jp)
                var sumRe = D4.load(columnRe + i), sumIm = D4.load(columnIm + i)
                for p in 0..<j {
                    let jr = D4(re[p * ld + j]), ji = D4(im[p * ld + j])
                    let lr = D4.load(re + p * ld + i), li = D4.load(im + p * ld + i)
                    sumRe = fnma(lr, jr, fnma(li, ji, sumRe))
                    sumIm = fma(lr, ji, fnma(li, jr, sumIm))
                }
                (sumRe * inverse).store(columnRe + i); (sumIm * inverse).store(columnIm + i)
                i += 4
            }
            for r in first..<max(first, j) { columnRe[r] = 0; columnIm[r] = 0 }
            columnRe[j] = ljj; columnIm[j] = 0
        }
        var s00 = 1.0, s01 = headXY * scale[n] * scale[n + 1], s11 = 1.0
        for t in 0..<n {
            let xr = re[t * ld + n], xi = im[t * ld + n], yr = re[t * ld + n + 1], yi = im[t * ld + n + 1]
            s00 -= xr * xr + xi * xi; s01 -= xr * yr + xi * yi; s11 -= yr * yr + yi * yi
        }
        return finish(s00: s00, s01: s01, s11: s11, headScaleX: scale[n], headScaleY: scale[n + 1]) { l00, l10, l11 in
            self.comparisonBound(complex: true, l00: l00, l10: l10, l11: l11)
        }
    }

    /// ||M(L)⁻¹||_∞ · ||M(L)⁻¹||₁ ≥ ||F_s⁻¹||₂ for the factor L = [[L_T, 0], [Wᵀ, L_S]] of the bordered matrix, with
    /// L_S = (l00, 0; l10, l11). Complex tails (real representation): the Re/Im rows of one tail parameter share the
    /// bound, with off-diagonal magnitudes |Re| + |Im| (exact for the forward solve, an upper bound for the backward one).
    func comparisonBound(complex: Bool, l00: Double, l10: Double, l11: Double) -> Double {
        let n = count, ld = rows, re = matrixRe, im = matrixIm
        @inline(__always) func magnitude(_ index: Int) -> Double { complex ? abs(re[index]) + abs(im[index]) : abs(re[index]) }
        let y = boundForward, x = boundBackward
        // forward, column by column: y = M(L_T)⁻¹ e, then the head rows
        for i in 0..<n { y[i] = 1 }
        var forward = 0.0
        var sx = 1.0, sy = 1.0
        for p in 0..<n {
            let column = p * ld
            let yp = y[p] / re[column + p]
            y[p] = yp
            forward = max(forward, yp)
            for i in (p + 1)..<max(n, p + 1) { y[i] += magnitude(column + i) * yp }
            sx += magnitude(column + n) * yp; sy += magnitude(column + n + 1) * yp
        }
        let yx = sx / l00
        let yy = (sy + abs(l10) * yx) / l11
        forward = max(forward, yx, yy)
        // backward: M(L)ᵀ x = e
        let xy = 1 / l11
        let xx = (1 + abs(l10) * xy) / l00
        var backward = max(xx, xy)
        var i = n - 1
        while i >= 0 {
            let column = i * ld
            var s = 1 + magnitude(column + n) * xx + magnitude(column + n + 1) * xy
            for p in (i + 1)..<max(n, i + 1) { s += magnitude(column + p) * x[p] }
            x[i] = s / re[column + i]
            backward = max(backward, x[i])
            i -= 1
        }
        return forward * backward
    }
}

/// a·b + c and c − a·b with one rounding (`D4.multiplyAdd`): the PEB kernels' accumulations.
@_transparent private func fma(_ a: D4, _ b: D4, _ c: D4) -> D4 { D4.multiplyAdd(a, b, c) }
@_transparent private func fnma(_ a: D4, _ b: D4, _ c: D4) -> D4 { D4.negativeMultiplyAdd(a, b, c) }

/// One allocation carved into `Double` regions, each rounded up to an even count (≥ 2) so that every region starts
/// 16-byte aligned; a region is zero unless taken with `zeroed: false` (for buffers every call overwrites before
/// reading: zeroing the P2 pulse rows was a measurable part of a one-shot PEB). The owner deallocates `base`.
struct DoubleArena {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private var used = 0

    static func regionSize(_ count: Int) -> Int { (max(count, 1) + 1) / 2 * 2 }

    /// Room for regions of the given counts (taken in any order).
    init(regions: [Int]) {
        capacity = regions.reduce(0) { $0 + Self.regionSize($1) }
        base = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Double>.stride, alignment: 16)
    }

    /// The next region of `count` doubles, zero unless `zeroed` is false (then uninitialised).
    mutating func take(_ count: Int, zeroed: Bool = true) -> UnsafeMutablePointer<Double> {
        let size = Self.regionSize(count)
        precondition(used + size <= capacity, "DoubleArena: more regions taken than reserved")
        defer { used += size }
        let region = (base + used * MemoryLayout<Double>.stride).bindMemory(to: Double.self, capacity: size)
        if zeroed { region.initialize(repeating: 0, count: size) }
        return region
    }
}
