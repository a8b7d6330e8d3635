// LinearAlgebra: small dense kernels (n ≤ 64): Cholesky (real, Hermitian), forward solves, symmetric eigenvalues.
import RealModule

/// Small dense linear algebra on row-major square matrices stored in contiguous buffers (structure of arrays
/// for complex data: separate real and imaginary buffers). All routines work in place and allocate nothing.
public enum SmallLinearAlgebra {
    /// Relative pivot below which a column counts as linearly dependent on the previous ones
    /// (pivot ≤ tolerance · original diagonal, i.e. sin² of its angle to their span below 1e-12).
    public static let dependentColumnTolerance = 1e-12

    /// Real Cholesky A = L Lᵀ of a symmetric positive semi-definite n × n matrix, in place (lower triangle;
    /// the strict upper triangle is not read). A column whose pivot falls below
    /// `dependentColumnTolerance` × its diagonal is dropped (its column of L is set to zero), so that a
    /// following `forwardSolve` projects onto the span of the independent columns. Returns the number of
    /// dropped columns.
    @inlinable
    @discardableResult
    public static func choleskyDroppingDependent(_ a: UnsafeMutablePointer<Double>, n: Int) -> Int {
        var dropped = 0
        for j in 0..<n {
            let rowJ = a + j * n
            var pivot = rowJ[j]
            let original = pivot
            for p in 0..<j { pivot -= rowJ[p] * rowJ[p] }
            if !(pivot > dependentColumnTolerance * original) {
                dropped += 1
                rowJ[j] = 0
                for i in (j + 1)..<max(n, j + 1) { a[i * n + j] = 0 }
                continue
            }
            let ljj = pivot.squareRoot()
            rowJ[j] = ljj
            let inverse = 1 / ljj
            for i in (j + 1)..<max(n, j + 1) {
                let rowI = a + i * n
                var s = rowI[j]
                for p in 0..<j { s -= rowI[p] * rowJ[p] }
                rowI[j] = s * inverse
            }
        }
        return dropped
    }

    /// Solves L w = b in place for a lower-triangular real L from `choleskyDroppingDependent`, with a complex
    /// right-hand side (bRe, bIm); components of dropped columns are set to zero.
    @inlinable
    public static func forwardSolve(_ l: UnsafePointer<Double>, n: Int,
                                    _ bRe: UnsafeMutablePointer<Double>, _ bIm: UnsafeMutablePointer<Double>) {
        for j in 0..<n {
            let rowJ = l + j * n
            let ljj = rowJ[j]
            if ljj == 0 { bRe[j] = 0; bIm[j] = 0; continue }
            var sRe = bRe[j], sIm = bIm[j]
            for p in 0..<j { sRe -= rowJ[p] * bRe[p]; sIm -= rowJ[p] * bIm[p] }
            let inverse = 1 / ljj
            bRe[j] = sRe * inverse
            bIm[j] = sIm * inverse
        }
    }

    /// Complex Cholesky A = L Lᴴ of a Hermitian positive semi-definite n × n matrix given by its lower triangle
    /// (aRe, aIm row-major; the upper triangle is not read), in place, dropping dependent columns as
    /// `choleskyDroppingDependent` does. Returns the number of dropped columns.
    @inlinable
    @discardableResult
    public static func hermitianCholeskyDroppingDependent(_ aRe: UnsafeMutablePointer<Double>, _ aIm: UnsafeMutablePointer<Double>,
                                                          n: Int) -> Int {
        var dropped = 0
        for j in 0..<n {
            let rJ = aRe + j * n, iJ = aIm + j * n
            var pivot = rJ[j]
            let original = pivot
            for p in 0..<j { pivot -= rJ[p] * rJ[p] + iJ[p] * iJ[p] }
            if !(pivot > dependentColumnTolerance * original) {
                dropped += 1
                rJ[j] = 0; iJ[j] = 0
                for i in (j + 1)..<max(n, j + 1) { aRe[i * n + j] = 0; aIm[i * n + j] = 0 }
                continue
            }
            let ljj = pivot.squareRoot()
            rJ[j] = ljj; iJ[j] = 0
            let inverse = 1 / ljj
            for i in (j + 1)..<max(n, j + 1) {
                let rI = aRe + i * n, iI = aIm + i * n
                // s = A_ij − Σ_p L_ip conj(L_jp)
                var sRe = rI[j], sIm = iI[j]
                for p in 0..<j {
                    sRe -= rI[p] * rJ[p] + iI[p] * iJ[p]
                    sIm -= iI[p] * rJ[p] - rI[p] * iJ[p]
                }
                rI[j] = sRe * inverse
                iI[j] = sIm * inverse
            }
        }
        return dropped
    }

