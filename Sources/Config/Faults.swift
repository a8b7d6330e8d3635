// Faults: the scripted fault schedule of a configuration (top-level `faults:` list of {at_step, action, panel, ...}).
import Yams

/// What a fault does to a panel.
public enum FaultAction: String, Sendable, CaseIterable {
    /// SIGKILL the panel process.
    case kill
    /// SIGSTOP it for duration_ms, then SIGCONT.
    case stop
    /// SIGKILL it, then start it again after duration_ms (it rejoins with fresh state).
    case restart
    /// Cut its link for duration_ms: it neither reads nor sends; what arrives meanwhile is lost.
    case partition
    /// Add delay_us to each of its hops for duration_ms (0 = until the end).
    case slow
    /// It sends garbage bytes instead of γ, once.
    case corrupt
    /// It sends γ twice, once.
    case duplicate

    /// Every action as the configuration and `chain-controller fault` spell it: "kill | stop | …".
    public static var allowedValues: String { allCases.map(\.rawValue).joined(separator: " | ") }
}

/// One scripted fault.
public struct FaultSpec: Sendable, Equatable {
    /// Step at whose start the fault is injected (0-based).
    public var atStep: Int
    public var action: FaultAction
    /// Panel index (0-based).
    public var panel: Int
    /// Duration in milliseconds (stop, partition, slow; restart: downtime).
    public var durationMs: Int = 0
    /// Extra delay per hop in microseconds (slow).
    public var delayUs: Int = 0
    /// Monte-Carlo run the fault belongs to (0-based).
    public var run: Int = 0

    public init(atStep: Int, action: FaultAction, panel: Int, durationMs: Int = 0, delayUs: Int = 0, run: Int = 0) {
        self.atStep = atStep; self.action = action; self.panel = panel
        self.durationMs = durationMs; self.delayUs = delayUs; self.run = run
    }

    /// The YAML flow mapping of this fault.
    public var yaml: String {
        "{at_step: \(atStep), action: \(action.rawValue), panel: \(panel), duration_ms: \(durationMs), delay_us: \(delayUs), run: \(run)}"
    }
}

extension ExperimentConfig {
    static let faultFields = ["at_step", "action", "panel", "duration_ms", "delay_us", "run"]

    /// Reads a `faults:` YAML node: a sequence of mappings.
    static func faults(from node: Node) throws(ConfigError) -> [FaultSpec] {
        guard case .sequence(let items) = node else {
            throw .invalidValue(key: "faults", value: node.string ?? "?", expected: "a list of {at_step, action, panel, duration_ms, delay_us, run}")
        }
        var result: [FaultSpec] = []
        for (i, item) in items.enumerated() {
            guard case .mapping(let mapping) = item else {
                throw .invalidValue(key: "faults[\(i)]", value: item.string ?? "?", expected: "a mapping {at_step, action, panel, ...}")
            }
            var fields: [String: String] = [:]
            for (k, v) in mapping {
                guard let name = k.string, let value = v.string else {
                    throw .invalidValue(key: "faults[\(i)]", value: "?", expected: "scalar fields")
                }
                guard faultFields.contains(name) else { throw .unknownKey("faults[\(i)].\(name)", suggestion: nil) }
                fields[name] = value
            }
            func integer(_ name: String, _ range: ClosedRange<Int>, required: Bool) throws(ConfigError) -> Int {
                guard let text = fields[name] else {
                    if required { throw .invalidValue(key: "faults[\(i)].\(name)", value: "missing", expected: "a whole number in \(range)") }
                    return 0
                }
                guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw .invalidValue(key: "faults[\(i)].\(name)", value: text, expected: "a whole number")
                }
                guard range.contains(v) else {
                    throw .outOfRange(key: "faults[\(i)].\(name)", value: text, allowed: "\(range.lowerBound)...\(range.upperBound)")
                }
                return v
            }
            guard let actionText = fields["action"], let action = FaultAction(rawValue: actionText) else {
                throw .invalidValue(key: "faults[\(i)].action", value: fields["action"] ?? "missing",
                                    expected: "one of " + FaultAction.allowedValues)
            }
            result.append(FaultSpec(atStep: try integer("at_step", 0...10_000_000, required: true), action: action,
                                    panel: try integer("panel", 0...4095, required: true),
                                    durationMs: try integer("duration_ms", 0...86_400_000, required: false),
                                    delayUs: try integer("delay_us", 0...60_000_000, required: false),
                                    run: try integer("run", 0...1_000_000, required: false)))
        }
        return result
    }

    /// The `faults:` section as YAML text (with its documentation).
    func faultsYAML() -> String {
        var out = "\n# Scripted fault injection: a list of {at_step, action, panel, duration_ms, delay_us, run}; action is one of\n"
            + "# \(FaultAction.allowedValues) (see chain-controller run --help).\n"
            + "# at_step: step at whose start the fault is injected; duration_ms: stop/partition/slow length, restart\n"
            + "# downtime; delay_us: extra delay per hop (slow); run: Monte-Carlo run (default 0).\n"
        if faults.isEmpty { return out + "faults: []\n" }
        out += "faults:\n"
        for f in faults { out += "  - \(f.yaml)\n" }
        return out
    }
}
