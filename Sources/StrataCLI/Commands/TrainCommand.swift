import ArgumentParser
import Foundation

/// `strata train`: trains a model on Fashion-MNIST (or IDX files in a directory) and writes
/// checkpoints, weights, TensorBoard logs, plots and `summary.json` into the output directory.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model and write its checkpoints, weights, logs, plots and summary.")

    @Option(help: "The model: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName = .mlp
    @Option(help: "`fashion-mnist`, or a directory holding the four Fashion-MNIST IDX files (a CSV file for wide-deep).")
    var dataset = "fashion-mnist"
    @Option(help: "Training epochs.")
    var epochs = 2
    @Option(help: "Images per training step.")
    var batchSize = 64
    @Option(help: "The optimizer: \(OptimizerName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerName = .adam
    @Option(name: .customLong("lr"), help: "The learning rate.")
    var learningRate = 1e-3
    @Option(help: "Seed of the weights, the shuffle and dropout.")
    var seed: UInt64 = 42
    @Option(help: "The run's directory.")
    var output = "runs/latest"
    @Option(help: "Use only the first N images of each split.")
    var limit: Int?
    @Option(name: .customLong("early-stopping"), help: "Stop after PATIENCE epochs without a lower validation loss.")
    var earlyStopping: Int?
    @Option(help: "The learning-rate schedule: none, cosine (to 0 over the epochs) or step (x0.1 every third of the epochs).")
    var schedule: ScheduleName = .none
    @OptionGroup(title: "Tabular data (--model wide-deep)")
    var tabular: TabularOptions

    public init() {}

    public func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else { throw ValidationError("--lr must be positive, got \(learningRate)") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive, got \(limit)") }
        if let earlyStopping, earlyStopping <= 0 {
            throw ValidationError("--early-stopping must be positive, got \(earlyStopping)")
        }
        try tabular.validate(forTabularModel: model == .wideDeep)
    }

    public var settings: TrainingSettings {
        TrainingSettings(model: model, dataset: dataset, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                         learningRate: learningRate, seed: seed, limit: limit, earlyStoppingPatience: earlyStopping,
                         schedule: schedule, tabular: model == .wideDeep ? tabular.settings : nil)
    }

    public func run() throws {
        if model == .wideDeep {
            try WideDeepRun(settings: settings, directory: URL(fileURLWithPath: output)).run()
            return
        }
        try TrainingRun(settings: settings, directory: URL(fileURLWithPath: output)).run()
    }
}
