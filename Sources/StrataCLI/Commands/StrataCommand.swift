import ArgumentParser
import Foundation

/// `strata`: train, evaluate and inspect Strata models from the command line.
public struct StrataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Train, evaluate and inspect Strata models.",
        subcommands: [TrainCommand.self, ResumeCommand.self, EvaluateCommand.self, PredictCommand.self,
                      SummaryCommand.self, InspectCommand.self, ExportCommand.self, EmbedCommand.self,
                      ServeCommand.self])

    public init() {}

    /// Parses the process's arguments and runs the subcommand, as `main()` does, except that a
    /// Foundation or POSIX file error escaping a command is printed as a one-line `CLIError`
    /// (`CLIError.readable`), never as an `NSCocoaErrorDomain` dump. Usage errors exit 64,
    /// every other error 1.
    public static func mainWithReadableErrors() -> Never {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var command = command
            try command.run()
        } catch {
            exit(withError: CLIError.readable(error))
        }
        exit()
    }
}
