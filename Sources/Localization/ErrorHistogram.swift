// ErrorHistogram: position errors in fixed logarithmic bins, for the quantiles of run sets too long to keep every error.

/// Counts of non-negative values (position errors, metres) in fixed bins: one bin [0, 2⁻²⁰ m), then 2048 bins per
/// power of two from 2⁻²⁰ m (≈ 0.95 µm) up to 2¹² m (4096 m), then one bin for larger or non-finite values.
/// A value is read back as its bin's midpoint, which lies within 2⁻¹² (0.0244 %) of every value of the bin (within
/// 2⁻²¹ m ≈ 0.48 µm in the lowest bin), so a quantile read from the bins is within ``relativeBound`` × the exact
/// quantile of the same values + ``absoluteBound``. Values of the top bin (≥ 4096 m) read as the largest value.
/// Memory: 65,538 counts (512 KiB) however many values are added.
public struct ErrorHistogram: Sendable {
    /// Bins per power of two: the top 11 bits of the significand.
    static let mantissaBits = 11
    /// Powers of two covered by the fine bins: [2^lowestExponent, 2^highestExponent) metres.
    static let lowestExponent = -20, highestExponent = 12
    static let binsPerOctave = 1 << mantissaBits
    static let fineBins = (highestExponent - lowestExponent) * binsPerOctave
    /// Index of the top bin (values ≥ 2^highestExponent or not finite).
    static let overflowBin = fineBins + 1
    /// Relative error of a quantile (0.025 %, above the bins' 2⁻¹²).
    public static let relativeBound = 0.000_25
    /// Absolute error of a quantile from the lowest bin, metres (half its width, 2⁻²¹ m).
    public static let absoluteBound = 0x1p-21

    var counts: [Int]
    /// Values added.
    public private(set) var count = 0
    /// Largest value added (the reading of the top bin); −∞ while empty.
    public private(set) var largest = -Double.infinity

    public init() { counts = Array(repeating: 0, count: Self.overflowBin + 1) }

    /// The bin of a value: 0 below 2⁻²⁰, then (exponent, top significand bits), the top bin from 2¹² or not finite.
    static func bin(of x: Double) -> Int {
        if x.isNaN || x >= 0x1p12 { return overflowBin }
        if x < 0x1p-20 { return 0 }
        let top = Int(x.significandBitPattern >> UInt64(Double.significandBitCount - mantissaBits))
        return 1 + (Int(x.exponent) - lowestExponent) * binsPerOctave + top
    }

    /// The value a bin reads as: the midpoint of its range (the largest value for the top bin).
    func reading(ofBin b: Int) -> Double {
        if b == 0 { return Self.absoluteBound }
        if b == Self.overflowBin { return largest }
        let octave = (b - 1) / Self.binsPerOctave, top = (b - 1) % Self.binsPerOctave
        let base = Double(sign: .plus, exponent: octave + Self.lowestExponent, significand: 1)
        return base * (1 + (Double(top) + 0.5) / Double(Self.binsPerOctave))
    }

    /// Adds one value (metres).
    public mutating func add(_ x: Double) {
        counts[Self.bin(of: x)] += 1
        count += 1
        if x > largest { largest = x }
    }

    /// The q-quantile (0...1) with numpy's linear interpolation between the two order statistics around
    /// q·(count − 1), each read from its bin; NaN when empty. Within ``relativeBound`` × exact + ``absoluteBound``.
    public func quantile(_ q: Double) -> Double {
        precondition(q >= 0 && q <= 1)
        guard count > 0 else { return .nan }
        let position = q * Double(count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, count - 1)
        let fraction = position - Double(lower)
        var below = 0   // values in the bins before b
        var a = Double.nan, b = Double.nan
        for bin in counts.indices where counts[bin] > 0 {
            let through = below + counts[bin]
            if a.isNaN && lower < through { a = reading(ofBin: bin) }
            if upper < through { b = reading(ofBin: bin); break }
            below = through
        }
        return a + (b - a) * fraction
    }
}
