// LogOptions: the --log-level and --log-format options every executable shares (one ParsableArguments group).
import ArgumentParser
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// `--log-level` and `--log-format`; add with `@OptionGroup var logging: LogOptions` and call `bootstrap()` first.
public struct LogOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("log-level"), help: ArgumentHelp(
        "Lowest level of the diagnostics written to standard error: trace | debug | info | notice | warning | error | critical.",
        valueName: "level"))
    public var level: Logger.Level = .info

    @Option(name: .customLong("log-format"), help: ArgumentHelp(
        "Diagnostics line format: logfmt (key=value pairs) or json (one JSON object per line); see docs/LOGGING.md.",
        valueName: "format"))
    public var format: LogFormat = .logfmt

    public init() {}

    /// Makes these the process's settings (`ChainLog.bootstrap`).
    public func bootstrap() { ChainLog.bootstrap(level: level, format: format) }
}

/// A command with the logging options; an executable's `main` bootstraps logging from them after parsing.
public protocol LoggingCommand {
    var logging: LogOptions { get }
}

/// Bootstraps logging from `command`'s options if it has them (else the defaults stay: info, logfmt).
public func bootstrapLogging(for command: Any) {
    (command as? any LoggingCommand)?.logging.bootstrap()
}
