// Test support: locate the shared folder (../shared beside the repository) relative to the repository and read the golden vectors.
import Foundation

enum SharedFiles {
    /// The shared folder: `$DMIMO_SHARED`, else `<repository root>/../shared`.
    static var root: URL {
        if let override = ProcessInfo.processInfo.environment["DMIMO_SHARED"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repositoryRoot.appendingPathComponent("../shared").standardizedFileURL
    }

    /// `vectors/loca_scenario.json` as a JSON object tree.
    static func goldenVectors() throws -> [String: Any] {
        let url = root.appendingPathComponent("vectors/loca_scenario.json")
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }
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
