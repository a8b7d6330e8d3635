// CostFunctionTests: closed-form costs vs the paper's residual forms (independent implementation), model vs precoders.
import ComplexModule
import Foundation
import Testing
@testable import Downlink
import Scenario

/// Solves the n × n complex system A x = b by Gauss–Jordan elimination with partial pivoting (test-only oracle,
/// a different algorithm from the module's Cholesky).
func gaussSolve(_ matrix: [[Complex<Double>]], _ rhs: [Complex<Double>]) -> [Complex<Double>] {
    let n = rhs.count
    var a = matrix, b = rhs
    for col in 0..<n {
        let pivot = (col..<n).max { a[$0][col].length < a[$1][col].length }!
        a.swapAt(col, pivot); b.swapAt(col, pivot)
        let inverse = Complex<Double>.one / a[col][col]
        for row in 0..<n where row != col {
            let factor = a[row][col] * inverse
            if factor == .zero { continue }
            for j in col..<n { a[row][j] -= factor * a[col][j] }
            b[row] -= factor * b[col]
        }
    }
    return (0..<n).map { b[$0] / a[$0][$0] }
}

/// The paper's residual forms (eq. 7–8, 10, 13–14 with the corrected δ̂, 15), built from the direct model.
enum ResidualForms {
    static func cost(network: DownlinkNetwork, protocol proto: DownlinkProtocol, processing: DownlinkProcessing,
                     samples y: [Complex<Double>], at u: Point2) -> (cost: Double, phase: Double?) {
        let m = network.apCount, k = network.illuminationCount
        let power = 1.0
        let model = processing == .coherent
            ? DownlinkSignalModel.coherentModel(network: network, user: u, perAPPower: power)
            : DownlinkSignalModel.nonCoherentModel(network: network, user: u, perAPPower: power)
        func column(_ i: Int) -> [Complex<Double>] { Array(model[(i * k)..<((i + 1) * k)]) }
        func dot(_ a: [Complex<Double>], _ b: [Complex<Double>]) -> Complex<Double> {   // aᴴ b
            zip(a, b).reduce(Complex<Double>.zero) { $0 + $1.0.conjugate * $1.1 }
        }
        func norm2(_ a: [Complex<Double>]) -> Double { a.reduce(0) { $0 + $1.lengthSquared } }
        switch (proto, processing) {
        case (.p1, .nonCoherent):
            var total = 0.0
            for i in 0..<m {
                let z = column(i), ym = Array(y[(i * k)..<((i + 1) * k)])
                let beta = dot(z, ym) / Complex(norm2(z))
                total += norm2(zip(ym, z).map { $0 - beta * $1 })
            }
            return (total, nil)
        case (.p1, .coherent):
            var tilde: [[Complex<Double>]] = [], c: [[Complex<Double>]] = []
            var sum = Complex<Double>.zero
            for i in 0..<m {
                let x = column(i), ym = Array(y[(i * k)..<((i + 1) * k)])
                let a = dot(x, ym), e = norm2(x)
                let yt = zip(ym, x).map { $0 - a * $1 / Complex(2 * e) }
                let ci = x.map { a.conjugate * $0 / Complex(2 * e) }
                tilde.append(yt); c.append(ci)
                sum += dot(ci, yt)
            }
            let delta = sum.phase / 2
            let rotation = Complex<Double>(cos(2 * delta), sin(2 * delta))
            var total = 0.0
            for i in 0..<m { total += norm2(zip(tilde[i], c[i]).map { $0 - rotation * $1 }) }
            return (total, delta)
        case (.p2, .nonCoherent):
            let columns = (0..<m).map(column)
            let gram = columns.map { a in columns.map { b in dot(a, b) } }
            let beta = gaussSolve(gram, columns.map { dot($0, y) })
            let residual = (0..<k).map { row in y[row] - (0..<m).reduce(Complex<Double>.zero) { $0 + columns[$1][row] * beta[$1] } }
            return (norm2(residual), nil)
        case (.p2, .coherent):
            let columns = (0..<m).map(column)
            let realGram = columns.map { a in columns.map { b in Complex(dot(a, b).real) } }
            let b = columns.map { dot($0, y) }                       // Xᴴ y
            let solveB = gaussSolve(realGram, b)                     // R⁻¹ Xᴴ y
            let solveBConj = gaussSolve(realGram, b.map { $0.conjugate })   // R⁻¹ Xᵀ y*
            func times(_ coefficients: [Complex<Double>]) -> [Complex<Double>] {
                (0..<k).map { row in (0..<m).reduce(Complex<Double>.zero) { $0 + columns[$1][row] * coefficients[$1] } }
            }
            let v = zip(y, times(solveB)).map { $0 - $1 / Complex(2) }
            let w = times(solveBConj).map { $0 / Complex(2) }
            let delta = dot(w, v).phase / 2                          // corrected: ½∠(wᴴ v)
            let rotation = Complex<Double>(cos(2 * delta), sin(2 * delta))
            return (norm2(zip(v, w).map { $0 - rotation * $1 }), delta)
        }
    }
}

