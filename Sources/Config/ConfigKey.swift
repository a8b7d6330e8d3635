// ConfigKey: one setting as text (dotted name, doc, unit, allowed values, getter and setter); kinds for numbers, choices, lists.

/// A parsed YAML value: a scalar's text, or a flow/block sequence of scalars.
public enum ConfigValue: Sendable, Equatable {
    case scalar(String)
    case list([String])

    /// The value as the user wrote it (for error messages).
    public var text: String {
        switch self {
        case .scalar(let text): text
        case .list(let items): "[" + items.joined(separator: ", ") + "]"
        }
    }
}

/// Descriptor of one configuration key: how to read, write, document and check it.
public struct ConfigKey: Sendable {
    /// Dotted name, `section.key`.
    public let name: String
    /// Meaning (one or more sentences; the spec's symbol first where there is one).
    public let doc: String
    /// Unit, e.g. "Hz", "m", "s", "dB", "" for dimensionless.
    public let unit: String
    /// Allowed values in words, e.g. "1...1048576" or "loca-los | loca-mpc".
    public let allowed: String
    /// The value of this key in a configuration, as YAML flow text (re-loadable).
    public let render: @Sendable (ExperimentConfig) -> String
    /// Parses and checks a value and stores it.
    public let assign: @Sendable (inout ExperimentConfig, ConfigValue) throws(ConfigError) -> Void

    public init(name: String, doc: String, unit: String, allowed: String,
                render: @escaping @Sendable (ExperimentConfig) -> String,
                assign: @escaping @Sendable (inout ExperimentConfig, ConfigValue) throws(ConfigError) -> Void) {
        self.name = name
        self.doc = doc
        self.unit = unit
        self.allowed = allowed
        self.render = render
        self.assign = assign
    }

    /// The section part of the name (before the first dot).
    public var section: String { String(name.prefix { $0 != "." }) }
    /// The key part of the name (after the first dot).
    public var key: String { String(name.drop { $0 != "." }.dropFirst()) }
    /// The default value as YAML text.
    public var defaultValue: String { render(ExperimentConfig()) }
}

// MARK: - kinds (one constructor per value type; each table line calls one of these)

extension ConfigKey {
    /// An integer in a closed range, with an optional extra check returning what is expected when it fails.
    public static func integer<T: FixedWidthInteger & Sendable>(
        _ name: String, _ path: WritableKeyPath<ExperimentConfig, T> & Sendable, _ range: ClosedRange<T>,
        unit: String = "", _ doc: String,
        check: (@Sendable (T) -> Bool)? = nil, checkDescription: String = ""
    ) -> ConfigKey {
        let rangeText = "\(range.lowerBound)...\(range.upperBound)"
        let allowed = checkDescription.isEmpty ? rangeText : "\(checkDescription), \(rangeText)"
        return ConfigKey(name: name, doc: doc, unit: unit, allowed: allowed,
                         render: { String($0[keyPath: path]) },
                         assign: { (config: inout ExperimentConfig, value: ConfigValue) throws(ConfigError) in
            guard case .scalar(let text) = value, let parsed = parseInteger(text, as: T.self) else {
                throw .invalidValue(key: name, value: value.text, expected: "an integer (\(rangeText))")
            }
            guard range.contains(parsed) else {
                throw .outOfRange(key: name, value: value.text, allowed: rangeText)
            }
            if let check, !check(parsed) {
                throw .invalidValue(key: name, value: value.text, expected: allowed)
            }
            config[keyPath: path] = parsed
        })
    }

    /// A real number in a closed range (NaN and ±∞ are out of range).
    public static func real(
        _ name: String, _ path: WritableKeyPath<ExperimentConfig, Double> & Sendable, _ range: ClosedRange<Double>,
        unit: String = "", _ doc: String
    ) -> ConfigKey {
        let rangeText = "\(formatCompact(range.lowerBound))...\(formatCompact(range.upperBound))"
        return ConfigKey(name: name, doc: doc, unit: unit, allowed: rangeText,
                         render: { formatReal($0[keyPath: path]) },
                         assign: { (config: inout ExperimentConfig, value: ConfigValue) throws(ConfigError) in
            guard case .scalar(let text) = value, let parsed = parseReal(text) else {
                throw .invalidValue(key: name, value: value.text, expected: "a number (\(rangeText))")
            }
            guard range.contains(parsed) else { throw .outOfRange(key: name, value: value.text, allowed: rangeText) }
            config[keyPath: path] = parsed
        })
    }

