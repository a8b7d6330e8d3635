// ChildProcesses: spawn, signal and reap the panel processes the controller starts; none outlives it.
#if canImport(Glibc)
import Glibc
#endif

/// One spawned child process.
public struct ChildProcess: Sendable {
    public let name: String
    public let pid: pid_t
    public let arguments: [String]
}

/// How a child ended.
public enum ChildExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signalled(let s): "killed by signal \(s) (\(String(cString: strsignal(s))))"
        }
    }
}

/// Starts child processes with a clean signal mask and reaps every one of them.
public final class ChildProcesses {
    public private(set) var running: [pid_t: ChildProcess] = [:]
    /// Children that ended, in the order they were reaped.
    public private(set) var exited: [(ChildProcess, ChildExit)] = []

    public init() {}

    /// Starts `executable` with `arguments` (argv[0] is added). stdout/stderr are inherited, or appended to `logPath`.
    public func spawn(name: String, executable: String, arguments: [String], logPath: String? = nil) throws(RuntimeError) -> ChildProcess {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGINT, SIGTERM, SIGCHLD, SIGHUP, SIGPIPE] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let logPath {
            posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else {
            throw RuntimeError("cannot start \(name) (\(executable)): \(String(cString: strerror(rc)))")
        }
        let child = ChildProcess(name: name, pid: pid, arguments: arguments)
        running[pid] = child
        return child
    }

    /// Reaps every child of this set that has ended, without blocking. Only its own children are waited for
    /// (never `waitpid(-1)`), so several sets — and other code that starts processes — can share a process.
    @discardableResult
    public func reap() -> [(ChildProcess, ChildExit)] {
        var ended: [(ChildProcess, ChildExit)] = []
        for (pid, child) in running {
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { continue }
            running.removeValue(forKey: pid)
            ended.append((child, Self.exit(status)))
        }
        exited += ended
        return ended
    }

    static func exit(_ status: Int32) -> ChildExit {
        (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
    }

    /// Sends `signal` to one child.
    public func signal(_ child: ChildProcess, _ signal: Int32) {
        if running[child.pid] != nil { kill(child.pid, signal) }
    }

    /// Asks every child to stop (SIGTERM), waits up to `graceMs`, then SIGKILLs the rest and reaps them all.
    public func terminateAll(graceMs: Int = 1000) {
        for pid in running.keys { kill(pid, SIGTERM) }
        let deadline = monotonicNanos() + UInt64(graceMs) * 1_000_000
        while !running.isEmpty && monotonicNanos() < deadline {
            reap()
            if !running.isEmpty { usleep(5_000) }
        }
        for pid in running.keys { kill(pid, SIGKILL) }
        for (pid, child) in running {
            var status: Int32 = 0
            if waitpid(pid, &status, 0) == pid { exited.append((child, Self.exit(status))) }
        }
        running.removeAll()
    }

    deinit { terminateAll(graceMs: 500) }
}