@Suite struct CostFunctionTests {
    static let network = makeNetwork()

    /// A noisy snapshot at 0 dBm (so that no cost is exactly zero).
    static func snapshot(_ proto: DownlinkProtocol, seed: UInt64 = 7) -> [Complex<Double>] {
        DownlinkSignalModel.noisySnapshot(network: network, protocol: proto, user: Point2(1, 1),
                                          phaseOffset: DownlinkConstants.phaseOffset, perAPPower: watts(fromDBm: 0),
                                          noiseVariance: DownlinkConstants.noiseVariance, seed: seed, runIndex: 0)
    }

    static let candidates = [Point2(1, 1), Point2(1.0004, 0.9997), Point2(1.01, 0.99), Point2(1 + DownlinkConstants.wavelength / 8, 1),
                             Point2(-2.3, 4.1), Point2(7, -8)]

    /// Closed form (||y||² minus a non-negative term, factored through the precoders) equals the residual form.
    @Test(arguments: DownlinkProtocol.allCases, DownlinkProcessing.allCases)
    func closedFormEqualsResidualForm(proto: DownlinkProtocol, processing: DownlinkProcessing) throws {
        let y = Self.snapshot(proto)
        let evaluator = try DownlinkCostEvaluator(network: Self.network, protocol: proto, samples: y)
        for u in Self.candidates {
            let closed = evaluator.evaluate(processing, at: u)
            let residual = ResidualForms.cost(network: Self.network, protocol: proto, processing: processing, samples: y, at: u)
            #expect(relative(closed.cost, residual.cost) < 1e-6, "\(proto) \(processing) at \(u): \(closed.cost) vs \(residual.cost)")
            #expect(closed.cost >= 0 && closed.normalised <= 1)
            if let delta = residual.phase {
                #expect(abs(phaseErrorModuloPi(try #require(closed.phaseOffset), delta)) < 1e-9)
                #expect(closed.phaseOffset! > -Double.pi / 2 && closed.phaseOffset! <= Double.pi / 2)
            }
        }
    }

