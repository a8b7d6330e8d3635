// ProgressLine: a one-line progress display on stderr for long runs (rewritten in place on a terminal).
#if canImport(Glibc)
import Glibc
#endif

/// Prints "label: done/total extra" to stderr at most every 0.5 s on a terminal, every 5 s otherwise, and at the end.
public final class ProgressLine {
    let label: String
    let isTerminal = isatty(2) != 0
    var lastNs: UInt64 = 0
    var printed = false

    public init(label: String) { self.label = label }

    public func update(_ done: Int, _ total: Int, extra: String = "") {
        let now = monotonicNanos()
        let interval: UInt64 = isTerminal ? 500_000_000 : 5_000_000_000
        guard done == total || now - lastNs > interval else { return }
        lastNs = now
        let percent = total > 0 ? done * 100 / total : 100
        let text = "\(label): \(done)/\(total) \(extra) (\(percent) %)"
        emit(isTerminal ? "\r\u{1B}[K" + text : text + "\n")
        printed = true
    }

    public func finish() {
        if printed && isTerminal { emit("\n") }
    }

    func emit(_ text: String) {
        var t = text
        t.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}
