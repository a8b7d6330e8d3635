// RunComparison: two run sets side by side — each difference and whether it exceeds the run-to-run spread (bootstrap).
import Scenario

/// Per-step values of one quantity of a run set, grouped by run (finite values only).
public struct StepSamples: Sendable, Equatable {
    public var byRun: [[Double]]
    public init(byRun: [[Double]]) { self.byRun = byRun.map { $0.filter(\.isFinite) }.filter { !$0.isEmpty } }
    public var all: [Double] { byRun.flatMap { $0 } }
    public var isEmpty: Bool { byRun.isEmpty }
}

/// A statistic of per-step values (median, a percentile, RMSE).
public enum StepStatistic: String, Sendable, Codable {
    case p50, p90, p99, rmse

    public func of(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        switch self {
        case .rmse: return (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        case .p50: return quantile(values.sorted(), 0.5)
        case .p90: return quantile(values.sorted(), 0.9)
        case .p99: return quantile(values.sorted(), 0.99)
        }
    }

    func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }
}

/// How the spread of a difference was estimated.
public enum SpreadMethod: String, Sendable, Codable {
    /// Both sets hold several runs: whole runs resampled with replacement (the spread over runs).
    case runs = "bootstrap over runs"
    /// One run (in either set): blocks of √n consecutive steps resampled (steps of a trajectory are correlated).
    case blocks = "block bootstrap over steps"
    /// A single number per set (a count, a peak): no spread to compare against.
    case none = "no spread (single value)"
}

/// One compared quantity.
public struct ComparedQuantity: Sendable, Codable, Equatable {
    public var group: String
    public var name: String
    public var unit: String
    public var a: Double
    public var b: Double
    /// b − a.
    public var difference: Double
    /// 95 % bootstrap interval of b − a (NaN without spread).
    public var low: Double
    public var high: Double
    public var method: SpreadMethod
    /// The interval excludes 0 (false without spread).
    public var significant: Bool

    /// "same", "within spread", "SIGNIFICANT", or "differs" (no spread to judge by).
    public var verdict: String {
        if a == b || (a.isNaN && b.isNaN) { return "same" }
        if method == .none { return "differs" }
        return significant ? "SIGNIFICANT" : "within spread"
    }

    public static func == (l: ComparedQuantity, r: ComparedQuantity) -> Bool {
        func same(_ x: Double, _ y: Double) -> Bool { x == y || (x.isNaN && y.isNaN) }
        return l.group == r.group && l.name == r.name && l.unit == r.unit && same(l.a, r.a) && same(l.b, r.b)
            && same(l.difference, r.difference) && same(l.low, r.low) && same(l.high, r.high)
            && l.method == r.method && l.significant == r.significant
    }
}

/// Settings of the bootstrap: resamples and the seed of its counter-based random streams.
public struct BootstrapSettings: Sendable {
    public var resamples: Int
    public var seed: UInt64
    /// Two-sided level of the interval (0.95: the 2.5th and 97.5th percentiles).
    public var level: Double
    public init(resamples: Int = 2000, seed: UInt64 = 1, level: Double = 0.95) {
        self.resamples = resamples; self.seed = seed; self.level = level
    }
}

/// Compares `statistic` of two sets of per-step values: the difference of the statistic and its bootstrap interval.
public func compareSteps(group: String, name: String, unit: String, statistic: StepStatistic, a: StepSamples,
                         b: StepSamples, settings: BootstrapSettings = BootstrapSettings()) -> ComparedQuantity {
    let sa = statistic.of(a.all), sb = statistic.of(b.all)
    guard !a.isEmpty, !b.isEmpty else {
        return ComparedQuantity(group: group, name: name, unit: unit, a: sa, b: sb, difference: sb - sa,
                                low: .nan, high: .nan, method: .none, significant: false)
    }
    let method: SpreadMethod = a.byRun.count >= 2 && b.byRun.count >= 2 ? .runs : .blocks
    var streamA = RandomStream(seed: settings.seed, step: 0, panel: 0, purpose: .bootstrap)
    var streamB = RandomStream(seed: settings.seed, step: 0, panel: 1, purpose: .bootstrap)
    var differences: [Double] = []
    differences.reserveCapacity(settings.resamples)
    for _ in 0..<settings.resamples {
        let ra = resample(a, method: method, random: &streamA), rb = resample(b, method: method, random: &streamB)
        differences.append(statistic.of(rb) - statistic.of(ra))
    }
    differences.sort()
    let tail = (1 - settings.level) / 2
    let low = StepStatistic.p50.quantile(differences, tail), high = StepStatistic.p50.quantile(differences, 1 - tail)
    let difference = sb - sa
    return ComparedQuantity(group: group, name: name, unit: unit, a: sa, b: sb, difference: difference,
                            low: low, high: high, method: method,
                            significant: difference != 0 && (low > 0 || high < 0))
}

/// A quantity with one value per set (no spread).
public func compareValues(group: String, name: String, unit: String, a: Double, b: Double) -> ComparedQuantity {
    ComparedQuantity(group: group, name: name, unit: unit, a: a, b: b, difference: b - a, low: .nan, high: .nan,
                     method: .none, significant: false)
}

/// One bootstrap resample: whole runs, or moving blocks of ⌈√n⌉ consecutive steps of the concatenated runs.
func resample(_ s: StepSamples, method: SpreadMethod, random: inout RandomStream) -> [Double] {
    switch method {
    case .runs:
        return (0..<s.byRun.count).flatMap { _ in s.byRun[random.nextInt(below: s.byRun.count)] }
    case .blocks, .none:
        let values = s.all
        let n = values.count
        let length = Swift.max(1, Int(Double(n).squareRoot().rounded(.up)))
        var out: [Double] = []
        out.reserveCapacity(n + length)
        while out.count < n {
            let start = random.nextInt(below: Swift.max(1, n - length + 1))
            out += values[start..<Swift.min(n, start + length)]
        }
        return Array(out.prefix(n))
    }
}
