// CPUAffinity: the CPUs this process may run on, and pinning every thread of it to a set (Linux sched_*affinity).
import Config
#if canImport(Glibc)
import Glibc
#endif

/// Linux CPU affinity. `sched_getaffinity`/`sched_setaffinity` are GNU extensions the Swift Glibc module does not
/// import, so they are looked up once by name in the C library (no C shim for two calls).
public enum CPUAffinity {
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
    /// A cpu_set_t of 1024 CPUs.
    private static let setWords = 16

    private static func call(_ name: String) -> AffinityCall? {
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: AffinityCall.self)
    }

    /// The CPU numbers the calling thread may run on, ascending (empty if the kernel does not say).
    public static func allowed() -> [Int] {
        guard let get = call("sched_getaffinity") else { return [] }
        var words = [UInt64](repeating: 0, count: setWords)
        let rc = words.withUnsafeMutableBytes { get(0, $0.count, $0.baseAddress!) }
        guard rc == 0 else { return [] }
        return (0..<(setWords * 64)).filter { words[$0 / 64] & (1 << UInt64($0 % 64)) != 0 }
    }

    /// Pins every thread of this process (and so every thread it starts later) to `cpus`.
    public static func pinProcess(to cpus: [Int]) throws(RuntimeError) {
        guard let set = call("sched_setaffinity") else { throw RuntimeError("CPU pinning: sched_setaffinity is not available") }
        var words = [UInt64](repeating: 0, count: setWords)
        for cpu in cpus {
            guard cpu >= 0 && cpu < setWords * 64 else { throw RuntimeError("CPU pinning: no CPU \(cpu)") }
            words[cpu / 64] |= 1 << UInt64(cpu % 64)
        }
        for thread in threadIDs() {
            let rc = words.withUnsafeMutableBytes { set(thread, $0.count, $0.baseAddress!) }
            guard rc == 0 else {
                let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
                throw RuntimeError("CPU pinning to CPUs \(CPUPlacement.text(cpus)): \(String(cString: strerror(errno))) "
                                   + "(this host has \(online) CPUs online, numbered from 0)")
            }
        }
    }

    /// The ids of this process's threads (/proc/self/task), or this thread's alone if unreadable.
    private static func threadIDs() -> [pid_t] {
        guard let dir = opendir("/proc/self/task") else { return [0] }
        defer { closedir(dir) }
        var ids: [pid_t] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if let id = pid_t(name) { ids.append(id) }
        }
        return ids.isEmpty ? [0] : ids
    }
}
