import ArgumentParser

/// `strata`: train, evaluate and inspect Strata models from the command line.
public struct StrataCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "strata",
        abstract: "Train, evaluate and inspect Strata models.",
        subcommands: [TrainCommand.self, ResumeCommand.self, EvaluateCommand.self, PredictCommand.self,
                      SummaryCommand.self, InspectCommand.self])

    public init() {}
}