    /// Solves L w = b in place for a complex lower-triangular L from `hermitianCholeskyDroppingDependent`.
    @inlinable
    public static func complexForwardSolve(_ lRe: UnsafePointer<Double>, _ lIm: UnsafePointer<Double>, n: Int,
                                           _ bRe: UnsafeMutablePointer<Double>, _ bIm: UnsafeMutablePointer<Double>) {
        for j in 0..<n {
            let rJ = lRe + j * n, iJ = lIm + j * n
            let ljj = rJ[j]
            if ljj == 0 { bRe[j] = 0; bIm[j] = 0; continue }
            var sRe = bRe[j], sIm = bIm[j]
            for p in 0..<j {
                sRe -= rJ[p] * bRe[p] - iJ[p] * bIm[p]
                sIm -= rJ[p] * bIm[p] + iJ[p] * bRe[p]
            }
            let inverse = 1 / ljj
            bRe[j] = sRe * inverse
            bIm[j] = sIm * inverse
        }
    }

    // MARK: column-major variants (rows processed two at a time, the same arithmetic per entry)

    /// `choleskyDroppingDependent` on a column-major lower triangle: entry (i, j), i ≥ j, at j·ld + i, with `ld` a
    /// multiple of 4 and ≥ n, rows n..<ld of every column zero (padding). Every entry gets the same operations in the
    /// same order as in the row-major routine, so the factor is the same bit for bit; rows are computed four at a time
    /// (`D4` lanes starting at multiples of 4, so that loads never straddle two recent stores; the entries above the
    /// diagonal that this recomputes are left zero). Returns the number of dropped columns.
    @discardableResult
    static func choleskyDroppingDependent(columnMajor a: UnsafeMutablePointer<Double>, n: Int, ld: Int) -> Int {
        var dropped = 0
        for j in 0..<n {
            let column = a + j * ld
            var pivot = column[j]
            let original = pivot
            for p in 0..<j { let l = a[p * ld + j]; pivot -= l * l }
            if !(pivot > dependentColumnTolerance * original) {
                dropped += 1
                for i in j..<n { column[i] = 0 }
                continue
            }
            let ljj = pivot.squareRoot()
            let inverse = D4(1 / ljj)
            let first = (j + 1) & ~3
            var i = first
            while i < n {
                var sum = D4.load(column + i)
                for p in 0..<j { sum -= D4.load(a + p * ld + i) * D4(a[p * ld + j]) }
                (sum * inverse).store(column + i)
                i += 4
            }
            for r in first..<max(first, j) { column[r] = 0 }
            column[j] = ljj
        }
        return dropped
    }

    /// `forwardSolve` with L from `choleskyDroppingDependent(columnMajor:n:ld:)`, column by column as
    /// `complexForwardSolve(columnMajorRe:_:n:ld:_:_:)` (the same solution; the same room needed in `bRe`, `bIm`).
    static func forwardSolve(columnMajor l: UnsafePointer<Double>, n: Int, ld: Int,
                             _ bRe: UnsafeMutablePointer<Double>, _ bIm: UnsafeMutablePointer<Double>) {
        for p in 0..<n {
            let lpp = l[p * ld + p]
            if lpp == 0 { bRe[p] = 0; bIm[p] = 0; continue }
            let inverse = 1 / lpp
            let xRe = bRe[p] * inverse, xIm = bIm[p] * inverse
            bRe[p] = xRe; bIm[p] = xIm
            let column = l + p * ld
            var j = p + 1
            while j < n && j % 4 != 0 {
                bRe[j] -= column[j] * xRe; bIm[j] -= column[j] * xIm
                j += 1
            }
            let vRe = D4(xRe), vIm = D4(xIm)
            while j < n {
                let lj = D4.load(column + j)
                (D4.load(bRe + j) - lj * vRe).store(bRe + j)
                (D4.load(bIm + j) - lj * vIm).store(bIm + j)
                j += 4
            }
        }
    }

    /// `hermitianCholeskyDroppingDependent` on a column-major lower triangle (layout, padding and lanes as in
    /// `choleskyDroppingDependent(columnMajor:n:ld:)`); the same factor bit for bit.
    @discardableResult
    static func hermitianCholeskyDroppingDependent(columnMajorRe aRe: UnsafeMutablePointer<Double>,
                                                   _ aIm: UnsafeMutablePointer<Double>, n: Int, ld: Int) -> Int {
        var dropped = 0
        for j in 0..<n {
            let cRe = aRe + j * ld, cIm = aIm + j * ld
            var pivot = cRe[j]
            let original = pivot
            for p in 0..<j { let r = aRe[p * ld + j], q = aIm[p * ld + j]; pivot -= r * r + q * q }
            if !(pivot > dependentColumnTolerance * original) {
                dropped += 1
                for i in j..<n { cRe[i] = 0; cIm[i] = 0 }
                continue
            }
            let ljj = pivot.squareRoot()
            let inverse = D4(1 / ljj)
            let first = (j + 1) & ~3
            var i = first
            while i < n {
                // s = A_ij − Σ_p L_ip conj(L_jp)
                var sRe = D4.load(cRe + i), sIm = D4.load(cIm + i)
                for p in 0..<j {
                    let rJ = D4(aRe[p * ld + j]), iJ = D4(aIm[p * ld + j])
                    let rI = D4.load(aRe + p * ld + i), iI = D4.load(aIm + p * ld + i)
                    sRe -= rI * rJ + iI * iJ
                    sIm -= iI * rJ - rI * iJ
                }
                (sRe * inverse).store(cRe + i); (sIm * inverse).store(cIm + i)
                i += 4
            }
            for r in first..<max(first, j) { cRe[r] = 0; cIm[r] = 0 }
            cRe[j] = ljj; cIm[j] = 0
        }
        return dropped
    }