    /// The paper prints δ̂ = ∠(wᴴv/2) for P2; on noiseless data it returns twice the true offset (docs/MODEL.md §DL.4).
    @Test func printedP2PhaseFormulaIsTwiceTheOffset() throws {
        let y = DownlinkSignalModel.noiseFreeObservation(network: Self.network, protocol: .p2, user: Point2(1, 1),
                                                         phaseOffset: DownlinkConstants.phaseOffset, perAPPower: watts(fromDBm: 0))
        let corrected = try #require(ResidualForms.cost(network: Self.network, protocol: .p2, processing: .coherent, samples: y,
                                                         at: Point2(1, 1)).phase)
        #expect(abs(corrected - DownlinkConstants.phaseOffset) < 1e-9)
        #expect(abs(2 * corrected - 20 * Double.pi / 180) < 1e-9)   // what ∠(wᴴv/2) would print
    }

    /// The profiled costs do not depend on the model's power scale, so the evaluator needs no power.
    @Test func costsAreInvariantToSignalPower() throws {
        for proto in DownlinkProtocol.allCases {
            let y = Self.snapshot(proto)
            let scaled = y.map { $0 * Complex(1e3) }
            let a = try DownlinkCostEvaluator(network: Self.network, protocol: proto, samples: y)
            let b = try DownlinkCostEvaluator(network: Self.network, protocol: proto, samples: scaled)
            for processing in DownlinkProcessing.allCases {
                let u = Point2(0.7, 1.4)
                #expect(relative(a.evaluate(processing, at: u).normalised, b.evaluate(processing, at: u).normalised) < 1e-9)
            }
        }
    }

    /// The closed-form model equals the paper's definition x_m[k] = √P e^{−j2πd_m/λ} a(θ_m)ᵀ f_m[k] with unit-norm precoders.
    @Test func modelEqualsPrecodedArrayResponse() {
        for mirrored in [false, true] {
            let network = makeNetwork { $0.mirroredArray = mirrored }
            let user = Point2(1.3, -0.4), power = 0.25
            let x = DownlinkSignalModel.coherentModel(network: network, user: user, perAPPower: power)
            for m in [0, 7, 13, 19] {
                let g = network.geometry(ap: m, point: user)
                let response = arrayResponse(sine: g.sine, antennas: network.antennaCount)
                let carrier = Complex<Double>(cos(2 * Double.pi * g.distance / network.wavelength),
                                              -sin(2 * Double.pi * g.distance / network.wavelength))
                for k in [0, 5, 35] {
                    let f = DownlinkSignalModel.precoder(network: network, ap: m, point: k)
                    #expect(abs(f.reduce(0) { $0 + $1.lengthSquared } - 1) < 1e-12)
                    let value = zip(response, f).reduce(Complex<Double>.zero) { $0 + $1.0 * $1.1 } * carrier * Complex(power.squareRoot())
                    #expect((value - x[m * 36 + k]).length < 1e-12 * x[m * 36 + k].length + 1e-15)
                }
            }
        }
    }

    @Test func rejectsWrongSampleCount() {
        #expect(throws: DownlinkError.sampleCountMismatch(expected: 720, got: 36)) {
            try DownlinkCostEvaluator(network: Self.network, protocol: .p1, samples: [Complex<Double>](repeating: .zero, count: 36))
        }
    }

    /// Noise: CN(0, σ²) (each part σ²/2), reproducible per (seed, run), different across runs.
    @Test func noiseStatistics() {
        let network = Self.network
        var sumRe = 0.0, sumIm = 0.0, sum2Re = 0.0, sum2Im = 0.0, count = 0.0
        for run in 0..<40 {
            var y = [Complex<Double>](repeating: .zero, count: 720)
            var stream = RandomStream(seed: 11, step: run, panel: noPanel, purpose: .downlinkNoise)
            DownlinkSignalModel.addNoise(to: &y, network: network, protocol: .p1, noiseVariance: 2, stream: &stream)
            for s in y { sumRe += s.real; sumIm += s.imaginary; sum2Re += s.real * s.real; sum2Im += s.imaginary * s.imaginary; count += 1 }
        }
        // 28 800 samples per part: standard error of the variance ≈ sqrt(2/n) = 0.0083; allow 5 sigma.
        #expect(abs(sum2Re / count - 1) < 0.042 && abs(sum2Im / count - 1) < 0.042)
        #expect(abs(sumRe / count) < 0.03 && abs(sumIm / count) < 0.03)
        let a = DownlinkSignalModel.noisySnapshot(network: network, protocol: .p2, user: Point2(1, 1), phaseOffset: 0,
                                                  perAPPower: 1e-3, noiseVariance: 1e-15, seed: 5, runIndex: 3)
        let b = DownlinkSignalModel.noisySnapshot(network: network, protocol: .p2, user: Point2(1, 1), phaseOffset: 0,
                                                  perAPPower: 1e-3, noiseVariance: 1e-15, seed: 5, runIndex: 3)
        let c = DownlinkSignalModel.noisySnapshot(network: network, protocol: .p2, user: Point2(1, 1), phaseOffset: 0,
                                                  perAPPower: 1e-3, noiseVariance: 1e-15, seed: 5, runIndex: 4)
        #expect(a == b)
        #expect(a != c)
    }
}
