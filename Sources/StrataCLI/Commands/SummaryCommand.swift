import ArgumentParser

/// `strata summary --model NAME`: per-layer output shapes, parameter counts, FLOPs and activation memory.
public struct SummaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Show a model's layers, output shapes, parameter counts, FLOPs and memory.")

    @Option(help: "The model: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName

    public init() {}

    public func run() throws {
        print(ModelSummary(try model.makeModel(seed: 0)).table)
    }
}
