import Foundation

/// The settings of a `strata train` run, written to `settings.json` when it starts so that
/// `strata resume` can rebuild the same model, optimizer and data.
public struct TrainingSettings: Codable, Sendable, Equatable {
    public var model: ModelName
    public var dataset: String
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerName
    public var learningRate: Double
    public var seed: UInt64
    public var limit: Int?
    /// Stop after this many epochs without a lower validation loss; nil trains every epoch.
    public var earlyStoppingPatience: Int?
    /// The learning-rate schedule over `epochs`; nil (as in runs written before it existed) is `.none`.
    public var schedule: ScheduleName?
    /// The tabular options of a `wide-deep` run; nil for the image models.
    public var tabular: TabularSettings?
    /// Train and test on these classes only, relabelled by position (`[5, 6]`: 5 becomes 0);
    /// nil uses all ten.
    public var classes: [Int]?
    /// Keep at most this many training images per class, a seeded choice; nil keeps all.
    public var imagesPerClass: Int?
    /// Pretrained weights, a replaced head, frozen parameters and a backbone rate; nil (as in
    /// runs written before it existed) trains from scratch.
    public var fineTuning: FineTuningSettings?
    /// The training samples held out for validation; nil (also in runs written before it
    /// existed) is the default: `ValidationSplit.defaultImages` or, for tables, `.defaultRows`.
    public var validationSplit: ValidationSplit?
    /// How images are read when `dataset` is an image folder; nil for the IDX files and tables.
    public var imageFolder: ImageFolderSettings?
    /// Whether data-parallel training synchronizes batch normalization's statistics over the
    /// ranks (`--sync-batch-norm`); nil (also in runs written before it existed) is false.
    public var synchronizesBatchNorm: Bool?

    public init(model: ModelName, dataset: String, epochs: Int, batchSize: Int, optimizer: OptimizerName,
                learningRate: Double, seed: UInt64, limit: Int?, earlyStoppingPatience: Int? = nil,
                schedule: ScheduleName? = nil, tabular: TabularSettings? = nil, classes: [Int]? = nil,
                imagesPerClass: Int? = nil, fineTuning: FineTuningSettings? = nil, validationSplit: ValidationSplit? = nil,
                imageFolder: ImageFolderSettings? = nil, synchronizesBatchNorm: Bool? = nil) {
        self.model = model
        self.dataset = dataset
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.seed = seed
        self.limit = limit
        self.earlyStoppingPatience = earlyStoppingPatience
        self.schedule = schedule
        self.tabular = tabular
        self.classes = classes
        self.imagesPerClass = imagesPerClass
        self.fineTuning = fineTuning
        self.validationSplit = validationSplit
        self.imageFolder = imageFolder
        self.synchronizesBatchNorm = synchronizesBatchNorm
    }

    public static let fileName = "settings.json"

    /// Reads `settings.json` from a run's directory.
    /// - Throws: `CLIError.unreadableFile` when it is missing or malformed.
    public static func read(from directory: URL) throws(CLIError) -> TrainingSettings {
        try RunSummary.readJSON(TrainingSettings.self, from: directory.appendingPathComponent(fileName))
    }

    /// Writes `settings.json` into `directory`.
    public func write(to directory: URL) throws(CLIError) {
        try RunSummary.writeJSON(self, to: directory.appendingPathComponent(Self.fileName))
    }
}
