// swift-tools-version:6.0
import PackageDescription

/// The engine's modules (SimCore, Simulation): its event loop mutates class properties (the
/// simulator's queue, a resource's jobs, a run's per-task arrays) several times per event, and
/// Swift's run-time exclusivity checks on them are a third of the loop's instructions. Release
/// builds skip those checks (`-enforce-exclusivity=unchecked`; the compile-time ones remain);
/// debug builds, which run the tests, keep them.
let engineSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "ScaleCast",
    platforms: [.macOS(.v13)],
    // MARK: - Public API
    products: [
        .executable(name: "scalecast", targets: ["scalecast"]),
        .library(name: "ScaleCast", targets: [
            "SimCore", "Workload", "Hardware", "Parallelism", "CostModel",
            "Simulation", "Scenario", "Reports", "Planning", "Calibration", "Software",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: - Public API
        .target(name: "SimCore", dependencies: [
            .product(name: "HeapModule", package: "swift-collections"),
            .product(name: "DequeModule", package: "swift-collections"),
        ], exclude: ["README.md"], swiftSettings: engineSettings),
        .target(name: "YAMLSupport", dependencies: ["Yams"], exclude: ["README.md"]),
        .target(name: "Workload", dependencies: ["YAMLSupport"], exclude: ["README.md"]),
        .target(name: "Hardware", dependencies: ["YAMLSupport"], exclude: ["README.md"],
                resources: [.copy("Catalog")]),
        .target(name: "Parallelism", dependencies: ["Workload", "Hardware"], exclude: ["README.md"]),
        // Execution profiles: how a training stack runs the schedule (host dispatch, gradient dtype, sync policy, collective).
        .target(name: "Software", dependencies: ["YAMLSupport", "Workload", "Parallelism"], exclude: ["README.md"],
                resources: [.copy("Profiles")]),
        .target(name: "CostModel", dependencies: ["Parallelism", "Workload", "Hardware", "Software"], exclude: ["README.md"]),
        .target(name: "Simulation", dependencies: ["SimCore", "Parallelism", "CostModel", "Software",
                                                   .product(name: "HeapModule", package: "swift-collections")], exclude: ["README.md"],
                swiftSettings: engineSettings),
        .target(name: "Scenario", dependencies: [
            "YAMLSupport", "Workload", "Hardware", "Parallelism", "CostModel", "Simulation", "Software",
        ], exclude: ["README.md"], resources: [.copy("Recipes")]),
        .target(name: "Reports", dependencies: ["YAMLSupport", "Scenario", "Simulation", "CostModel", "Workload", "Hardware", "Software",
                                                 "Parallelism", "Planning"],
                exclude: ["README.md"], resources: [.copy("Templates")]),
        .target(name: "Planning", dependencies: ["Scenario", "Simulation", "SimCore", "Hardware", "Workload", "YAMLSupport", "Yams"],
                exclude: ["README.md"], resources: [.copy("MeasuredErrors")]),
        // The kernels' loops are optimized even in debug builds: unoptimized, the
        // executor's numerical tests take minutes instead of seconds.
        .target(name: "Calibration", dependencies: ["COpenBLAS", "CGSL", "CCPUClock", "CHeap", "YAMLSupport", "Parallelism", "Workload",
                                                    "Hardware", "CostModel", "Simulation", "Software",
                                                    .product(name: "DequeModule", package: "swift-collections")],
                exclude: ["README.md"], swiftSettings: [.unsafeFlags(["-O"])]),
        .target(name: "ScaleCastCLI", dependencies: [
            "YAMLSupport",
            "Scenario", "Reports", "Planning", "Calibration", "CUDARuntime", "Software",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], exclude: ["README.md"]),
        .executableTarget(name: "scalecast", dependencies: ["ScaleCastCLI", "Calibration"]),
        .executableTarget(name: "scalecast-cuda-check", dependencies: ["CUDARuntime"]),
        .executableTarget(name: "scalecast-bench", dependencies: ["Scenario", "Simulation", "Planning", "Calibration", "Parallelism"]),

        // MARK: - Implementation details
        .target(name: "CCPUClock"),
        .target(name: "CHeap"),
        .target(name: "CUDARuntime"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGSL", path: "Sources/CGSL",
                       providers: [.apt(["libgsl-dev"])]),

        // MARK: - Tools
        // `make fuzz`: seeded hostile inputs through the built binary, checked against issue 17's contract.
        .target(name: "FuzzSupport", dependencies: ["SimCore", "Yams"]),
        .executableTarget(name: "scalecast-fuzz", dependencies: [
            "FuzzSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: - Tests
        .testTarget(name: "SimCoreTests", dependencies: ["SimCore"]),
        .testTarget(name: "WorkloadTests", dependencies: ["Workload", "YAMLSupport"]),
        .testTarget(name: "HardwareTests", dependencies: ["Hardware", "YAMLSupport"]),
        .testTarget(name: "ParallelismTests", dependencies: ["Parallelism", "Hardware", "Workload"]),
        .testTarget(name: "SimulationTests", dependencies: ["Simulation", "Parallelism", "CostModel", "Hardware", "Workload", "SimCore",
                                                             "Software"]),
        .testTarget(name: "ScenarioTests", dependencies: ["Scenario"]),
        .testTarget(name: "CLITests", dependencies: ["ScaleCastCLI", "Reports", "Calibration", "scalecast"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Scenario", "Simulation", "Hardware", "YAMLSupport", "Planning"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "Parallelism", "Workload", "SimCore", "Hardware", "Software",
                                                            "CostModel", "YAMLSupport"]),
        .testTarget(name: "PlanningTests", dependencies: ["Planning", "Scenario", "YAMLSupport"]),
        .testTarget(name: "SoftwareTests", dependencies: ["Software", "Scenario", "Simulation", "Parallelism", "Workload",
                                                           "YAMLSupport", "ScaleCastCLI", "scalecast"]),
        .testTarget(name: "FuzzSupportTests", dependencies: ["FuzzSupport", "scalecast"]),
    ]
)
