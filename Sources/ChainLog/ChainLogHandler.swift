// ChainLogHandler: the swift-log handler of every dmimo-chain process — one line per record on standard error.
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where finished lines go (each without its newline). The default writes `line + "\n"` to standard error in one
/// write(2), so lines of concurrent writers (threads, or processes sharing a log file) never interleave.
public typealias LogSink = @Sendable (String) -> Void

/// Writes `line` and a newline to file descriptor 2 in one call.
public let standardErrorSink: LogSink = { line in
    var text = line + "\n"
    text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let n = write(2, bytes.baseAddress! + offset, bytes.count - offset)
            if n <= 0 { if n < 0 && errno == EINTR { continue } else { return } }
            offset += n
        }
    }
}

/// Process-wide logging settings: the threshold and the line format (set once by `ChainLog.bootstrap`).
public struct LogSettings: Sendable, Equatable {
    /// Records below this level are dropped.
    public var level: Logger.Level
    public var format: LogFormat

    public init(level: Logger.Level = .info, format: LogFormat = .logfmt) {
        self.level = level
        self.format = format
    }

    /// The command-line options that give a child process the same settings (`--log-level L --log-format F`).
    public var arguments: [String] { ["--log-level", level.rawValue, "--log-format", format.rawValue] }
}

/// A `LogHandler` writing each record as one logfmt or JSON line (`LogRecord.line`). The logger's label is the node
/// (`controller`, `panel-3`, `downlink`); metadata set on the logger and given with the record are merged, the
/// record's winning.
public struct ChainLogHandler: LogHandler {
    public let node: String
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    /// Fixed settings (tests), or nil: the process-wide `ChainLog.settings` at the time of each record.
    let fixedSettings: LogSettings?
    var levelOverride: Logger.Level?
    let sink: LogSink
    let clock: @Sendable () -> LogTimestamp

    /// A handler for `node`. `settings` nil follows `ChainLog.settings`; `sink` and `clock` are replaceable for tests.
    public init(node: String, settings: LogSettings? = nil, sink: @escaping LogSink = standardErrorSink,
                clock: @escaping @Sendable () -> LogTimestamp = LogTimestamp.now) {
        self.node = node
        self.fixedSettings = settings
        self.sink = sink
        self.clock = clock
    }

    var settings: LogSettings { fixedSettings ?? ChainLog.settings }

    public var logLevel: Logger.Level {
        get { levelOverride ?? settings.level }
        set { levelOverride = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        let record = LogRecord(time: clock(), level: event.level, node: node, message: event.message.description,
                               metadata: merged)
        sink(record.line(settings.format))
    }
}

/// The process's logging: settings, bootstrap, and loggers that write through `ChainLogHandler` whether or not the
/// process bootstrapped (so library code never falls back to swift-log's default stdout handler).
public enum ChainLog {
    private static let state = Mutex(LogSettings())
    private static let bootstrapped = Mutex(false)

    /// The current process-wide settings (info, logfmt until `bootstrap`).
    public static var settings: LogSettings { state.withLock { $0 } }

    /// Sets the level and format for the whole process and makes `ChainLogHandler` swift-log's handler for every
    /// `Logger(label:)` (the label being the node). Later calls only change the settings.
    public static func bootstrap(level: Logger.Level = .info, format: LogFormat = .logfmt) {
        state.withLock { $0 = LogSettings(level: level, format: format) }
        let first = bootstrapped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { LoggingSystem.bootstrap { label in ChainLogHandler(node: label) } }
    }

    /// A logger for `node` (`controller`, `panel-3`, `downlink`, …) writing through `ChainLogHandler`.
    public static func logger(_ node: String) -> Logger {
        Logger(label: node) { label in ChainLogHandler(node: label) }
    }
}

extension Logger.Metadata {
    /// `run` and `step` as integers (numbers in JSON lines), and `run_id` (decimal, a string: it can exceed 2^53).
    public static func step(run: Int, step: Int, runID: UInt64? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["run": .stringConvertible(run), "step": .stringConvertible(step)]
        if let runID { metadata["run_id"] = .string(String(runID)) }
        return metadata
    }

    /// `run` as an integer.
    public static func run(_ run: Int) -> Logger.Metadata { ["run": .stringConvertible(run)] }
}
