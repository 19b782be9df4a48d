// swift-tools-version: 6.0
import PackageDescription

/// The examples parse their flags with swift-argument-parser, as the `strata` command does.
let argumentParser: Target.Dependency = .product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
    name: "Strata",
    products: [
        .library(name: "Strata", targets: ["Strata"]),
        .library(name: "StrataNN", targets: ["StrataNN"]),
        .library(name: "StrataData", targets: ["StrataData"]),
        .library(name: "StrataOptimizers", targets: ["StrataOptimizers"]),
        .library(name: "StrataIO", targets: ["StrataIO"]),
        .library(name: "StrataTraining", targets: ["StrataTraining"]),
        .library(name: "StrataDistributed", targets: ["StrataDistributed"]),
        .library(name: "StrataONNX", targets: ["StrataONNX"]),
        .executable(name: "strata", targets: ["StrataCommandLine"]),
        .executable(name: "strata-serve", targets: ["StrataServeCommand"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // The inference server only: `strata` and the examples do not link these.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // OpenBLAS from Debian's libopenblas-dev: cblas_sgemm/dgemm.
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // C hot loops, each compiled for AVX-512, AVX2 and baseline x86-64 and picked at run time
        // (PackedGemm.c's AVX-512 kernel checks for the CPU feature itself).
        .target(name: "CStrataKernels"),
        // Convolution plans over the C API of oneDNN (Debian's libdnnl-dev).
        .target(name: "CStrataDNNL", linkerSettings: [.linkedLibrary("dnnl")]),
        .target(
            name: "Strata",
            dependencies: [
                "CStrataKernels",
                "CStrataDNNL",
                "COpenBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // PNG and JPEG decoding: Debian's libpng and libjpeg-turbo, called from a C shim that turns
        // their longjmp error handling into status codes.
        .systemLibrary(name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .target(name: "CStrataImage", dependencies: ["CPNG", "CJPEG"]),
        // Open MPI opened with dlopen at run time (no MPI headers or library at build time, so the
        // package builds without MPI); ProcessGroup and gradient buckets over it.
        .target(name: "CStrataMPI", linkerSettings: [.linkedLibrary("dl")]),
        .target(name: "StrataDistributed", dependencies: ["Strata", "StrataData", "CStrataMPI"]),
        .target(name: "StrataNN", dependencies: ["Strata"]),
        .target(name: "StrataData", dependencies: ["Strata", "CZlib", "CStrataImage"]),
        .target(name: "StrataOptimizers", dependencies: ["Strata"]),
        .target(name: "StrataIO", dependencies: ["Strata", "CZlib"]),
        // The training loop sits above every other library: it drives models, optimizers, data and IO.
        .target(name: "StrataTraining", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataIO", "StrataDistributed"]),
        // ONNX import (an interpreter of the graph onto Strata's ops) and export. Generated/ holds
        // the swift-protobuf code for onnx.proto (Tools/generate_onnx_swift.sh), committed.
        .target(name: "StrataONNX", dependencies: [
            "Strata", "StrataNN", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // The `strata` command: its subcommands live in a library so that tests can run them.
        .target(name: "StrataCLI", dependencies: [
            "Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataIO", "StrataTraining", "StrataONNX", "StrataDistributed",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // A thin `main`; the module is not named `strata`, which would clash with `Strata` on
        // case-insensitive file systems.
        .executableTarget(name: "StrataCommandLine", dependencies: ["StrataCLI", "StrataTraining"], path: "Sources/strata"),
        // The inference server (Open Inference Protocol over Hummingbird): a library so that tests
        // start it in process, and `strata-serve`, which `strata serve` runs. Only this product links
        // Hummingbird, so the quick start's `swift run strata train` does not build it.
        .target(name: "StrataServe", dependencies: [
            "Strata", "StrataNN", "StrataData", "StrataIO", "StrataTraining", "StrataCLI", "StrataONNX",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "StrataServeCommand", dependencies: [
            "StrataServe", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Sources/strata-serve"),
        // Seeded mutation fuzzing of the file readers: the library holds the mutator and one
        // target per reader (run by the tests), strata-fuzz the long runs (Tools/fuzz.sh).
        .target(name: "StrataFuzzing", dependencies: [
            "Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataIO", "StrataTraining", "StrataCLI", "StrataONNX",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "strata-fuzz", dependencies: [
            "StrataFuzzing", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], path: "Tools/Fuzz"),
        // The data-parallel checks the tests run under mpirun (equivalence, a killed rank) and the
        // allreduce benchmark.
        .executableTarget(name: "strata-mpi-check", dependencies: [
            "Strata", "StrataNN", "StrataOptimizers", "StrataIO", "StrataDistributed", argumentParser,
        ], path: "Tools/MPICheck"),
        // Runs onnx's backend node tests through StrataONNX (Tools/onnx_conformance.py drives it).
        .executableTarget(name: "onnx-conformance", dependencies: ["Strata", "StrataONNX"], path: "Tools/ONNXConformance"),
        // resnet18 inference from ONNX for Benchmarks/onnx_resnet18.py (against onnxruntime).
        .executableTarget(name: "onnx-bench", dependencies: ["Strata", "StrataONNX"], path: "Benchmarks/ONNXBench"),
        .executableTarget(name: "StrataBench", dependencies: ["Strata", "StrataNN", "StrataOptimizers", "StrataData", "StrataTraining", "StrataIO"],
                          path: "Benchmarks/StrataBench"),
        .executableTarget(name: "FitCurve", dependencies: ["Strata", "StrataTraining", argumentParser], path: "Examples/FitCurve"),
        .executableTarget(name: "MLPFashion", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataTraining", argumentParser], path: "Examples/MLPFashion"),
        .executableTarget(name: "CNNFashion", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataTraining", argumentParser],
                          path: "Examples/CNNFashion"),
        .executableTarget(name: "Autoencoder", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataIO", "StrataTraining", argumentParser],
                          path: "Examples/Autoencoder"),
        .executableTarget(name: "Transfer", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataTraining", argumentParser],
                          path: "Examples/Transfer"),
        .executableTarget(name: "CharLM", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataTraining", argumentParser],
                          path: "Examples/CharLM"),
        .executableTarget(name: "CharGPT", dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataTraining", argumentParser],
                          path: "Examples/CharGPT"),
        .executableTarget(name: "TemporalOrder", dependencies: ["Strata", "StrataNN", "StrataOptimizers", "StrataTraining", argumentParser],
                          path: "Examples/TemporalOrder"),
        .executableTarget(name: "Lasso", dependencies: ["Strata", "StrataOptimizers", "StrataTraining", argumentParser], path: "Examples/Lasso"),
        .executableTarget(name: "WideDeep", dependencies: ["Strata", "StrataNN", "StrataData", "StrataTraining", argumentParser],
                          path: "Examples/WideDeep"),
        // CStrataKernels for the packed recurrent product, tested on its own (PackedGemmTests).
        .testTarget(name: "StrataTests", dependencies: ["Strata", "CStrataKernels"]),
        .testTarget(name: "StrataNNTests", dependencies: ["Strata", "StrataNN", "StrataIO", "StrataOptimizers"]),
        // Fixtures/Images: crops of scikit-learn's sample photographs and Pillow's decodes of them
        // (Tools/make_image_fixtures.py).
        .testTarget(name: "StrataDataTests", dependencies: ["Strata", "StrataData", "StrataIO", "CZlib"],
                    resources: [.copy("Fixtures/Images")]),
        // The resume test trains a model across a checkpoint, so it needs every layer above IO.
        // PyTorchWeightsTests load state_dicts that PyTorch wrote (Tools/make_interop_fixtures.py).
        .testTarget(name: "StrataIOTests", dependencies: ["Strata", "StrataIO", "CZlib", "StrataNN", "StrataOptimizers", "StrataData"],
                    resources: [.copy("Fixtures/PyTorch")]),
        .testTarget(name: "StrataOptimizersTests", dependencies: ["Strata", "StrataNN", "StrataOptimizers"]),
        .testTarget(name: "StrataCLITests",
                    dependencies: ["Strata", "StrataNN", "StrataData", "StrataIO", "StrataCLI", "StrataTraining", "CZlib",
                                   .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "StrataServeTests", dependencies: [
            "StrataServe", "Strata", "StrataNN", "StrataData", "StrataIO", "StrataCLI", "StrataTraining", "StrataONNX",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),
        .testTarget(name: "StrataFuzzingTests", dependencies: ["StrataFuzzing", "StrataData", "StrataCLI"]),
        // The MPI tests run Tools/MPICheck's executable under mpirun; they skip without mpirun.
        .testTarget(name: "StrataDistributedTests", dependencies: ["Strata", "StrataData", "StrataIO", "StrataDistributed"]),
        // Fixtures/ONNX: onnx's backend node tests (a subset, Tools/onnx_conformance.py) and small
        // PyTorch exports with onnxruntime's outputs (Tools/make_onnx_fixtures.py).
        .testTarget(name: "StrataONNXTests", dependencies: ["Strata", "StrataNN", "StrataONNX"],
                    resources: [.copy("Fixtures/ONNX")]),
        .testTarget(name: "StrataTrainingTests",
                    dependencies: ["Strata", "StrataNN", "StrataData", "StrataOptimizers", "StrataIO", "StrataTraining"]),
    ]
)