    /// A list of real numbers, each in a closed range, optionally of a fixed length.
    public static func realList(
        _ name: String, _ path: WritableKeyPath<ExperimentConfig, [Double]> & Sendable, count: Int?,
        _ range: ClosedRange<Double>, unit: String = "", _ doc: String
    ) -> ConfigKey {
        let rangeText = "\(formatCompact(range.lowerBound))...\(formatCompact(range.upperBound))"
        let allowed = (count.map { "\($0) numbers" } ?? "a list of numbers") + ", each \(rangeText)"
        return ConfigKey(name: name, doc: doc, unit: unit, allowed: allowed,
                         render: { "[" + $0[keyPath: path].map(formatReal).joined(separator: ", ") + "]" },
                         assign: { (config: inout ExperimentConfig, value: ConfigValue) throws(ConfigError) in
            let items: [String] = switch value {
            case .list(let items): items
            case .scalar(let text): text.split(separator: ",").map(String.init)   // --set key=a,b,c
            }
            var parsed: [Double] = []
            for item in items {
                guard let number = parseReal(item) else {
                    throw .invalidValue(key: name, value: value.text, expected: allowed)
                }
                guard range.contains(number) else {
                    throw .outOfRange(key: name, value: value.text, allowed: allowed)
                }
                parsed.append(number)
            }
            if let count, parsed.count != count { throw .invalidValue(key: name, value: value.text, expected: allowed) }
            config[keyPath: path] = parsed
        })
    }

    /// One of the raw values of a string enumeration.
    public static func choice<T: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<ExperimentConfig, T> & Sendable, _ doc: String
    ) -> ConfigKey where T.RawValue == String {
        let allowed = T.allCases.map(\.rawValue).joined(separator: " | ")
        return ConfigKey(name: name, doc: doc, unit: "", allowed: allowed,
                         render: { $0[keyPath: path].rawValue },
                         assign: { (config: inout ExperimentConfig, value: ConfigValue) throws(ConfigError) in
            guard case .scalar(let text) = value, let parsed = T(rawValue: trimmed(text)) else {
                throw .invalidValue(key: name, value: value.text, expected: "one of \(allowed)")
            }
            config[keyPath: path] = parsed
        })
    }

    /// true or false (also yes/no, on/off, 1/0).
    public static func flag(
        _ name: String, _ path: WritableKeyPath<ExperimentConfig, Bool> & Sendable, _ doc: String
    ) -> ConfigKey {
        ConfigKey(name: name, doc: doc, unit: "", allowed: "true | false",
                  render: { $0[keyPath: path] ? "true" : "false" },
                  assign: { (config: inout ExperimentConfig, value: ConfigValue) throws(ConfigError) in
            guard case .scalar(let text) = value, let parsed = parseFlag(text) else {
                throw .invalidValue(key: name, value: value.text, expected: "true or false")
            }
            config[keyPath: path] = parsed
        })
    }

    /// Free text (written double-quoted), optionally checked by a predicate described by `allowed`.
    public static func text(
        _ name: String, _ path: WritableKeyPath<ExperimentConfig, String> & Sendable, allowed: String = "any text",
        _ doc: String, check: (@Sendable (String) -> Bool)? = nil
    ) -> ConfigKey {
        ConfigKey(name: name, doc: doc, unit: "", allowed: allowed,
                  render: { yamlQuoted($0[keyPath: path]) },
                  assign: { (config: inout ExperimentConfig, value: ConfigValue) throws(ConfigError) in
            guard case .scalar(let text) = value, check?(text) ?? true else {
                throw .invalidValue(key: name, value: value.text, expected: allowed)
            }
            config[keyPath: path] = text
        })
    }
}

// MARK: - text helpers

func trimmed(_ text: String) -> String {
    String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
}

/// Integer from text; "_" digit separators allowed ("1_048_576").
func parseInteger<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> T? {
    T(trimmed(text).replacingAll("_", with: ""))
}

/// Real number from text: decimal or exponent form ("400e6", "4.0e+08"), "_" separators allowed.
func parseReal(_ text: String) -> Double? {
    let cleaned = trimmed(text).replacingAll("_", with: "")
    guard !cleaned.isEmpty, cleaned.allSatisfy({ "0123456789+-.eE".contains($0) }) else { return nil }
    return Double(cleaned)
}

func parseFlag(_ text: String) -> Bool? {
    switch trimmed(text).lowercased() {
    case "true", "yes", "on", "1": true
    case "false", "no", "off", "0": false
    default: nil
    }
}

/// Shortest round-trip text of a Double, written so that YAML 1.1 readers (PyYAML) also see a float:
/// "1e-06" becomes "1.0e-06".
public func formatReal(_ value: Double) -> String {
    var text = value.description
    if let e = text.firstIndex(of: "e"), !text[..<e].contains(".") { text.insert(contentsOf: ".0", at: e) }
    return text
}

/// Short human form of a range bound: integers below 10⁴ as integers, larger integers in exponent form when
/// that is shorter ("1e12", "3.5e9", but "1048576"), small values as "1e-6".
func formatCompact(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e4 { return String(Int(value)) }
    if value == value.rounded(), abs(value) < 9e18 {
        let digits = String(Int64(abs(value)))
        let significant = digits.reversed().drop { $0 == "0" }.reversed()
        let exponent = digits.count - 1
        let mantissa = String(significant.prefix(1)) + (significant.count > 1 ? "." + String(significant.dropFirst()) : "")
        let sign = value < 0 ? "-" : ""
        let exponential = mantissa + "e\(exponent)"
        return sign + (exponential.count < digits.count ? exponential : digits)
    }
    return value.description.replacingOccurrences("e-0", with: "e-").replacingOccurrences("e+", with: "e")
}

/// A double-quoted YAML scalar.
func yamlQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\x" + String(repeating: "0", count: max(0, 2 - hex.count)) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension String {
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = "", rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
