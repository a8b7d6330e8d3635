// LinearAlgebraTests: Cholesky (real, Hermitian, dependent columns), inverse diagonal, symmetric eigenvalues, Nelder–Mead.
import ComplexModule
import Foundation
import Testing
@testable import Downlink

/// Deterministic orthogonal matrix: product of three Householder reflectors built from fixed sine sequences.
func orthogonalMatrix(_ n: Int) -> [Double] {
    var q = [Double](repeating: 0, count: n * n)
    for i in 0..<n { q[i * n + i] = 1 }
    for r in 0..<3 {
        let v = (0..<n).map { sin(1.7 * Double($0 + 1) + 0.9 * Double(r) + 0.3) + 0.1 * Double(r) }
        let norm2 = v.reduce(0) { $0 + $1 * $1 }
        // q ← q (I − 2 v vᵀ / |v|²)
        for row in 0..<n {
            let dot = (0..<n).reduce(0.0) { $0 + q[row * n + $1] * v[$1] }
            for col in 0..<n { q[row * n + col] -= 2 * dot * v[col] / norm2 }
        }
    }
    return q
}

/// Q diag(λ) Qᵀ.
func symmetricMatrix(eigenvalues: [Double]) -> [Double] {
    let n = eigenvalues.count, q = orthogonalMatrix(n)
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += q[i * n + k] * eigenvalues[k] * q[j * n + k] } } }
    return a
}

