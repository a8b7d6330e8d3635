// SharedFiles: locating and reading the project's shared, read-only material (vectors, reference) from tests.
import Foundation

enum SharedFiles {
    /// The shared folder: `$DMIMO_SHARED`, else `../shared` next to the repository root.
    static var root: URL {
        if let override = ProcessInfo.processInfo.environment["DMIMO_SHARED"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        // Tests/LocalizationTests/SharedFiles.swift → repository root → ../shared
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared")
    }

    /// The golden vectors `vectors/loca_scenario.json` as a JSON object.
    static func scenarioVectors() throws -> [String: Any] {
        let url = root.appendingPathComponent("vectors/loca_scenario.json")
        let data = try Data(contentsOf: url)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }
}

/// JSON number → Double (JSONSerialization yields NSNumber).
func double(_ value: Any?) -> Double { (value as! NSNumber).doubleValue }
func doubles(_ value: Any?) -> [Double] { (value as! [Any]).map { double($0) } }
func doubleRows(_ value: Any?) -> [[Double]] { (value as! [Any]).map { doubles($0) } }
