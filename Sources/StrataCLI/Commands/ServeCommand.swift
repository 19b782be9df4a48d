import ArgumentParser
import Foundation

/// `strata serve MODEL_REPOSITORY [options]`: runs `strata-serve`, the inference server, found
/// beside the `strata` binary, with the same arguments. The server is its own program so that
/// building `strata` does not build the HTTP stack (`swift build -c release --product strata-serve`
/// builds it).
public struct ServeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve trained models over the Open Inference Protocol (runs strata-serve; see strata-serve --help).")

    @Argument(parsing: .captureForPassthrough, help: "The model repository directory and strata-serve's options.")
    var arguments: [String] = []

    public init() {}

    /// The `strata-serve` beside the running `strata` binary.
    static func serverPath() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("strata-serve").path
    }

    public func run() throws {
        let path = Self.serverPath()
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CLIError.unsupported("strata serve runs \(path), which is not built: "
                                       + "run `swift build -c release --product strata-serve` (or `swift run -c release strata-serve`)")
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        throw CLIError.unsupported("cannot run \(path): \(String(cString: strerror(errno)))")
    }
}