    /// `complexForwardSolve` with L from `hermitianCholeskyDroppingDependent(columnMajorRe:_:n:ld:)`, column by column:
    /// once b_p is final, b_j −= L_jp b_p for every j > p (four rows at a time along the column). Each b_j gets the same
    /// operations in the same order (p ascending) as in the row-wise routine, so the solution is the same (up to the
    /// sign of an exact zero). `bRe`, `bIm` need room for n rounded up to a multiple of 4 (the extra entries are
    /// scratch).
    static func complexForwardSolve(columnMajorRe lRe: UnsafePointer<Double>, _ lIm: UnsafePointer<Double>, n: Int, ld: Int,
                                    _ bRe: UnsafeMutablePointer<Double>, _ bIm: UnsafeMutablePointer<Double>) {
        for p in 0..<n {
            let lpp = lRe[p * ld + p]
            if lpp == 0 { bRe[p] = 0; bIm[p] = 0; continue }
            let inverse = 1 / lpp
            let xRe = bRe[p] * inverse, xIm = bIm[p] * inverse
            bRe[p] = xRe; bIm[p] = xIm
            let cRe = lRe + p * ld, cIm = lIm + p * ld
            var j = p + 1
            while j < n && j % 4 != 0 {
                bRe[j] -= cRe[j] * xRe - cIm[j] * xIm
                bIm[j] -= cRe[j] * xIm + cIm[j] * xRe
                j += 1
            }
            let vRe = D4(xRe), vIm = D4(xIm)
            while j < n {
                let r = D4.load(cRe + j), q = D4.load(cIm + j)
                (D4.load(bRe + j) - (r * vRe - q * vIm)).store(bRe + j)
                (D4.load(bIm + j) - (r * vIm + q * vRe)).store(bIm + j)
                j += 4
            }
        }
    }

    /// Strict Cholesky of a symmetric positive definite matrix followed by the requested diagonal entries of
    /// its inverse, [A⁻¹]_ii = ||L⁻¹ e_i||². `a` is overwritten; `work` needs n entries. Returns nil if a pivot
    /// is not positive.
    public static func inverseDiagonal(_ a: UnsafeMutablePointer<Double>, n: Int, indices: [Int],
                                       work: UnsafeMutablePointer<Double>) -> [Double]? {
        for j in 0..<n {
            let rowJ = a + j * n
            var pivot = rowJ[j]
            for p in 0..<j { pivot -= rowJ[p] * rowJ[p] }
            guard pivot > 0 else { return nil }
            let ljj = pivot.squareRoot()
            rowJ[j] = ljj
            for i in (j + 1)..<max(n, j + 1) {
                let rowI = a + i * n
                var s = rowI[j]
                for p in 0..<j { s -= rowI[p] * rowJ[p] }
                rowI[j] = s / ljj
            }
        }
        return indices.map { index in
            var norm2 = 0.0
            for j in 0..<n {
                var s = j == index ? 1.0 : 0.0
                let rowJ = a + j * n
                if j > index { for p in index..<j { s -= rowJ[p] * work[p] } }
                let w = j < index ? 0 : s / rowJ[j]
                work[j] = w
                norm2 += w * w
            }
            return norm2
        }
    }

