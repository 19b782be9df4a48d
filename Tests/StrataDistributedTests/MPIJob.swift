import Foundation
import Testing

/// Runs `strata-mpi-check` (built beside the test bundle by `swift build --build-tests`), alone
/// or under `mpirun`, for the tests that need several processes.
enum MPIJob {
    /// `mpirun` on the PATH, or nil (the MPI tests then skip, saying so).
    static let mpirun: URL? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Why the MPI tests skip, printed by Swift Testing.
    static let skipReason: Comment = "mpirun is not installed (Tools/install-system-packages.sh mpi installs Open MPI)"

    /// The executable `name` (strata-mpi-check, strata) in the build products directory, beside
    /// the test bundle.
    static func executable(_ name: String) -> URL {
        var directory = Bundle.main.bundleURL
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent(name).path),
              directory.pathComponents.count > 1 {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent(name)
    }

    struct Outcome {
        var status: Int32
        var output: String
        var seconds: Double
    }

    /// Runs the executable (the check by default) with `arguments`, under `mpirun -np ranks` when `ranks` is given (as root it
    /// needs --allow-run-as-root; --oversubscribe lets 2 ranks share fewer cores), else alone.
    static func run(ranks: Int?, _ arguments: [String], executable name: String = "strata-mpi-check") throws -> Outcome {
        let process = Process()
        let check = executable(name)
        guard FileManager.default.isExecutableFile(atPath: check.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: check.path])
        }
        if let ranks, let mpirun {
            process.executableURL = mpirun
            var flags = ["-np", String(ranks), "--oversubscribe"]
            if getuid() == 0 { flags.append("--allow-run-as-root") }
            process.arguments = flags + [check.path] + arguments
        } else {
            process.executableURL = check
            process.arguments = arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let start = Date()
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
                       seconds: Date().timeIntervalSince(start))
    }
}
