import ArgumentParser
import Foundation
import StrataData

/// `strata train`: trains a model on Fashion-MNIST (or IDX files in a directory) and writes
/// checkpoints, weights, TensorBoard logs, plots and `summary.json` into the output directory.
public struct TrainCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a model and write its checkpoints, weights, logs, plots and summary.")

    @Option(help: "The model: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName = .mlp
    @Option(help: "`fashion-mnist`, a directory holding the four Fashion-MNIST IDX files, an image folder (see below), or a CSV file for wide-deep.")
    var dataset = "fashion-mnist"
    @Option(parsing: .unconditional, help: "Training epochs.")
    var epochs = 2
    @Option(parsing: .unconditional, help: "Images per training step.")
    var batchSize = 64
    @Option(help: "The optimizer: \(OptimizerName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerName = .adam
    @Option(name: .customLong("lr"), parsing: .unconditional, help: "The learning rate.")
    var learningRate = 1e-3
    @Option(parsing: .unconditional, help: "Seed of the weights, the shuffle and dropout.")
    var seed: UInt64 = 42
    @Option(help: "The run's directory.")
    var output = "runs/latest"
    @Option(parsing: .unconditional, help: "Use only the first N images of each split.")
    var limit: Int?
    @Option(name: .customLong("early-stopping"), parsing: .unconditional, help: "Stop after PATIENCE epochs without a lower validation loss.")
    var earlyStopping: Int?
    @Option(help: ArgumentHelp("""
        Training samples held out for validation (keep-best, early stopping, per-epoch validation metrics): \
        a count (5000), a fraction (0.1) or a percentage (10%); 0 holds out none. The test split is evaluated once, \
        at the end. Default: 5000 images (a tenth when there are fewer than 50,000), a tenth of a CSV's training rows.
        """, valueName: "N|FRACTION"))
    var validationSplit: ValidationSplit?
    @Option(help: """
        The learning-rate schedule: none, cosine (to 0 over the epochs), step (x0.1 every third of the epochs) \
        or plateau (x0.1 after 2 epochs without a lower validation loss).
        """)
    var schedule: ScheduleName = .none
    @OptionGroup(title: "Tabular data (--model wide-deep)")
    var tabular: TabularOptions
    @OptionGroup(title: "Image folders (--dataset DIR of class folders: DIR/train/<class>/*.png|jpg and DIR/test/<class>/*, or DIR/<class>/*)")
    var images: ImageFolderOptions
    @Option(help: ArgumentHelp("Train and test on these classes only, relabelled 0, 1, ... in the order given.",
                               valueName: "LIST"),
            transform: Self.parseClasses)
    var classes: [Int]?
    @Option(parsing: .unconditional, help: ArgumentHelp("Keep at most N training images of each class (a seeded choice).", valueName: "N"))
    var imagesPerClass: Int?
    @Option(help: ArgumentHelp("Start from these weights: model.safetensors or a checkpoint.", valueName: "WEIGHTS"))
    var initFrom: String?
    @Option(parsing: .unconditional,
            help: ArgumentHelp("Give the model a new head with CLASSES outputs; --init-from then loads every tensor but the head's.",
                               valueName: "CLASSES"))
    var replaceHead: Int?
    @Option(help: ArgumentHelp("Freeze the parameters PATTERN matches (`fc`, `layer1.*`, `*.bn1`, `*`); repeatable.",
                               valueName: "PATTERN"))
    var freeze: [String] = []
    @Option(help: ArgumentHelp("Unfreeze what PATTERN matches after the freezes (`--freeze '*' --unfreeze fc`); repeatable.",
                               valueName: "PATTERN"))
    var unfreeze: [String] = []
    @Option(name: .customLong("backbone-lr"),
            parsing: .unconditional,
            help: ArgumentHelp("The learning rate of every parameter outside the head (default --lr).", valueName: "RATE"))
    var backboneLearningRate: Double?
    @Flag(name: .customLong("sync-batch-norm"),
          help: "Under mpirun: normalize batch norm with the statistics of the global batch over all ranks (synchronized batch norm) instead of each rank's own.")
    var syncBatchNorm = false

    public init() {}

    /// The flags given for the wrong kind of model, then `TrainingSettings.validate()`: the same
    /// checks `strata resume` applies to `settings.json`, reported here as usage errors (exit 64).
    public func validate() throws {
        try tabular.validate(forTabularModel: model.runTask.readsTables)
        try images.validate(dataset: dataset, model: model)
        do {
            try settings.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    /// `5,6,7` as `[5, 6, 7]`: distinct labels in 0...9.
    static func parseClasses(_ text: String) throws -> [Int] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let classes = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard classes.count == parts.count, !classes.isEmpty, classes.allSatisfy((0..<10).contains),
              Set(classes).count == classes.count else {
            throw ValidationError("--classes takes distinct labels in 0...9 separated by commas, like 5,6,7,8,9; got \(text)")
        }
        return classes
    }

    public var settings: TrainingSettings {
        let fineTuning = FineTuningSettings(initialWeights: initFrom, headClasses: replaceHead, freeze: freeze, unfreeze: unfreeze,
                                            backboneLearningRate: backboneLearningRate)
        return TrainingSettings(model: model, dataset: dataset, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                                learningRate: learningRate, seed: seed, limit: limit, earlyStoppingPatience: earlyStopping,
                                schedule: schedule, tabular: model.runTask.readsTables ? tabular.settings : nil,
                                classes: classes, imagesPerClass: imagesPerClass,
                                fineTuning: fineTuning == FineTuningSettings() ? nil : fineTuning,
                                validationSplit: validationSplit,
                                imageFolder: ImageFolder.isImageFolder(URL(fileURLWithPath: dataset)) ? images.settings : nil,
                                synchronizesBatchNorm: syncBatchNorm ? true : nil)
    }

    public func run() throws {
        try TrainingRun(settings: settings, directory: URL(fileURLWithPath: output)).run()
    }
}
