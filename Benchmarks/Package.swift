// swift-tools-version: 6.1
// dmimo-chain benchmarks: a package of its own (the main package does not build them), on the main package by path.
import PackageDescription

let strict: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

let package = Package(
    name: "dmimo-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "dmimo-chain", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // counts heap allocations: a malloc interposer linked into the benchmark executables only
        .target(name: "CMallocCounter", path: "Sources/CMallocCounter"),
        // one panel update's p50/p99 and heap allocations (scripts/bench-panel.sh)
        .executableTarget(name: "panel-bench", dependencies: [
            "CMallocCounter",
            .product(name: "Localization", package: "dmimo-chain"),
            .product(name: "Scenario", package: "dmimo-chain"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: strict),
        // heap allocations per hop of a real panel's thread over real ZeroMQ sockets (scripts/tests/hop-allocations.sh)
        .executableTarget(name: "hop-bench", dependencies: [
            "CMallocCounter",
            .product(name: "ChainRuntime", package: "dmimo-chain"),
            .product(name: "Wire", package: "dmimo-chain"),
            .product(name: "ZeroMQ", package: "dmimo-chain"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
    ]
)
