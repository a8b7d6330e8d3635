// NodeLoggers: the loggers of the chain's nodes — controller, downlink, panel-K — one name per node in every line.
import Logging

extension ChainLog {
    /// The chain-controller (run, sweep, probe, check, fault, …).
    public static let controller = logger("controller")
    /// The dmimo-downlink node and commands.
    public static let downlink = logger("downlink")
    /// Panel `k`'s process (`panel-<k>`).
    public static func panel(_ k: Int) -> Logger { logger("panel-\(k)") }
}
