// PanelIncarnations: which process each panel is, so the controller tells a late Hello from a restarted panel.

/// The process (pid, host) behind each panel, and whether it has been heard since it was configured. A panel
/// repeats Hello with every heartbeat until its Configure arrives, so a Hello can still arrive after start-up from
/// the same process: that one is late, not a restart. A new pid or host, or a Hello after the panel was heard
/// configured (a configured panel sends none), is a restart: the panel is configured again and rejoins with fresh
/// state. Pure.
public struct PanelIncarnations: Sendable, Equatable {
    /// Process id each panel reported in its last Hello (0: none yet).
    public private(set) var pids: [UInt64]
    /// Host each panel reported in its last Hello.
    public private(set) var hosts: [String]
    /// Whether a message other than Hello came from each panel since it was last configured.
    public private(set) var heardConfigured: [Bool]

    public init(panels: Int) {
        pids = Array(repeating: 0, count: panels)
        hosts = Array(repeating: "", count: panels)
        heardConfigured = Array(repeating: false, count: panels)
    }

    /// Whether a Hello from (`pid`, `host`) after start-up is a restart of a panel known as (`knownPID`,
    /// `knownHost`) that was (`heardConfigured`) or was not heard configured.
    public static func helloIsRestart(pid: UInt64, host: String, knownPID: UInt64, knownHost: String,
                                      heardConfigured: Bool) -> Bool {
        pid != knownPID || host != knownHost || heardConfigured
    }

    /// A Hello during start-up: the panel's process.
    public mutating func greeted(_ panel: Int, pid: UInt64, host: String) {
        pids[panel] = pid
        hosts[panel] = host
    }

    /// The panel was sent its Configure.
    public mutating func configured(_ panel: Int) { heardConfigured[panel] = false }

    /// A message of this run other than Hello came from the panel.
    public mutating func heardAsConfigured(_ panel: Int) { heardConfigured[panel] = true }

    /// A Hello after start-up.
    /// - Returns: true if it is a restart (the process is recorded; configure the panel again), false for a late
    ///   Hello of the known process.
    public mutating func helloAfterStart(_ panel: Int, pid: UInt64, host: String) -> Bool {
        guard Self.helloIsRestart(pid: pid, host: host, knownPID: pids[panel], knownHost: hosts[panel],
                                  heardConfigured: heardConfigured[panel]) else { return false }
        greeted(panel, pid: pid, host: host)
        return true
    }
}
