// ChainLogHandlerTests: the lines ChainLogHandler writes — both formats, escaping, metadata order and types, levels.
import ArgumentParser
@testable import ChainLog
import Logging
import Synchronization
import Testing

/// Collects the lines a handler writes.
final class Lines: Sendable {
    private let store = Mutex<[String]>([])
    var all: [String] { store.withLock { $0 } }
    var sink: LogSink { { line in self.store.withLock { $0.append(line) } } }
}

/// 2026-12-02T05:20:01.000042Z
let fixedTime = LogTimestamp(seconds: 1_796_188_801, microseconds: 42)

func logger(_ node: String, _ format: LogFormat, level: Logger.Level = .info, into lines: Lines) -> Logger {
    Logger(label: node) { label in
        ChainLogHandler(node: label, settings: LogSettings(level: level, format: format), sink: lines.sink,
                        clock: { fixedTime })
    }
}

@Suite struct ChainLogHandlerTests {
    @Test func timestampsAreUTCWithMicroseconds() {
        #expect(fixedTime.iso8601 == "2026-12-02T05:20:01.000042Z")
        #expect(LogTimestamp(seconds: 0, microseconds: 0).iso8601 == "1970-01-01T00:00:00.000000Z")
        #expect(LogTimestamp(seconds: 951_782_400, microseconds: 999_999).iso8601 == "2000-02-29T00:00:00.999999Z")
        #expect(LogTimestamp(seconds: -1, microseconds: 500_000).iso8601 == "1969-12-31T23:59:59.500000Z")
        #expect(LogTimestamp(seconds: 4_102_444_799, microseconds: 1).iso8601 == "2099-12-31T23:59:59.000001Z")
    }

    @Test func logfmtPutsTimeLevelNodeRunStepFirstAndQuotesOnlyWhatNeedsIt() {
        let lines = Lines()
        var log = logger("panel-3", .logfmt, into: lines)
        log[metadataKey: "run_id"] = "9f3a"
        log.warning("controller silent; exiting", metadata: .step(run: 1, step: 12).merging(["peer": "tcp://h:5500"]) { $1 })
        #expect(lines.all == [
            "time=2026-12-02T05:20:01.000042Z level=warning node=panel-3 run_id=9f3a run=1 step=12 "
                + "msg=\"controller silent; exiting\" peer=tcp://h:5500",
        ])
    }

    @Test func logfmtEscapesQuotesBackslashesNewlinesAndSpaces() {
        let lines = Lines()
        let log = logger("controller", .logfmt, into: lines)
        log.error("bad \"value\"\nat C:\\x\ttab", metadata: ["empty": "", "eq": "a=b", "bell": "\u{7}", "bare": "x"])
        #expect(lines.all == [
            #"time=2026-12-02T05:20:01.000042Z level=error node=controller msg="bad \"value\"\nat C:\\x\ttab" "#
                + #"bare=x bell="\u0007" empty="" eq="a=b""#,
        ])
        #expect(!lines.all[0].contains("\n"), "one record, one line")
    }

    @Test func logfmtKeysCannotBreakThePair() {
        #expect(logfmtKey("a b=c\"d") == "a_b_c_d")
        #expect(logfmtKey("") == "_")
    }

    @Test func jsonLinesAreOneObjectWithIntegersAsNumbersAndEscapedStrings() {
        let lines = Lines()
        let log = logger("downlink", .json, into: lines)
        log.notice("snapshot \"7\" refused\r\n", metadata: .step(run: 0, step: 7).merging([
            "why": "ill-conditioned", "ratio": .stringConvertible(0.5), "ids": [.stringConvertible(1), "b"],
            "at": ["x": .stringConvertible(2)],
        ]) { $1 })
        #expect(lines.all == [
            #"{"time":"2026-12-02T05:20:01.000042Z","level":"notice","node":"downlink","run":0,"step":7,"#
                + #""msg":"snapshot \"7\" refused\r\n","at":{"x":2},"ids":[1,"b"],"ratio":"0.5","why":"ill-conditioned"}"#,
        ])
    }

    @Test func jsonEscapesControlCharactersAndKeepsUnicode() {
        #expect(jsonString("γ\u{1}\\") == #""γ\u0001\\""#)
    }

    @Test func recordsBelowTheLevelAreDroppedAndTheLoggerLevelCanBeRaised() {
        let lines = Lines()
        var log = logger("panel-0", .logfmt, level: .notice, into: lines)
        log.info("dropped")
        log.debug("dropped")
        log.notice("kept")
        log.logLevel = .error
        log.warning("dropped too")
        log.critical("kept too")
        #expect(lines.all.map { $0.split(separator: " ")[1] } == ["level=notice", "level=critical"])
    }

    @Test func loggerMetadataAndRecordMetadataMergeTheRecordWinning() {
        let lines = Lines()
        var log = logger("controller", .logfmt, into: lines)
        log[metadataKey: "run"] = .stringConvertible(3)
        log[metadataKey: "mode"] = "spawn"
        log.info("x", metadata: ["run": .stringConvertible(4)])
        #expect(lines.all == ["time=2026-12-02T05:20:01.000042Z level=info node=controller run=4 msg=x mode=spawn"])
    }

    @Test func theOptionsParseEveryLevelAndBothFormatsAndHandThemOn() throws {
        for level in Logger.Level.allCases {
            for format in LogFormat.allCases {
                let options = try LogOptions.parse(["--log-level", level.rawValue, "--log-format", format.rawValue])
                #expect(options.level == level && options.format == format)
                #expect(LogSettings(level: level, format: format).arguments
                        == ["--log-level", level.rawValue, "--log-format", format.rawValue])
            }
        }
        let defaults = try LogOptions.parse([])
        #expect(defaults.level == .info && defaults.format == .logfmt)
        #expect(throws: (any Error).self) { try LogOptions.parse(["--log-level", "verbose"]) }
        #expect(throws: (any Error).self) { try LogOptions.parse(["--log-format", "xml"]) }
    }
}