@Suite struct LinearAlgebraTests {
    @Test(arguments: [1, 2, 3, 5, 23, 42, 64])
    func eigenvaluesOfKnownSpectrum(n: Int) throws {
        // mixed signs, near-repeats
        let spectrum: [Double] = (0..<n).map { (i: Int) -> Double in Double(i % 7) * 1.5 - 2 + Double(i) * 0.01 }
        let computed = try #require(SmallLinearAlgebra.symmetricEigenvalues(symmetricMatrix(eigenvalues: spectrum), n: n))
        let largest: Double = spectrum.map { abs($0) }.max()!
        let tolerance = 1e-12 * Swift.max(largest, 1)
        for (a, b) in zip(computed, spectrum.sorted()) { #expect(abs(a - b) <= tolerance) }
    }

    @Test func eigenvaluesDetectSingularity() throws {
        let spectrum = [3.0, 1.0, 0, 0.5, 2.0, 0]
        let computed = try #require(SmallLinearAlgebra.symmetricEigenvalues(symmetricMatrix(eigenvalues: spectrum), n: 6))
        #expect(computed.filter { abs($0) < 1e-14 }.count == 2)
        // the PEB routine declares such an information matrix singular
        #expect(DownlinkFisher.positionErrorBound(fisher: symmetricMatrix(eigenvalues: spectrum), dimension: 6).isSingular)
    }

    @Test func inverseDiagonalMatchesGaussJordan() throws {
        let n = 9
        let a = symmetricMatrix(eigenvalues: (0..<n).map { 0.3 + Double($0) * Double($0) })
        var copy = a, work = [Double](repeating: 0, count: n)
        let diagonal = try #require(copy.withUnsafeMutableBufferPointer { c in
            work.withUnsafeMutableBufferPointer { w in
                SmallLinearAlgebra.inverseDiagonal(c.baseAddress!, n: n, indices: [0, 1, 5], work: w.baseAddress!)
            }
        })
        let matrix = (0..<n).map { i in (0..<n).map { Complex(a[i * n + $0]) } }
        for (index, value) in zip([0, 1, 5], diagonal) {
            let column = gaussSolve(matrix, (0..<n).map { Complex($0 == index ? 1.0 : 0.0) })
            #expect(relative(value, column[index].real) < 1e-12)
        }
    }

    /// Real Cholesky + forward solve: ||L⁻¹b||² = bᴴ A⁻¹ b; a dependent column is dropped and the result is the
    /// projection onto the span of the others.
    @Test func realCholeskyProjection() {
        let rows = 12, cols = 5
        var basis = (0..<(rows * cols)).map { sin(0.37 * Double($0 * $0 % 97) + 0.1) }
        let b = (0..<rows).map { Complex(cos(0.5 * Double($0)), sin(0.21 * Double($0))) }
        func gramAndRhs(_ basis: [Double]) -> ([Double], [Complex<Double>]) {
            var g = [Double](repeating: 0, count: cols * cols)
            for i in 0..<cols { for j in 0..<cols { for r in 0..<rows { g[i * cols + j] += basis[r * cols + i] * basis[r * cols + j] } } }
            let rhs = (0..<cols).map { i in (0..<rows).reduce(Complex<Double>.zero) { $0 + Complex(basis[$1 * cols + i]) * b[$1] } }
            return (g, rhs)
        }
        func quadratic(_ g: [Double], _ rhs: [Complex<Double>]) -> (Double, Int) {
            var g = g, re = rhs.map(\.real), im = rhs.map(\.imaginary)
            let dropped = g.withUnsafeMutableBufferPointer { SmallLinearAlgebra.choleskyDroppingDependent($0.baseAddress!, n: cols) }
            g.withUnsafeBufferPointer { l in
                re.withUnsafeMutableBufferPointer { r in
                    im.withUnsafeMutableBufferPointer { i in SmallLinearAlgebra.forwardSolve(l.baseAddress!, n: cols, r.baseAddress!, i.baseAddress!) }
                }
            }
            return (zip(re, im).reduce(0) { $0 + $1.0 * $1.0 + $1.1 * $1.1 }, dropped)
        }
        let (g, rhs) = gramAndRhs(basis)
        let (q, dropped) = quadratic(g, rhs)
        #expect(dropped == 0)
        let solution = gaussSolve((0..<cols).map { i in (0..<cols).map { Complex(g[i * cols + $0]) } }, rhs)
        let oracle = zip(rhs, solution).reduce(0.0) { $0 + ($1.0.conjugate * $1.1).real }
        #expect(relative(q, oracle) < 1e-12)
        // make column 4 = column 0 + column 2: same span as columns 0..3
        for r in 0..<rows { basis[r * cols + 4] = basis[r * cols + 0] + basis[r * cols + 2] }
        let (g2, rhs2) = gramAndRhs(basis)
        let (q2, dropped2) = quadratic(g2, rhs2)
        #expect(dropped2 == 1)
        let (q4, _) = { () -> (Double, Int) in
            // oracle: the first four columns alone
            let sub = (0..<4).map { i in (0..<4).map { Complex(g2[i * cols + $0]) } }
            let x = gaussSolve(sub, Array(rhs2.prefix(4)))
            return (zip(rhs2.prefix(4), x).reduce(0.0) { $0 + ($1.0.conjugate * $1.1).real }, 0)
        }()
        #expect(relative(q2, q4) < 1e-9)
    }

    /// Hermitian Cholesky + forward solve: ||L⁻¹b||² = bᴴ A⁻¹ b for A = Zᴴ Z.
    @Test func hermitianCholeskyQuadraticForm() {
        let rows = 10, cols = 6
        let z = (0..<(rows * cols)).map { Complex(sin(0.7 * Double($0) + 0.2), cos(1.3 * Double($0 * 3 % 17))) }
        let y = (0..<rows).map { Complex(Double($0) * 0.1 - 0.3, sin(Double($0))) }
        var aRe = [Double](repeating: 0, count: cols * cols), aIm = aRe
        var matrix = [[Complex<Double>]](repeating: [Complex<Double>](repeating: .zero, count: cols), count: cols)
        for i in 0..<cols {
            for j in 0..<cols {
                let v = (0..<rows).reduce(Complex<Double>.zero) { $0 + z[$1 * cols + i].conjugate * z[$1 * cols + j] }
                aRe[i * cols + j] = v.real; aIm[i * cols + j] = v.imaginary
                matrix[i][j] = v
            }
        }
        let b = (0..<cols).map { i in (0..<rows).reduce(Complex<Double>.zero) { $0 + z[$1 * cols + i].conjugate * y[$1] } }
        var re = b.map(\.real), im = b.map(\.imaginary)
        aRe.withUnsafeMutableBufferPointer { r in
            aIm.withUnsafeMutableBufferPointer { i in
                #expect(SmallLinearAlgebra.hermitianCholeskyDroppingDependent(r.baseAddress!, i.baseAddress!, n: cols) == 0)
                re.withUnsafeMutableBufferPointer { br in
                    im.withUnsafeMutableBufferPointer { bi in
                        SmallLinearAlgebra.complexForwardSolve(r.baseAddress!, i.baseAddress!, n: cols, br.baseAddress!, bi.baseAddress!)
                    }
                }
            }
        }
        let q = zip(re, im).reduce(0) { $0 + $1.0 * $1.0 + $1.1 * $1.1 }
        let oracle = zip(b, gaussSolve(matrix, b)).reduce(0.0) { $0 + ($1.0.conjugate * $1.1).real }
        #expect(relative(q, oracle) < 1e-12)
    }

    @Test func compensatedSum() {
        var sum = CompensatedSum()
        sum.add(1); for _ in 0..<1000 { sum.add(1e-17) }; sum.add(-1)
        #expect(relative(sum.value, 1e-14) < 1e-9)
    }

    @Test func nelderMeadQuadraticAndRosenbrock() {
        let settings = NelderMeadSettings(initialStep: 0.1, positionTolerance: 1e-9, costTolerance: 1e-18, maxIterations: 400)
        let bowl = nelderMead(from: Point2(1, 1), settings: settings) { p in
            let dx = p.x - 0.3, dy = p.y + 0.2
            return 2 * dx * dx + dx * dy + 3 * dy * dy
        }
        #expect(bowl.converged)
        #expect(bowl.minimiser.distance(to: Point2(0.3, -0.2)) < 1e-8)
        let banana = nelderMead(from: Point2(-1.2, 1), settings: NelderMeadSettings(initialStep: 0.1, positionTolerance: 1e-8,
                                                                                     costTolerance: 1e-16)) { p in
            (1 - p.x) * (1 - p.x) + 100 * (p.y - p.x * p.x) * (p.y - p.x * p.x)
        }
        #expect(banana.converged)
        #expect(banana.minimiser.distance(to: Point2(1, 1)) < 1e-6)
        let capped = nelderMead(from: Point2(-1.2, 1), settings: NelderMeadSettings(initialStep: 0.1, positionTolerance: 1e-8,
                                                                                     costTolerance: 1e-16, maxIterations: 5)) { p in
            (1 - p.x) * (1 - p.x) + 100 * (p.y - p.x * p.x) * (p.y - p.x * p.x)
        }
        #expect(!capped.converged && capped.iterations == 5)
    }

    @Test func perfectSquares() {
        #expect(exactSquareRoot(36) == 6)
        #expect(exactSquareRoot(1) == 1)
        #expect(exactSquareRoot(35) == nil)
        #expect(exactSquareRoot(-4) == nil)
    }
}
