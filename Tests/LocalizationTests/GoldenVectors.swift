// Test support: the golden vectors (Tests/Fixtures/loca_scenario.json) and JSON number helpers.
import Foundation
import TestFixtures

enum GoldenVectors {
    /// `Tests/Fixtures/loca_scenario.json` as a JSON object.
    static func load() throws -> [String: Any] { try Fixtures.jsonObject("loca_scenario.json") }
}

/// JSON number → Double (JSONSerialization yields NSNumber).
func double(_ value: Any?) -> Double { (value as! NSNumber).doubleValue }
func doubles(_ value: Any?) -> [Double] { (value as! [Any]).map { double($0) } }
func doubleRows(_ value: Any?) -> [[Double]] { (value as! [Any]).map { doubles($0) } }
