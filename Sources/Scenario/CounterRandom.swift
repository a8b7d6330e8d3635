// CounterRandom: Philox-4x32-10 counter-based random streams keyed by (run seed, step, panel, purpose).

/// What a random stream is used for. Part of the counter, so streams of different purposes never overlap.
/// Raw values stay below 256: Localization's island streams (filter.islands > 1) use purpose words raw value + 256·b.
public enum RandomPurpose: UInt32, Sendable, CaseIterable {
    // measurement synthesis (controller side)
    case pathAmplitude = 1
    case pathNoise = 2
    case falseAlarmCount = 3
    case falseAlarms = 4
    case shuffle = 5
    // filter (panel side)
    case prior = 16
    case agentPrediction = 17
    case regularization = 18
    case amplitudePrediction = 19
    case agentResampling = 20
    case amplitudeResampling = 21
    case featurePrediction = 22
    case featureResampling = 23
    // downlink
    case downlinkNoise = 32
    case downlinkSearch = 33
    // runtime (fault injection, probe payloads)
    case faults = 48
    case probePayload = 49
    // offline analysis (chain-controller compare's bootstrap)
    case bootstrap = 64
}

/// Panel index used in the counter for streams that belong to no panel (agent prior, controller).
public let noPanel: UInt32 = 0xFFFF_FFFF

/// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; Random123).
/// A pure function of (key, counter) → four 32-bit words.
@inlinable
public func philox4x32x10(counter: SIMD4<UInt32>, key: SIMD2<UInt32>) -> SIMD4<UInt32> {
    let m0: UInt64 = 0xD251_1F53, m1: UInt64 = 0xCD9E_8D57
    let w0: UInt32 = 0x9E37_79B9, w1: UInt32 = 0xBB67_AE85
    var c = counter
    var k = key
    for round in 0..<10 {
        if round > 0 { k.x &+= w0; k.y &+= w1 }
        let p0 = m0 &* UInt64(c.x)
        let p1 = m1 &* UInt64(c.z)
        let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
        let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
        c = SIMD4(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0)
    }
    return c
}

/// A random stream: Philox-4x32-10 with key = run seed and counter = (block, step, panel, purpose).
///
/// Any stream can be created independently, in any order, on any host, and gives the same numbers:
/// this is what makes the J-process chain reproduce the in-process chain bit for bit.
public struct RandomStream: Sendable {
    @usableFromInline let key: SIMD2<UInt32>
    @usableFromInline let step: UInt32
    @usableFromInline let panel: UInt32
    @usableFromInline let purpose: UInt32
    @usableFromInline var block: UInt32 = 0
    @usableFromInline var buffer: SIMD4<UInt32> = .zero
    @usableFromInline var used: Int = 4
    @usableFromInline var spareGaussian: Double? = nil

    /// - Parameters:
    ///   - seed: the run seed (the run set's seed plus the run index).
    ///   - step: time step index n (0-based).
    ///   - panel: panel index (0-based), or ``noPanel``.
    ///   - purpose: what the numbers are for.
    public init(seed: UInt64, step: Int, panel: UInt32, purpose: RandomPurpose) {
        key = SIMD2(UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        self.step = UInt32(truncatingIfNeeded: step)
        self.panel = panel
        self.purpose = purpose.rawValue
    }

    /// Positions the stream at the start of Philox block `block` (4 words, i.e. two uniforms or one
    /// Box–Muller pair): buffered words and the spare Gaussian are dropped. Lets a caller give each item
    /// (for example each propagation path) its own fixed block, so that one item's numbers do not depend
    /// on how many numbers the items before it used.
    @inlinable
    public mutating func seek(toBlock block: UInt32) {
        self.block = block
        used = 4
        spareGaussian = nil
    }

    /// The next four raw words (one Philox block), independent of any buffered single words.
    @inlinable
    public mutating func nextBlock() -> SIMD4<UInt32> {
        let out = philox4x32x10(counter: SIMD4(block, step, panel, purpose), key: key)
        block &+= 1
        return out
    }

    @inlinable
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 { buffer = nextBlock(); used = 0 }
        defer { used += 1 }
        return buffer[used]
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniform() -> Double {
        let hi = UInt64(nextUInt32()) >> 5   // 27 bits
        let lo = UInt64(nextUInt32()) >> 6   // 26 bits
        return Double(hi << 26 | lo) * 0x1.0p-53
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniformFloat() -> Float {
        Float(nextUInt32() >> 8) * 0x1.0p-24
    }

    /// Uniform in (0, 1]: safe for logarithms.
    @inlinable
    public mutating func nextUniformOpen() -> Double { 1.0 - nextUniform() }

    /// Standard normal N(0, 1) by the Box–Muller transform (pairs; the second value is kept).
    @inlinable
    public mutating func nextGaussian() -> Double {
        if let g = spareGaussian { spareGaussian = nil; return g }
        let u1 = nextUniformOpen(), u2 = nextUniform()
        let r = (-2.0 * _log(u1)).squareRoot()
        let a = 2.0 * Double.pi * u2
        spareGaussian = r * _sin(a)
        return r * _cos(a)
    }

    /// Uniform integer in 0..<n (n > 0), by Lemire's multiply-shift with rejection (unbiased).
    @inlinable
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n > 0 && n <= Int(UInt32.max))
        let bound = UInt32(n)
        var m = UInt64(nextUInt32()) * UInt64(bound)
        var low = UInt32(truncatingIfNeeded: m)
        if low < bound {
            let threshold = (0 &- bound) % bound
            while low < threshold {
                m = UInt64(nextUInt32()) * UInt64(bound)
                low = UInt32(truncatingIfNeeded: m)
            }
        }
        return Int(m >> 32)
    }

    /// Poisson(mean) by inversion (Knuth's product method for small means, mean < 30).
    public mutating func nextPoisson(mean: Double) -> Int {
        precondition(mean >= 0 && mean < 30, "Poisson sampler is for small means")
        let limit = _exp(-mean)
        var k = 0
        var product = nextUniform()
        while product > limit { k += 1; product *= nextUniform() }
        return k
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@usableFromInline func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
import Darwin
@usableFromInline func _log(_ x: Double) -> Double { Darwin.log(x) }
@usableFromInline func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Darwin.cos(x) }
@usableFromInline func _exp(_ x: Double) -> Double { Darwin.exp(x) }
#endif
