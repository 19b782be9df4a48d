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

    public init(model: ModelName, dataset: String, epochs: Int, batchSize: Int, optimizer: OptimizerName,
                learningRate: Double, seed: UInt64, limit: Int?, earlyStoppingPatience: Int? = nil,
                schedule: ScheduleName? = nil, tabular: TabularSettings? = nil, classes: [Int]? = nil,
                imagesPerClass: Int? = nil, fineTuning: FineTuningSettings? = nil, validationSplit: ValidationSplit? = nil,
                imageFolder: ImageFolderSettings? = nil) {
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
    }

    /// Checks the validation split (early stopping needs one), then the class selection and the
    /// fine-tuning settings against the model they build.
    /// - Throws: `CLIError.invalidSetting` naming the first problem (and the flag that sets it).
    public func validate() throws(CLIError) {
        let fineTuning = fineTuning ?? FineTuningSettings()
        if validationSplit?.holdsOutNothing == true, let earlyStoppingPatience {
            throw .invalidSetting("--early-stopping \(earlyStoppingPatience) needs validation data, but --validation-split is 0")
        }
        if validationSplit?.holdsOutNothing == true, schedule == .plateau {
            throw .invalidSetting("--schedule plateau needs validation data, but --validation-split is 0")
        }
        // The rest concerns the image models, whose classes and fine-tuning a table has not.
        guard model != .wideDeep else { return }
        if let classes {
            guard !classes.isEmpty, classes.allSatisfy((0..<10).contains), Set(classes).count == classes.count else {
                throw .invalidSetting("--classes must be distinct labels in 0...9, got \(classes)")
            }
        }
        if let imagesPerClass, imagesPerClass <= 0 {
            throw .invalidSetting("--images-per-class must be positive, got \(imagesPerClass)")
        }
        if let headClasses = fineTuning.headClasses, headClasses <= 0 {
            throw .invalidSetting("--replace-head must be positive, got \(headClasses)")
        }
        if let rate = fineTuning.backboneLearningRate, !(rate >= 0 && rate.isFinite) {
            throw .invalidSetting("--backbone-lr must be a non-negative number, got \(rate)")
        }
        if let imageFolder {
            try imageFolder.validate()
            // A folder's classes are its subfolders, counted when it is read (TrainingRun).
            if classes != nil {
                throw .invalidSetting("--classes selects Fashion-MNIST labels; an image folder's classes are its class folders")
            }
            return try fineTuning.validate(for: model.makeModel(seed: seed, classes: fineTuning.classCount,
                                                                channels: imageFolder.channels ?? 1,
                                                                imageSize: imageFolder.imageSize))
        }
        let labelCount = classes?.count ?? 10
        guard labelCount <= fineTuning.classCount else {
            throw .invalidSetting("""
                the model has \(fineTuning.classCount) outputs but the data \(labelCount) classes: \
                choose \(fineTuning.classCount) of them with --classes
                """)
        }
        try fineTuning.validate(for: model.makeModel(seed: seed, classes: fineTuning.classCount))
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
