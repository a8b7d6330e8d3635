// ConfigError: why a configuration or an override was rejected, naming the key, the value and what is allowed.

public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such key; `suggestion` is the closest known key, if any is close.
    case unknownKey(String, suggestion: String?)
    /// A well-formed value outside the allowed range.
    case outOfRange(key: String, value: String, allowed: String)
    /// A value of the wrong form (not a number, not one of the choices, not a perfect square, …).
    case invalidValue(key: String, value: String, expected: String)
    /// An override that is not `key=value`.
    case malformedAssignment(String)
    /// The YAML text could not be parsed, or has the wrong shape.
    case invalidYAML(String)
    /// Keys that are valid alone but not together.
    case inconsistent(String)

    public var description: String {
        switch self {
        case .unknownKey(let key, let suggestion):
            "unknown key '\(key)'" + (suggestion.map { " (did you mean '\($0)'?)" } ?? "")
        case .outOfRange(let key, let value, let allowed):
            "\(key) = \(value) is out of range (\(allowed))"
        case .invalidValue(let key, let value, let expected):
            "\(key) = \(value) is invalid: expected \(expected)"
        case .malformedAssignment(let text):
            "'\(text)' is not an assignment of the form section.key=value"
        case .invalidYAML(let why):
            "invalid configuration YAML: \(why)"
        case .inconsistent(let why):
            why
        }
    }
}
