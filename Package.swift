// swift-tools-version:6.0
import PackageDescription

// Layers import downward only; see docs/ARCHITECTURE.md.
let package = Package(
    name: "FedChain",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fedchain", targets: ["fedchain"]),
        .executable(name: "fedchain-bench", targets: ["fedchain-bench"]),
        .library(name: "Scenario", targets: ["Scenario"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
    ],
    targets: [
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5",
                       providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CGSL", pkgConfig: "gsl",
                       providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Loaded at run time with its kernels pinned (Sources/Learning/BLAS.swift), so not linked.
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "SimKernel", dependencies: ["CGSL"]),
        .target(name: "NetworkModel", dependencies: ["SimKernel"]),
        .target(name: "Ledger", dependencies: ["SimKernel", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Consensus", dependencies: ["SimKernel", "NetworkModel", "Ledger"]),
        .target(name: "Metrics", dependencies: ["SimKernel", "CHDF5"]),
        .target(name: "Learning", dependencies: ["CGSL", "CHDF5", "CZlib", "COpenBLAS"]),
        .target(name: "TrainerBridge", dependencies: ["Learning"]),
        .target(name: "SecureAggregation", dependencies: [.product(name: "Crypto", package: "swift-crypto"),
                                                          .product(name: "_CryptoExtras", package: "swift-crypto")]),
        .target(name: "Federation", dependencies: ["SimKernel", "NetworkModel", "Ledger", "Consensus", "Learning", "SecureAggregation", "Markets"]),
        .target(name: "Markets", dependencies: ["SimKernel", "NetworkModel", "Ledger", "Consensus"]),
        .target(name: "Scenario", dependencies: [
            "SimKernel", "NetworkModel", "Ledger", "Consensus", "Metrics", "Learning", "SecureAggregation", "Federation", "Markets", "TrainerBridge",
            .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Sweep", dependencies: ["Scenario", "Metrics", "SimKernel", .product(name: "Yams", package: "Yams")]),
        .executableTarget(name: "fedchain", dependencies: [
            "Scenario", "Metrics", "Sweep", "Learning",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "fedchain-bench", dependencies: ["SimKernel", "Scenario", "SecureAggregation", "TrainerBridge", "Learning", "CGSL"]),
        .testTarget(name: "SimKernelTests", dependencies: ["SimKernel"]),
        .testTarget(name: "NetworkModelTests", dependencies: ["NetworkModel"]),
        .testTarget(name: "LedgerTests", dependencies: ["Ledger", "SimKernel"]),
        .testTarget(name: "MarketsTests", dependencies: ["Markets", "Ledger", "SimKernel"]),
        .testTarget(name: "ConsensusTests", dependencies: ["Consensus", "NetworkModel", "Ledger", "SimKernel"]),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics"]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "SimKernel"]),
        .testTarget(name: "TrainerBridgeTests", dependencies: ["TrainerBridge", "Learning", "SimKernel"]),
        .testTarget(name: "SecureAggregationTests", dependencies: ["SecureAggregation", "SimKernel"]),
        .testTarget(name: "FederationTests", dependencies: ["Federation", "Consensus", "Learning", "Ledger", "Markets", "NetworkModel", "SimKernel"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "Scenario", "Metrics"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Scenario", "Metrics", "fedchain", .product(name: "Yams", package: "Yams")]),
    ]
)
