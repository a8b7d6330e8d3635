// CPUFeatures: a clear error at start when the CPU lacks the instructions this release build was compiled for.
import Foundation

/// Instruction-set extensions a release build on x86-64 uses (`-target-cpu haswell` in Package.swift, as the
/// /proc/cpuinfo flags name them); empty for builds without it (DMIMO_BASELINE_X86=1, debug, other architectures).
public var requiredCPUFlags: [String] {
    #if arch(x86_64) && DMIMO_AVX2
    ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt"]
    #else
    []
    #endif
}

/// The flags of `required` that the first processor of a /proc/cpuinfo text lacks (nil: no `flags` line found).
public func missingCPUFlags(cpuinfo: String, required: [String]) -> [String]? {
    guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
          let colon = line.firstIndex(of: ":") else { return nil }
    let have = Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    return required.filter { !have.contains($0) }
}

/// Exits with status 3 and one line naming what is missing when this CPU cannot run the build (instead of dying
/// with SIGILL in the first vectorized loop). Call first in `main`, before any Localization or Downlink code.
/// The CPU description is /proc/cpuinfo (`DMIMO_CPUINFO` names another file, for tests); without it, no check.
public func requireBuildCPUFeatures(program: String) {
    let required = requiredCPUFlags
    guard !required.isEmpty else { return }
    let path = ProcessInfo.processInfo.environment["DMIMO_CPUINFO"] ?? "/proc/cpuinfo"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
          let missing = missingCPUFlags(cpuinfo: text, required: required), !missing.isEmpty else { return }
    FileHandle.standardError.write(Data(("\(program): this CPU lacks \(missing.joined(separator: ", ")) (per \(path)), which this "
        + "release build uses (x86-64 Haswell or newer: AVX2 + FMA). Rebuild for any x86-64 CPU with "
        + "DMIMO_BASELINE_X86=1 bash scripts/build.sh (or deploy/build-release.sh).\n").utf8))
    exit(3)
}
