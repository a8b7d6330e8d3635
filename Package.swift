// swift-tools-version: 6.1
// dmimo-chain: distributed-MIMO localization as one process per antenna panel, chained over ZeroMQ.
import Foundation
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

/// Localization's hot loops: AVX2 lanes in release builds on x86-64 (Haswell or newer), 1.5-2x faster than the
/// SSE2 lanes and bit-identical to them (scripts/check-simd-backends.sh). If the build host has AVX-512 (F, DQ, BW,
/// VL; read from /proc/cpuinfo, as the C baseline's -march=native does), the sixteen-lane kernels use one 512-bit
/// register (Lanes512.swift, -target-cpu skylake-avx512): again bit-identical, and such a binary needs an AVX-512 CPU.
/// DMIMO_X86=avx2 builds the AVX2 lanes on any host (for Haswell-or-newer deployment hosts; deploy/build-release.sh
/// sets it, DMIMO_X86=native there keeps the host's choice); DMIMO_BASELINE_X86=1
/// builds for any x86-64 CPU (SSE2 lanes).
#if arch(x86_64)
let hostHasAVX512: Bool = {
    guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
    let flags = Set(line.split(separator: " ").map(String.init))
    return ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains)
}()
let avx2Settings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
    .define("DMIMO_AVX2", .when(configuration: .release)),
]
let avx512Settings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "skylake-avx512"], .when(configuration: .release)),
    .define("DMIMO_AVX2", .when(configuration: .release)),
    .define("DMIMO_AVX512", .when(configuration: .release)),
]
let baselineX86 = Context.environment["DMIMO_BASELINE_X86"] != nil
let useAVX512 = !baselineX86 && Context.environment["DMIMO_X86"] != "avx2" && hostHasAVX512
let localizationSettings: [SwiftSetting] = strict + (baselineX86 ? [] : useAVX512 ? avx512Settings : avx2Settings)
/// Downlink's hot loops use the AVX2 switch: four Float64 lanes in one AVX2 register (DoubleLanes.swift),
/// bit-identical to the SSE2 pairs of a baseline build.
let downlinkSettings: [SwiftSetting] = strict + (baselineX86 ? [] : avx2Settings)
/// The same switches for code that must know what the build needs (ChainRuntime's CPU check at start), without the
/// code generation: that check has to run on any x86-64 CPU.
let avx2Define: [SwiftSetting] = baselineX86 ? [] : [.define("DMIMO_AVX2", .when(configuration: .release))]
    + (useAVX512 ? [.define("DMIMO_AVX512", .when(configuration: .release))] : [])
#else
let localizationSettings: [SwiftSetting] = strict
let downlinkSettings = localizationSettings
let avx2Define: [SwiftSetting] = []
#endif

let package = Package(
    name: "dmimo-chain",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "panel-node", targets: ["panel-node"]),
        .executable(name: "chain-controller", targets: ["chain-controller"]),
        .executable(name: "dmimo-downlink", targets: ["dmimo-downlink"]),
        // the compute core as libraries, for the Benchmarks package (Benchmarks/Package.swift)
        .library(name: "Localization", targets: ["Localization"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        // a real panel node and its wire, for the Benchmarks package's hop-bench (allocations per hop)
        .library(name: "ChainRuntime", targets: ["ChainRuntime"]),
        .library(name: "Wire", targets: ["Wire"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // MARK: C libraries (only ZeroMQ and Wire may import these)
        .systemLibrary(name: "CZeroMQ", path: "Sources/CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CProtobufC", path: "Sources/CProtobufC", pkgConfig: "libprotobuf-c",
                       providers: [.apt(["libprotobuf-c-dev"])]),
        .target(name: "DMIMOWireC", dependencies: ["CProtobufC"], path: "Sources/DMIMOWireC"),

        // MARK: C-fenced wrappers
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ"]),
        .target(name: "Wire", dependencies: ["DMIMOWireC", "CProtobufC"]),

        // MARK: pure compute core (no I/O)
        .target(name: "Scenario"),
        .target(name: "Localization", dependencies: ["Scenario"], swiftSettings: localizationSettings),
        .target(name: "Downlink", dependencies: ["Scenario", .product(name: "Numerics", package: "swift-numerics")],
                swiftSettings: downlinkSettings),

        // MARK: dmimo-downlink's work as library code: study and bench rows, CSV tables, JSON and text reports
        .target(name: "DownlinkReports", dependencies: ["Downlink", "Scenario"]),

        // MARK: the chain's protocol rules as pure state machines (events in, directives out; no I/O)
        .target(name: "ChainProtocol"),

        // MARK: logging: one swift-log handler (logfmt or JSON lines on stderr) and the --log-level/--log-format options
        .target(name: "ChainLog", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: configuration (YAML) and runtime
        .target(name: "Config", dependencies: ["Scenario", "Localization", .product(name: "Yams", package: "Yams")]),
        .target(name: "ChainRuntime", dependencies: [
            "ChainProtocol", "ZeroMQ", "Wire", "Scenario", "Localization", "Config", "Downlink", "ChainLog",
            .product(name: "Histogram", package: "hdrhistogram-swift"), .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: avx2Define),

        // MARK: executables: parse arguments, wire, run
        .executableTarget(name: "panel-node", dependencies: [
            "ChainRuntime", "ChainLog", .product(name: "Logging", package: "swift-log"), .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "chain-controller", dependencies: [
            "ChainRuntime", "Config", "Scenario", "ChainLog", .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "dmimo-downlink", dependencies: [
            "Downlink", "DownlinkReports", "Scenario", "ChainRuntime", "ChainLog", .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Localization developer tools: the studies as library code, the two commands as thin shells over it
        .target(name: "FilterStudies", dependencies: ["Localization", "Scenario"]),
        // filter methods compared (the reference's table) and per-panel timing (run it from a release build)
        .executableTarget(name: "mpc-sweep", dependencies: [
            "FilterStudies", "Localization", "Scenario", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Monte Carlo runs against the numpy reference (scripts/compare-ref.py)
        .executableTarget(name: "loca-run", dependencies: [
            "FilterStudies", "Localization", "Scenario", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        // (panel-bench and its malloc counter are the Benchmarks package: Benchmarks/Package.swift)

        // MARK: tests (unit tests per module; ProcessTests start real processes; fixtures in Tests/Fixtures)
        .target(name: "TestFixtures", path: "Tests/TestFixtures"),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"]),
        .testTarget(name: "ChainProtocolTests", dependencies: ["ChainProtocol"]),
        .testTarget(name: "ChainLogTests", dependencies: ["ChainLog", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TestFixtures"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario", "TestFixtures"]),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "TestFixtures"]),
        .testTarget(name: "LocalizationTests", dependencies: ["Localization", "Scenario", "TestFixtures"]),
        .testTarget(name: "FilterStudiesTests", dependencies: ["FilterStudies", "Localization", "Scenario"]),
        .testTarget(name: "DownlinkTests", dependencies: ["Downlink", "Scenario", "TestFixtures"]),
        .testTarget(name: "DownlinkReportsTests", dependencies: ["DownlinkReports", "Downlink"]),
        .testTarget(name: "ProcessTests", dependencies: ["ChainRuntime", "Config", "Downlink", "Wire", "ZeroMQ"]),
        .testTarget(name: "EndpointCheckTests", dependencies: ["ChainRuntime", "Wire", "ZeroMQ"]),
    ]
)
