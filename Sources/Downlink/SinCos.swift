// SinCos: cosine and sine of one angle together — fdlibm kernels after a Cody–Waite reduction by π/2.

/// (cos x, sin x) for |x| < 2^19·π/2 (≈ 8.2e5 rad; larger arguments are not supported), in one branch-light call.
///
/// The argument is reduced to r = x − n·π/2, |r| ≤ π/4, with π/2 split into 33-bit parts (fdlibm's
/// `__ieee754_rem_pio2` medium-size path, exact products for |n| < 2^20), keeping the tail of r; the polynomial
/// kernels are fdlibm's `__kernel_sin` / `__kernel_cos` (FreeBSD msun), accurate to < 1 ulp on |r| ≤ π/4. Results agree
/// with the C library's `cos`/`sin` to within 2 ulp of 1 (tested), not bit for bit. One call replaces a `cos` and a
/// `sin` call (with their separate reductions) where an evaluation needs the phasor exp(jx).
@inline(__always)
func cosSin(_ x: Double) -> (cos: Double, sin: Double) {
    // n = round(x·2/π) by the 1.5·2^52 trick (ties to even); its low bits are the quadrant
    let magic = 6755399441055744.0
    let big = x * 6.36619772367581382433e-01 + magic
    let n = big - magic
    let quadrant = big.bitPattern & 3
    let pio2_1 = 1.57079632673412561417e+00, pio2_2 = 6.07710050630396597660e-11
    let pio2_2t = 2.02226624879595063154e-21
    // r = x − n·pio2_1 is exact; then subtract n·(pio2_2 + pio2_2t), the rounding error going to the tail y1
    let t = x - n * pio2_1
    let w1 = n * pio2_2
    let r = t - w1
    let w = n * pio2_2t - ((t - r) - w1)
    let y0 = r - w
    let y1 = (r - y0) - w
    let z = y0 * y0, zz = z * z
    // __kernel_sin(y0, y1)
    let sr = 8.33333333332248946124e-03 + z * (-1.98412698298579493134e-04 + z * 2.75573137070700676789e-06)
        + z * zz * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)
    let v = z * y0
    let sine = y0 - ((z * (0.5 * y1 - v * sr) - y1) - v * -1.66666666666666324348e-01)
    // __kernel_cos(y0, y1)
    let cr = z * (4.16666666666666019037e-02 + z * (-1.38888888888741095749e-03 + z * 2.48015872894767294178e-05))
        + zz * zz * (-2.75573143513906633035e-07 + z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11))
    let hz = 0.5 * z
    let wc = 1 - hz
    let cosine = wc + (((1 - wc) - hz) + (z * cr - y0 * y1))
    switch quadrant {
    case 0: return (cosine, sine)
    case 1: return (-sine, cosine)
    case 2: return (-cosine, -sine)
    default: return (sine, -cosine)
    }
}
