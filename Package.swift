// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Strata",
    products: [
        .library(name: "Strata", targets: ["Strata"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // OpenBLAS from Debian's libopenblas-dev: cblas_sgemm/dgemm.
        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        // C hot loops, each compiled for AVX-512, AVX2 and baseline x86-64 and picked at run time.
        .target(name: "CStrataKernels"),
        .target(
            name: "Strata",
            dependencies: [
                "CStrataKernels",
                "COpenBLAS",
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        .executableTarget(name: "StrataBench", dependencies: ["Strata"], path: "Benchmarks/StrataBench"),
        .executableTarget(name: "FitCurve", dependencies: ["Strata"], path: "Examples/FitCurve"),
        .testTarget(name: "StrataTests", dependencies: ["Strata"]),
    ]
)
