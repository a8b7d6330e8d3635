// Test support: the golden vectors (Tests/Fixtures/loca_scenario.json) and the helpers that compare against them.
import Foundation
import TestFixtures

enum GoldenVectors {
    /// `Tests/Fixtures/loca_scenario.json` as a JSON object tree.
    static func load() throws -> [String: Any] { try Fixtures.jsonObject("loca_scenario.json") }
}

/// JSON number → Double.
func number(_ any: Any?) -> Double {
    if let n = any as? NSNumber { return n.doubleValue }
    if let d = any as? Double { return d }
    if let i = any as? Int { return Double(i) }
    fatalError("not a number: \(String(describing: any))")
}

func numbers(_ any: Any?) -> [Double] { (any as! [Any]).map { number($0) } }

/// Tracks the largest error seen against golden values: |a − b| / max(|b|, 1) (relative, with an absolute
/// floor at unit scale so that golden zeros compare by absolute error).
struct ErrorTracker {
    var worst = 0.0
    var worstLabel = ""
    mutating func record(_ actual: Double, _ expected: Double, _ label: String) -> Double {
        let error = abs(actual - expected) / max(abs(expected), 1)
        if error > worst || (error.isNaN) { worst = error; worstLabel = label }
        return error
    }
}
