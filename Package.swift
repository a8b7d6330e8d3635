// swift-tools-version: 6.1
// dmimo-chain: distributed-MIMO localization as one process per antenna panel, chained over ZeroMQ.
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

/// Localization's hot loops: AVX2 lanes in release builds on x86-64 (Haswell or newer), 1.5-2x faster than the
/// SSE2 lanes and bit-identical to them (scripts/check-simd-backends.sh). DMIMO_BASELINE_X86=1 builds for any
/// x86-64 CPU instead.
#if arch(x86_64)
let localizationSettings: [SwiftSetting] = strict + (Context.environment["DMIMO_BASELINE_X86"] != nil ? [] : [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
    .define("DMIMO_AVX2", .when(configuration: .release)),
])
#else
let localizationSettings: [SwiftSetting] = strict
#endif
/// The same switch for code that must know what the build needs (ChainRuntime's CPU check at start), without the
/// Haswell code generation: that check has to run on any x86-64 CPU.
#if arch(x86_64)
let avx2Define: [SwiftSetting] = Context.environment["DMIMO_BASELINE_X86"] != nil ? [] : [.define("DMIMO_AVX2", .when(configuration: .release))]
#else
let avx2Define: [SwiftSetting] = []
#endif
/// Downlink's hot loops use the same switch: four Float64 lanes in one AVX2 register (DoubleLanes.swift), bit-identical
/// to the SSE2 pairs of a baseline build.
let downlinkSettings = localizationSettings

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
        .testTarget(name: "WireTests", dependencies: ["Wire"]),
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