    /// Eigenvalues of a real symmetric n × n matrix (row-major, the lower triangle is read; entries well below 1e150
    /// in magnitude), ascending:
    /// Householder reduction to tridiagonal form, then the implicit QL algorithm. `a` is overwritten.
    /// Returns nil if QL does not converge in 60 iterations per eigenvalue.
    public static func symmetricEigenvalues(_ a: UnsafeMutablePointer<Double>, n: Int) -> [Double]? {
        guard n > 0 else { return [] }
        var diagonal = [Double](repeating: 0, count: n)
        var offDiagonal = [Double](repeating: 0, count: n)
        var v = [Double](repeating: 0, count: n)
        var p = [Double](repeating: 0, count: n)
        // Symmetrise from the lower triangle.
        for i in 0..<n { for j in 0..<i { a[j * n + i] = a[i * n + j] } }
        // Householder: for each column k, reflect rows/columns k+1..n−1 so that A[k+2..., k] = 0.
        if n > 2 {
            for k in 0..<(n - 2) {
                var norm2 = 0.0
                for i in (k + 1)..<n { norm2 += a[i * n + k] * a[i * n + k] }
                let x0 = a[(k + 1) * n + k]
                let alpha = x0 >= 0 ? -norm2.squareRoot() : norm2.squareRoot()
                if norm2 == 0 { continue }
                for i in (k + 1)..<n { v[i] = a[i * n + k] }
                v[k + 1] -= alpha
                var vNorm2 = 0.0
                for i in (k + 1)..<n { vNorm2 += v[i] * v[i] }
                if vNorm2 == 0 { continue }
                let scale = 1 / vNorm2.squareRoot()
                for i in (k + 1)..<n { v[i] *= scale }
                // p = A_sub v, K = vᵀ p, q = p − K v, A_sub −= 2 (v qᵀ + q vᵀ)
                var kappa = 0.0
                for i in (k + 1)..<n {
                    var s = 0.0
                    for j in (k + 1)..<n { s += a[i * n + j] * v[j] }
                    p[i] = s
                    kappa += v[i] * s
                }
                for i in (k + 1)..<n { p[i] -= kappa * v[i] }
                for i in (k + 1)..<n {
                    for j in (k + 1)..<n { a[i * n + j] -= 2 * (v[i] * p[j] + p[i] * v[j]) }
                }
                a[(k + 1) * n + k] = alpha
                a[k * n + k + 1] = alpha
                for i in (k + 2)..<max(n, k + 2) { a[i * n + k] = 0; a[k * n + i] = 0 }
            }
        }
        for i in 0..<n { diagonal[i] = a[i * n + i] }
        for i in 0..<(n - 1) { offDiagonal[i] = a[(i + 1) * n + i] }
        offDiagonal[n - 1] = 0
        guard tridiagonalQL(&diagonal, &offDiagonal) else { return nil }
        return diagonal.sorted()
    }

    /// Implicit QL with Wilkinson-type shifts on a symmetric tridiagonal matrix (diagonal d, sub-diagonal e with
    /// e[i] coupling i and i+1, e[n−1] unused). On return d holds the eigenvalues (unsorted).
    static func tridiagonalQL(_ d: inout [Double], _ e: inout [Double]) -> Bool {
        let n = d.count
        for l in 0..<n {
            var iterations = 0
            while true {
                var m = l
                while m < n - 1 {
                    let dd = abs(d[m]) + abs(d[m + 1])
                    if abs(e[m]) <= Double.ulpOfOne * dd { break }
                    m += 1
                }
                if m == l { break }
                iterations += 1
                if iterations > 60 { return false }
                var g = (d[l + 1] - d[l]) / (2 * e[l])
                var r = abs(g) > 1e150 ? abs(g) : (g * g + 1).squareRoot()
                g = d[m] - d[l] + e[l] / (g + (g >= 0 ? abs(r) : -abs(r)))
                var s = 1.0, c = 1.0, p = 0.0
                var i = m - 1
                var deflated = false
                while i >= l {
                    let f = s * e[i]
                    let b = c * e[i]
                    r = (f * f + g * g).squareRoot()   // entries of an equilibrated matrix: no overflow
                    e[i + 1] = r
                    if r == 0 {
                        d[i + 1] -= p
                        e[m] = 0
                        deflated = true
                        break
                    }
                    s = f / r
                    c = g / r
                    g = d[i + 1] - p
                    r = (d[i] - g) * s + 2 * c * b
                    p = s * r
                    d[i + 1] = g + p
                    g = c * r - b
                    i -= 1
                }
                if deflated { continue }
                d[l] -= p
                e[l] = g
                e[m] = 0
            }
        }
        return true
    }

    /// Array convenience: eigenvalues of a symmetric matrix given row-major.
    public static func symmetricEigenvalues(_ matrix: [Double], n: Int) -> [Double]? {
        var copy = matrix
        return copy.withUnsafeMutableBufferPointer { symmetricEigenvalues($0.baseAddress!, n: n) }
    }
}

/// Neumaier's compensated sum: accurate sums of many terms of mixed magnitude.
public struct CompensatedSum: Sendable {
    @usableFromInline var sum = 0.0
    @usableFromInline var compensation = 0.0
    @inlinable public init() {}
    @inlinable
    public mutating func add(_ value: Double) {
        let t = sum + value
        if abs(sum) >= abs(value) { compensation += (sum - t) + value } else { compensation += (value - t) + sum }
        sum = t
    }
    @inlinable public var value: Double { sum + compensation }
}
