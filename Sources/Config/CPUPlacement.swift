// CPUPlacement: which CPUs the controller and the panels it spawns run on (chain.cpu_placement) — a pure plan.

/// How the processes of a distributed run on one host are placed on its CPUs.
public enum CPUPlacementMode: String, CaseIterable, Sendable, Codable {
    /// No pinning: the kernel's scheduler places and migrates every process.
    case os
    /// The controller on the first allowed CPU, the panels together on the others (round-robin by panel index
    /// when there are several). On a one-CPU host: as `os`.
    case apart
    /// Every process on one CPU (the first allowed one).
    case shared
    /// The controller on the first allowed CPU, panel k on allowed CPU k mod n (neighbours of the chain on
    /// different CPUs).
    case spread
}

/// The CPUs of each process: `nil` = not pinned.
public struct CPUPlacement: Sendable, Equatable {
    /// CPU numbers the controller is pinned to, or nil.
    public var controller: [Int]?
    /// CPU numbers panel k is pinned to, or nil; one entry per panel.
    public var panels: [[Int]?]

    public init(controller: [Int]?, panels: [[Int]?]) {
        self.controller = controller
        self.panels = panels
    }

    /// The plan of `mode` for `panelCount` panels on the CPUs this process may use (`allowed`, ascending).
    public static func plan(_ mode: CPUPlacementMode, panelCount: Int, allowed: [Int]) -> CPUPlacement {
        let unpinned = CPUPlacement(controller: nil, panels: Array(repeating: nil, count: panelCount))
        guard let first = allowed.first else { return unpinned }
        switch mode {
        case .os:
            return unpinned
        case .shared:
            return CPUPlacement(controller: [first], panels: Array(repeating: [first], count: panelCount))
        case .apart:
            let rest = Array(allowed.dropFirst())
            guard !rest.isEmpty else { return unpinned }
            return CPUPlacement(controller: [first], panels: (0..<panelCount).map { [rest[$0 % rest.count]] })
        case .spread:
            return CPUPlacement(controller: [first], panels: (0..<panelCount).map { [allowed[$0 % allowed.count]] })
        }
    }

    /// A CPU list as `taskset -c` and `--cpus` write it: "0", "1,3".
    public static func text(_ cpus: [Int]) -> String { cpus.map(String.init).joined(separator: ",") }

    /// Parses "1", "0,2", "2-5" or "0,4-7" (ascending, no repeats); nil for anything else.
    public static func parse(_ text: String) -> [Int]? {
        var cpus: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count), let low = Int(bounds[0]), let high = Int(bounds.last!),
                  low >= 0, high >= low, high < 1024 else { return nil }
            cpus += Array(low...high)
        }
        guard !cpus.isEmpty, zip(cpus, cpus.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        return cpus
    }
}
