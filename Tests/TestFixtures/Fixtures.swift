// Fixtures: reads the reference values the tests compare against from Tests/Fixtures (provenance: its README.md).
import Foundation

public enum Fixtures {
    /// `Tests/Fixtures` of this repository (found from this source file's path, so tests need nothing beside it).
    public static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// A fixture that is missing or malformed: a test failure naming the file, never a crash of the test process.
    public struct Unreadable: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String {
            "fixture \(path) cannot be read: \(reason) (Tests/Fixtures/README.md says where it comes from; "
                + "scripts/fixtures/regenerate.sh rewrites it from the reference)"
        }
    }

    /// The path of fixture `name`.
    public static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The bytes of fixture `name`.
    public static func data(_ name: String) throws -> Data {
        let url = url(name)
        guard FileManager.default.fileExists(atPath: url.path) else { throw Unreadable(path: url.path, reason: "no such file") }
        do { return try Data(contentsOf: url) } catch { throw Unreadable(path: url.path, reason: "\(error)") }
    }

    /// Fixture `name` as UTF-8 text.
    public static func text(_ name: String) throws -> String {
        guard let text = String(data: try data(name), encoding: .utf8) else {
            throw Unreadable(path: url(name).path, reason: "not UTF-8 text")
        }
        return text
    }

    /// Fixture `name` as a JSON object (numbers as NSNumber).
    public static func jsonObject(_ name: String) throws -> [String: Any] {
        let bytes = try data(name)
        do {
            guard let object = try JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                throw Unreadable(path: url(name).path, reason: "the top level is not a JSON object")
            }
            return object
        } catch let error as Unreadable { throw error } catch {
            throw Unreadable(path: url(name).path, reason: "invalid JSON: \(error)")
        }
    }

    /// Fixture `name` decoded as `T` from JSON.
    public static func decode<T: Decodable>(_ type: T.Type, from name: String) throws -> T {
        let bytes = try data(name)
        do { return try JSONDecoder().decode(T.self, from: bytes) } catch {
            throw Unreadable(path: url(name).path, reason: "does not decode as \(T.self): \(error)")
        }
    }
}
