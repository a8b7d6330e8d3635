// SystemSupport: monotonic clock, signal delivery through a pipe, resource usage, runtime errors.
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Nanoseconds of CLOCK_MONOTONIC: one clock for every process on a host.
@inline(__always)
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Wall-clock time as ISO 8601 UTC text (for manifests).
public func utcTimestamp() -> String {
    var now = time(nil)
    var tm = tm()
    gmtime_r(&now, &tm)
    var buffer = [CChar](repeating: 0, count: 32)
    strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &tm)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// An error a user can act on: one line, naming what failed (panel, endpoint, file).
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Peak resident set size of this process in bytes.
public func peakRSSBytes() -> UInt64 {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return UInt64(usage.ru_maxrss) * 1024
}

/// Current resident set size of this process in bytes (from /proc/self/statm).
public func currentRSSBytes() -> UInt64 {
    guard let f = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(f) }
    var size: UInt = 0, resident: UInt = 0
    guard withUnsafeMutablePointer(to: &size, { s in
        withUnsafeMutablePointer(to: &resident) { r in readStatm(f, s, r) }
    }) else { return 0 }
    return UInt64(resident) * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}

private func readStatm(_ f: UnsafeMutablePointer<FILE>, _ size: UnsafeMutablePointer<UInt>, _ resident: UnsafeMutablePointer<UInt>) -> Bool {
    var line = [CChar](repeating: 0, count: 256)
    guard fgets(&line, Int32(line.count), f) != nil else { return false }
    let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    let parts = text.split(separator: " ")
    guard parts.count >= 2, let s = UInt(parts[0]), let r = UInt(parts[1]) else { return false }
    size.pointee = s
    resident.pointee = r
    return true
}

/// Tells glibc not to give freed memory back to the kernel below 4 MiB: protobuf-c allocates and frees
/// the particle arrays of every message, and trimming each time costs ~40 µs per message at 16k particles.
/// (mallopt is looked up at run time: Swift's Glibc module does not export malloc.h.)
public func tuneAllocatorForMessages() {
    typealias MalloptFunction = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: MalloptFunction.self)
    let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
    _ = mallopt(trimThreshold, 4 << 20)
    _ = mallopt(mmapThreshold, 4 << 20)
}

/// Delivers SIGINT, SIGTERM and SIGHUP through a pipe that `zmq_poll` can watch, so the socket loop
/// handles them between messages. Create it first thing in `main`.
public final class SignalWatcher {
    /// The read end of the pipe to poll.
    public let fileDescriptor: Int32
    private let writeEnd: Int32
    private var sources: [any DispatchSourceSignal] = []

    public init(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) throws(RuntimeError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw RuntimeError("cannot create signal pipe: \(String(cString: strerror(errno)))") }
        fileDescriptor = fds[0]
        writeEnd = fds[1]
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        Glibc.signal(SIGPIPE, SIG_IGN)
        let out = fds[1]
        for s in signals {
            Glibc.signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler {
                var byte = UInt8(truncatingIfNeeded: s)
                _ = write(out, &byte, 1)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// The signals that arrived since the last call (drains the pipe).
    public func pending() -> [Int32] {
        var result: [Int32] = []
        var byte: UInt8 = 0
        while read(fileDescriptor, &byte, 1) == 1 { result.append(Int32(byte)) }
        return result
    }

    deinit {
        for s in sources { s.cancel() }
        close(fileDescriptor)
        close(writeEnd)
    }
}

/// The host name of this machine.
public func hostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    gethostname(&buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Absolute path of the running executable.
public func currentExecutablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return CommandLine.arguments[0] }
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Whether the process that started this one has exited (this process was re-parented).
public func parentHasExited(expectedParent: Int32) -> Bool { getppid() != expectedParent }

/// Nanoseconds from `start` to `end`, 0 if `end` is earlier (never wraps).
@inline(__always)
public func elapsedNs(from start: UInt64, to end: UInt64) -> UInt64 { end > start ? end - start : 0 }
