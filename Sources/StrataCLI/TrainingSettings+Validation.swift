import StrataData
import StrataNN
import StrataTraining

extension TrainingSettings {
    /// The most outputs of a replaced head, so that a corrupt setting fails before allocating.
    public static let maximumHeadClasses = 1 << 16
    /// The largest batch, far past any data set here and far from overflowing the batch
    /// arithmetic (`count + batchSize - 1`).
    public static let maximumBatchSize = 1 << 24

    /// The one check of a run's settings, whether they come from the flags of `strata train`
    /// (whose `validate()` reports a failure as a usage error, exit 64) or from `settings.json`
    /// for `strata resume` (`CLIError.invalidSettings`, exit 1): counts and rates in range, the
    /// options of the other kind of model absent, the tabular options (`TabularSettings`), and
    /// the class selection and fine-tuning settings against the model they build.
    /// - Throws: `CLIError.invalidSetting` naming the first problem by the flag that sets it.
    public func validate() throws(CLIError) {
        guard epochs > 0 else { throw .invalidSetting("--epochs must be positive, got \(epochs)") }
        guard epochs <= TrainingCheckpoint.maximumEpochCount else {
            throw .invalidSetting("--epochs must be at most \(TrainingCheckpoint.maximumEpochCount), got \(epochs)")
        }
        guard batchSize > 0 else { throw .invalidSetting("--batch-size must be positive, got \(batchSize)") }
        guard batchSize <= Self.maximumBatchSize else {
            throw .invalidSetting("--batch-size must be at most \(Self.maximumBatchSize), got \(batchSize)")
        }
        guard learningRate > 0, learningRate.isFinite else { throw .invalidSetting("--lr must be positive, got \(learningRate)") }
        if let limit, limit <= 0 { throw .invalidSetting("--limit must be positive, got \(limit)") }
        if let earlyStoppingPatience, earlyStoppingPatience <= 0 {
            throw .invalidSetting("--early-stopping must be positive, got \(earlyStoppingPatience)")
        }
        if validationSplit?.holdsOutNothing == true, let earlyStoppingPatience {
            throw .invalidSetting("--early-stopping \(earlyStoppingPatience) needs validation data, but --validation-split is 0")
        }
        if validationSplit?.holdsOutNothing == true, schedule == .plateau {
            throw .invalidSetting("--schedule plateau needs validation data, but --validation-split is 0")
        }
        if model.runTask.readsTables {
            let imageOnly = [(classes != nil, "--classes"), (imagesPerClass != nil, "--images-per-class"),
                             (fineTuning?.initialWeights != nil, "--init-from"), (fineTuning?.headClasses != nil, "--replace-head"),
                             (!(fineTuning?.freeze.isEmpty ?? true), "--freeze"), (!(fineTuning?.unfreeze.isEmpty ?? true), "--unfreeze"),
                             (fineTuning?.backboneLearningRate != nil, "--backbone-lr")]
            if let flag = imageOnly.first(where: \.0)?.1 {
                throw .invalidSetting("\(flag) applies to the image models, not wide-deep")
            }
            guard let tabular else { throw .invalidSetting("--model wide-deep needs --target COLUMN") }
            try tabular.validate()
            return
        }
        guard tabular == nil else { throw .invalidSetting("the tabular options (--target, ...) are for --model wide-deep") }
        let fineTuning = fineTuning ?? FineTuningSettings()
        if let classes {
            guard !classes.isEmpty, classes.allSatisfy((0..<10).contains), Set(classes).count == classes.count else {
                throw .invalidSetting("--classes must be distinct labels in 0...9, got \(classes)")
            }
        }
        if let imagesPerClass, imagesPerClass <= 0 {
            throw .invalidSetting("--images-per-class must be positive, got \(imagesPerClass)")
        }
        if let headClasses = fineTuning.headClasses, !(1...Self.maximumHeadClasses).contains(headClasses) {
            throw .invalidSetting(headClasses <= 0 ? "--replace-head must be positive, got \(headClasses)"
                                  : "--replace-head must be at most \(Self.maximumHeadClasses), got \(headClasses)")
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
}

extension TabularSettings {
    /// The checks of the wide-deep options: a target, known parts and wide optimizer,
    /// non-negative L1 and L2, a positive wide learning rate, well-formed crosses, and no column
    /// both categorical and numeric.
    /// - Throws: `CLIError.invalidSetting` naming the flag.
    public func validate() throws(CLIError) {
        guard !target.isEmpty else { throw .invalidSetting("--model wide-deep needs --target COLUMN") }
        guard WideDeepParts(rawValue: parts) != nil else {
            throw .invalidSetting("--parts must be wide, deep or wide-deep, got \(parts)")
        }
        guard WideOptimizer(rawValue: wideOptimizer) != nil else {
            throw .invalidSetting("--wide-optimizer must be ftrl or proximal, got \(wideOptimizer)")
        }
        guard l1Strength >= 0, l1Strength.isFinite else { throw .invalidSetting("--l1 must not be negative, got \(l1Strength)") }
        guard l2Strength >= 0, l2Strength.isFinite else { throw .invalidSetting("--l2 must not be negative, got \(l2Strength)") }
        guard wideLearningRate > 0, wideLearningRate.isFinite else {
            throw .invalidSetting("--wide-lr must be positive, got \(wideLearningRate)")
        }
        for text in crosses {
            do throws(TabularError) {
                let cross = try FeatureCross(parsing: text)
                if let buckets = cross.hashBuckets, buckets > TabularSchema.maximumHashBuckets {
                    throw .invalidCross("\"\(text)\": the bucket count must be in 1...\(TabularSchema.maximumHashBuckets)")
                }
            } catch {
                throw .invalidSetting("--cross \(error.description)")
            }
        }
        if let both = Set(categorical).intersection(numeric).sorted().first {
            throw .invalidSetting("column \(both) is given as both --categorical and --numeric")
        }
    }
}
