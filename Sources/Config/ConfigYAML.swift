// ConfigYAML: loading YAML and key=value overrides through the key table, cross-key validation, and the documented YAML output.
import Scenario
import Yams

extension ExperimentConfig {
    /// Loads a configuration: the defaults, then every key given in `yaml`, then `overrides` (`key=value`
    /// strings, in order), then ``validate()``.
    ///
    /// The YAML is a mapping of sections to mappings of keys (`filter: {particles: 1024}`); dotted keys
    /// (`filter.particles: 1024`) are accepted too. Keys left out keep their defaults; unknown keys, values of
    /// the wrong form, out-of-range values and keys given twice are rejected with a ``ConfigError``.
    public static func load(yaml: String, overrides: [String] = []) throws(ConfigError) -> ExperimentConfig {
        var config = ExperimentConfig()
        for (name, value) in try entries(ofYAML: yaml) {
            if name == "faults", case .scalar(let text) = value { try config.set("faults=" + text); continue }
            try config.assign(name, value)
        }
        for assignment in overrides { try config.set(assignment) }
        try config.validate()
        return config
    }

    /// Applies one `section.key=value` override (the value is read as YAML: a scalar, or a list `[a, b]`).
    /// Checks the key's own range; call ``validate()`` after the last override (``load(yaml:overrides:)`` does).
    public mutating func set(_ assignment: String) throws(ConfigError) {
        guard let equals = assignment.firstIndex(of: "=") else { throw .malformedAssignment(assignment) }
        let name = trimmed(String(assignment[..<equals]))
        let valueText = String(assignment[assignment.index(after: equals)...])
        guard !name.isEmpty else { throw .malformedAssignment(assignment) }
        if name == "faults" {
            do {
                guard let node = try Yams.compose(yaml: valueText) else { faults = []; return }
                faults = try Self.faults(from: node)
            } catch let error as ConfigError { throw error } catch {
                throw ConfigError.invalidYAML("faults: \(error)")
            }
            return
        }
        guard ExperimentConfig.key(named: name) != nil else { throw Self.unknown(name) }
        let value: ConfigValue
        do {
            guard let node = try Yams.compose(yaml: valueText) else {
                throw ConfigError.invalidValue(key: name, value: "''",
                                               expected: ExperimentConfig.key(named: name)!.allowed)
            }
            value = try Self.value(of: node, key: name)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw .invalidValue(key: name, value: valueText, expected: ExperimentConfig.key(named: name)!.allowed)
        }
        try assign(name, value)
    }

    /// The value of a key as YAML text (e.g. `"4096"`, `"loca-los"`, `"[0.001, 0.001, 0.001, 0.001]"`).
    public func value(forKey name: String) throws(ConfigError) -> String {
        guard let key = ExperimentConfig.key(named: name) else { throw Self.unknown(name) }
        return key.render(self)
    }

    /// Checks what single keys cannot: run.steps ≤ scenario.trajectory_samples; filter.particles a multiple of 16
    /// (the panel kernels work in 16-particle blocks) and filter.particles / filter.islands one too; u_de < u_bmax; the fillets fit the track; every scripted
    /// fault names an existing panel, a step and a run that will happen (otherwise it would silently never fire).
    public func validate() throws(ConfigError) {
        if filter.particles % 16 != 0 {
            throw .inconsistent("filter.particles = \(filter.particles) must be a multiple of 16 (the panel kernels "
                                + "work in blocks of 16 particles), e.g. \(max(16, filter.particles / 16 * 16))")
        }
        let blocks = filter.particles / 16
        if blocks % filter.islands != 0 {
            let allowed = (1...blocks).filter { blocks % $0 == 0 }.map(String.init).joined(separator: ", ")
            throw .inconsistent("filter.islands = \(filter.islands) must split filter.particles = \(filter.particles) "
                                + "into islands of a whole multiple of 16 particles (the panel kernels work in blocks "
                                + "of 16): one of \(allowed)")
        }
        for (i, fault) in faults.enumerated() {
            if fault.panel >= scenario.panels {
                throw .inconsistent("faults[\(i)].panel = \(fault.panel) does not exist: scenario.panels = "
                                    + "\(scenario.panels) (panels 0...\(scenario.panels - 1))")
            }
            if fault.atStep >= run.steps {
                throw .inconsistent("faults[\(i)].at_step = \(fault.atStep) never happens: run.steps = \(run.steps) "
                                    + "(steps 0...\(run.steps - 1))")
            }
            if fault.run >= run.runs {
                throw .inconsistent("faults[\(i)].run = \(fault.run) never happens: run.runs = \(run.runs) "
                                    + "(runs 0...\(run.runs - 1))")
            }
        }
        if run.steps > scenario.trajectorySamples {
            throw .inconsistent("run.steps = \(run.steps) is out of range (1...\(scenario.trajectorySamples) = "
                                + "scenario.trajectory_samples)")
        }
        let maxAmplitude = radioParameters.maxAmplitude
        if !(radio.detectionThreshold < maxAmplitude) {
            throw .inconsistent("radio.detection_threshold = \(formatReal(radio.detectionThreshold)) must be below "
                                + "u_bmax = √(SNR_1m·N_a) = \(formatReal(maxAmplitude)) (radio.snr_1m_db, "
                                + "scenario.array_size)")
        }
        var probe = trajectoryParameters
        probe.samples = 2         // same pieces and checks as the full track, without sampling it
        do {
            _ = try Trajectory(probe)
        } catch {
            throw .inconsistent("scenario.fillet_radius_m = \(formatReal(scenario.filletRadius)): \(error)")
        }
    }

