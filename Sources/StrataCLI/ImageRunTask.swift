import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataTraining

/// The image models' runs: Fashion-MNIST (or IDX files, or an image folder), optionally a
/// selection of classes, a seeded validation hold-out, a classifier (fine-tuned when asked)
/// trained by the `Classification` task; the test split evaluated once at the end for the test
/// accuracy and confusion matrix.
public struct ImageRunTask: RunTask {
    var readsTables: Bool { false }

    func train(_ run: TrainingRun, resumingFrom checkpoint: URL?) throws -> RunSummary {
        let settings = run.settings
        let source = DatasetSource(settings.dataset)
        let seeds = RunSeeds(settings.seed)
        let folder = try settings.imageFolder.map { folderSettings throws(CLIError) in
            try ImageFolderData.load(settings.dataset, settings: folderSettings, seed: settings.seed, limit: settings.limit)
        }
        var training = try folder?.training ?? source.load(.train, limit: settings.limit)
        var test = try folder?.test ?? source.load(.test, limit: settings.limit)
        if settings.classes != nil || settings.imagesPerClass != nil {
            let classes = settings.classes ?? Array(0..<(folder?.input.classNames.count ?? 10))
            training = training.selectingClasses(classes, limitPerClass: settings.imagesPerClass, seed: seeds.selection)
            test = test.selectingClasses(classes)
            // The files hold images (FashionMNIST.requirements), but a selection may leave none.
            for (split, dataset) in [("training", training), ("test", test)] where dataset.count == 0 {
                throw CLIError.invalidSetting("the \(split) split holds no images of --classes \(classes)")
            }
        }
        let validationSplit = settings.validationSplit ?? .defaultImages(trainingCount: training.count)
        let (trainingPart, validation) = try validationSplit.split(training, seed: seeds.validation)
        training = trainingPart
        try settings.write(to: run.directory)
        run.output("\(settings.model.rawValue): \(training.count) training, \(validation?.count ?? 0) validation and \(test.count) test images\n")
        let fineTuning = settings.fineTuning ?? FineTuningSettings()
        guard let folder else {
            return try train(settings.model.makeModel(seed: seeds.model, classes: fineTuning.classCount), in: run,
                             fineTuning: fineTuning, training: training, validation: validation, test: test,
                             resumingFrom: checkpoint)
        }
        run.output(folder.summary)
        let classCount = fineTuning.headClasses ?? folder.input.classNames.count
        guard classCount >= folder.input.classNames.count else {
            throw CLIError.invalidSetting("the model has \(classCount) outputs but \(settings.dataset) \(folder.input.classNames.count) classes")
        }
        return try train(settings.model.makeModel(seed: seeds.model, classes: classCount, channels: folder.input.channels,
                                                  imageSize: folder.input.imageSize), in: run,
                         fineTuning: fineTuning, training: training, validation: validation, test: test,
                         resumingFrom: checkpoint, imageInput: folder.input)
    }

    private func train<Model: HeadReplaceable>(_ model: Model, in run: TrainingRun, fineTuning: FineTuningSettings,
                                               training: TensorDataset, validation: TensorDataset?, test: TensorDataset,
                                               resumingFrom checkpoint: URL?, imageInput: ImageInput? = nil) throws -> RunSummary {
        let settings = run.settings
        var model = model
        // A resumed run takes every weight from its checkpoint.
        if checkpoint == nil, let path = fineTuning.initialWeights {
            model = try fineTuning.initialize(model)
            run.output("initialized from \(path)" + (fineTuning.headClasses.map { " with a new head of \($0) classes" } ?? "") + "\n")
        }
        let seeds = RunSeeds(settings.seed)
        var optimizer = settings.optimizer.makeOptimizer(learningRate: settings.learningRate)
        try fineTuning.configure(&optimizer, for: model)
        let frozen = model.parameters.filter { optimizer.isFrozen($0.key) }.values.reduce(0) { $0 + $1.scalarCount }
        if frozen > 0 { run.output("frozen: \(frozen) of \(model.parameterCount) parameters\n") }
        let loader = DataLoader(training, batchSize: settings.batchSize, shuffle: true, seed: seeds.shuffle,
                                transforms: settings.imageFolder?.transforms ?? [])
        var trainer = Trainer(model: model, optimizer: optimizer, trainingData: loader,
                              validationData: validation.map { DataLoader($0, batchSize: 256) }, randomSeed: seeds.epochDraws)
        let (earlier, seconds) = try run.fit(&trainer, resumingFrom: checkpoint)

        // The test split's only use: the final model, once, after training.
        let evaluation = trainer.evaluate(on: DataLoader(test, batchSize: 256))
        let counts = evaluation.confusionMatrix.map(TrainingRun.rows) ?? []
        let summary = RunSummary(settings: settings, epochs: earlier + trainer.history.map(RunSummary.Epoch.init),
                                 testAccuracy: evaluation.accuracy, testLoss: evaluation.loss,
                                 confusionMatrix: counts, trainingSeconds: seconds)
        var metadata = ["model": settings.model.rawValue]
        if let imageInput { metadata[ImageInput.metadataKey] = imageInput.metadataValue }
        try run.writeResults(weights: trainer.model.stateDictionary(), metadata: metadata, summary: summary,
                             classNames: imageInput?.classNames)
        run.output(String(format: "test accuracy %.4f (%d images), %.1f s\n", evaluation.accuracy, evaluation.sampleCount, seconds))
        return summary
    }

    func validateInputOptions(nonFinite: NonFiniteNumbers?, classes: [Int]?) throws(ValidationError) {
        if nonFinite != nil { throw ValidationError("--non-finite applies to wide-deep, not the image models") }
    }

    func evaluate(_ command: EvaluateCommand) throws {
        try command.evaluateImages()
    }

    func predict(_ command: PredictCommand) throws {
        try command.predictImages()
    }
}