    /// The resolved configuration as YAML: every key with its value, each preceded by its meaning, unit and
    /// allowed values as comments. ``load(yaml:overrides:)`` reads it back to an equal configuration.
    public func yaml() -> String {
        var out = """
            # dmimo-chain experiment configuration: every key, with its meaning, unit and allowed values.
            # The defaults (configs/default.yaml) are the paper's operating point (docs/MODEL.md §B.6, §E):
            # J = 24 panels, N_a = 25, B_w = 400 MHz, Loca-LoS, N_p = 4096, 526 steps, 1 run, seed 2025.
            # Keys may be left out (their default applies) or overridden with --set section.key=value.

            """
        var sectionNames = ExperimentConfig.sections.map(\.name)
        for key in ExperimentConfig.keys where !sectionNames.contains(key.section) { sectionNames.append(key.section) }
        for section in sectionNames {
            out += "\n"
            if let doc = ExperimentConfig.sections.first(where: { $0.name == section })?.doc {
                for line in wrap(doc, width: 100, prefix: "# ") { out += line + "\n" }
            }
            out += "\(section):\n"
            for key in ExperimentConfig.keys where key.section == section {
                for line in wrap(key.doc, width: 100, prefix: "  # ") { out += line + "\n" }
                let unit = key.unit.isEmpty ? "" : "unit: \(key.unit); "
                out += "  # \(unit)allowed: \(key.allowed)\n"
                out += "  \(key.key): \(key.render(self))\n"
            }
        }
        return out + faultsYAML()
    }

    // MARK: - internals

    mutating func assign(_ name: String, _ value: ConfigValue) throws(ConfigError) {
        guard let key = ExperimentConfig.key(named: name) else { throw Self.unknown(name) }
        try key.assign(&self, value)
    }

    static func unknown(_ name: String) -> ConfigError {
        .unknownKey(name, suggestion: closestKey(to: name))
    }

    /// The flattened (dotted name, value) pairs of a YAML document, in document order.
    static func serialize(node: Node) throws(ConfigError) -> String {
        do { return try Yams.serialize(node: node) } catch { throw .invalidYAML("faults: \(error)") }
    }

    static func entries(ofYAML yaml: String) throws(ConfigError) -> [(String, ConfigValue)] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw .invalidYAML("\(error)")
        }
        guard let root else { return [] }       // empty document: all defaults
        guard case .mapping(var mapping) = root else { throw .invalidYAML("the top level must be a mapping of sections") }
        var entries: [(String, ConfigValue)] = []
        if let faultsNode = mapping["faults"] {
            mapping["faults"] = nil
            // the fault list is not a key of the table: carry it as its YAML text, parsed again by set()
            entries.append(("faults", .scalar(try serialize(node: faultsNode))))
        }
        var seen = Set<String>()
        try flatten(.mapping(mapping), prefix: "", into: &entries, seen: &seen)
        return entries
    }

    private static func flatten(_ node: Node, prefix: String, into entries: inout [(String, ConfigValue)],
                                seen: inout Set<String>) throws(ConfigError) {
        guard case .mapping(let mapping) = node else { return }
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw .invalidYAML("a key under '\(prefix)' is not a plain name")
            }
            let name = prefix.isEmpty ? keyScalar.string : prefix + "." + keyScalar.string
            if case .mapping = valueNode, key(named: name) == nil {
                try flatten(valueNode, prefix: name, into: &entries, seen: &seen)
                continue
            }
            guard key(named: name) != nil else { throw unknown(name) }
            guard seen.insert(name).inserted else { throw .invalidYAML("key '\(name)' is given twice") }
            entries.append((name, try value(of: valueNode, key: name)))
        }
    }

    private static func value(of node: Node, key name: String) throws(ConfigError) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            return .scalar(scalar.string)
        case .sequence(let sequence):
            var items: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else {
                    throw .invalidValue(key: name, value: "a nested list", expected: key(named: name)?.allowed ?? "")
                }
                items.append(scalar.string)
            }
            return .list(items)
        case .mapping:
            throw .invalidValue(key: name, value: "a mapping", expected: key(named: name)?.allowed ?? "")
        case .alias:
            throw .invalidValue(key: name, value: "an alias", expected: key(named: name)?.allowed ?? "")
        }
    }

    /// The known key closest to `name`: same key in another section, else the smallest edit distance ≤ 3.
    static func closestKey(to name: String) -> String? {
        let lastPart = name.split(separator: ".").last.map(String.init) ?? name
        if let sameKey = keys.first(where: { $0.key == lastPart }) { return sameKey.name }
        var best: (name: String, distance: Int)?
        for key in keys {
            let distance = editDistance(Array(name), Array(key.name))
            if distance <= 3 && distance < (best?.distance ?? .max) { best = (key.name, distance) }
        }
        return best?.name
    }
}

/// Levenshtein distance.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// Splits `text` into lines of at most `width` characters (words are not broken), each starting with `prefix`.
func wrap(_ text: String, width: Int, prefix: String) -> [String] {
    var lines: [String] = []
    var line = prefix
    for word in text.split(separator: " ") {
        if line.count > prefix.count && line.count + 1 + word.count > width {
            lines.append(line)
            line = prefix
        }
        line += (line.count > prefix.count ? " " : "") + word
    }
    if line.count > prefix.count { lines.append(line) }
    return lines
}
