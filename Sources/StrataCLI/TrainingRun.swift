import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataOptimizers
import StrataTraining

/// One training run in an output directory, shared by `strata train` and `strata resume`.
///
/// The directory holds `settings.json`, `checkpoints/epoch-NNNN.safetensors` (every epoch) and
/// `checkpoints/best.safetensors` (best validation accuracy), `logs/` (TensorBoard events),
/// `model.safetensors` (the final state dictionary), `loss.svg`, `accuracy.svg`,
/// `confusion-matrix.svg` and `summary.json`.
public struct TrainingRun {
    public var settings: TrainingSettings
    public var directory: URL
    /// Where progress lines go; default standard output.
    public var output: (String) -> Void = ProgressReporter.writeToStandardOutput

    public init(settings: TrainingSettings, directory: URL) {
        self.settings = settings
        self.directory = directory
    }

    public var checkpointDirectory: URL { directory.appendingPathComponent("checkpoints") }
    public var logDirectory: URL { directory.appendingPathComponent("logs") }
    public var weightsURL: URL { directory.appendingPathComponent("model.safetensors") }

    /// Trains to `settings.epochs`, from scratch or (with `checkpoint`) from the epoch after it,
    /// then writes the weights, plots and summary. Returns the summary.
    @discardableResult
    public func run(resumingFrom checkpoint: URL? = nil) throws -> RunSummary {
        guard settings.model != .wideDeep else {
            throw CLIError.unsupported("wide-deep runs train in one go and cannot be resumed; train again with more --epochs")
        }
        try settings.validate()
        let source = DatasetSource(settings.dataset)
        var training = try source.load(.train, limit: settings.limit)
        var test = try source.load(.test, limit: settings.limit)
        if settings.classes != nil || settings.imagesPerClass != nil {
            let classes = settings.classes ?? Array(0..<10)
            training = training.selectingClasses(classes, limitPerClass: settings.imagesPerClass, seed: settings.seed)
            test = test.selectingClasses(classes)
            // The files hold images (FashionMNIST.requirements), but a selection may leave none.
            for (split, dataset) in [("training", training), ("test", test)] where dataset.count == 0 {
                throw CLIError.invalidSetting("the \(split) split holds no images of --classes \(classes)")
            }
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw CLIError.unwritableOutput(path: directory.path, reason: String(describing: error))
        }
        try settings.write(to: directory)
        output("\(settings.model.rawValue): \(training.count) training and \(test.count) test images\n")
        let fineTuning = settings.fineTuning ?? FineTuningSettings()
        return try train(settings.model.makeModel(seed: settings.seed, classes: fineTuning.classCount),
                         fineTuning: fineTuning, training: training, test: test, resumingFrom: checkpoint)
    }

    private func train<Model: HeadReplaceable>(_ model: Model, fineTuning: FineTuningSettings, training: TensorDataset,
                                               test: TensorDataset, resumingFrom checkpoint: URL?) throws -> RunSummary {
        var model = model
        // A resumed run takes every weight from its checkpoint.
        if checkpoint == nil, let path = fineTuning.initialWeights {
            model = try fineTuning.initialize(model)
            output("initialized from \(path)" + (fineTuning.headClasses.map { " with a new head of \($0) classes" } ?? "") + "\n")
        }
        var optimizer = settings.optimizer.makeOptimizer(learningRate: settings.learningRate)
        try fineTuning.configure(&optimizer, for: model)
        let frozen = model.parameters.filter { optimizer.isFrozen($0.key) }.values.reduce(0) { $0 + $1.scalarCount }
        if frozen > 0 { output("frozen: \(frozen) of \(model.parameterCount) parameters\n") }
        let loader = DataLoader(training, batchSize: settings.batchSize, shuffle: true, seed: settings.seed)
        let validation = DataLoader(test, batchSize: 256)
        var trainer = Trainer(model: model,
                              optimizer: optimizer,
                              trainingData: loader, validationData: validation,
                              schedule: (settings.schedule ?? .none).makeSchedule(learningRate: settings.learningRate,
                                                                                  epochs: settings.epochs),
                              randomSeed: settings.seed)
        var earlier: [RunSummary.Epoch] = []
        if let checkpoint {
            do {
                try trainer.resume(from: checkpoint)
            } catch {
                throw CLIError.unreadableFile(path: checkpoint.path, reason: String(describing: error))
            }
            earlier = try epochs(before: trainer.nextEpoch)
            output("resuming after epoch \(trainer.nextEpoch) from \(checkpoint.lastPathComponent)\n")
        }
        let writer: TensorBoardWriter
        do {
            // A resumed run adds a second event file beside the first; TensorBoard merges them.
            writer = try TensorBoardWriter(directory: logDirectory,
                                           filenameSuffix: checkpoint == nil ? "" : ".resumed-\(trainer.nextEpoch)")
        } catch {
            throw CLIError.unwritableOutput(path: logDirectory.path, reason: String(describing: error))
        }
        trainer.callbacks = [
            ProgressReporter(output: output),
            try CheckpointSaver(directory: checkpointDirectory, keepBest: .validationAccuracy),
            TensorBoardLogger(writer: writer),
        ]
        // A resumed run counts patience afresh from its first epoch.
        if let patience = settings.earlyStoppingPatience {
            trainer.callbacks.append(EarlyStopping(monitor: .validationLoss, patience: patience))
        }
        let start = Date()
        try trainer.fit(epochs: settings.epochs)
        let seconds = Date().timeIntervalSince(start)
        try writer.close()

        let evaluation = trainer.evaluate(on: validation)
        let counts = evaluation.confusionMatrix.map(Self.rows) ?? []
        let summary = RunSummary(settings: settings, epochs: earlier + trainer.history.map(RunSummary.Epoch.init),
                                 testAccuracy: evaluation.accuracy, testLoss: evaluation.loss,
                                 confusionMatrix: counts, trainingSeconds: seconds)
        try Safetensors.write(trainer.model.stateDictionary(), metadata: ["model": settings.model.rawValue], to: weightsURL)
        try writePlots(summary)
        try RunSummary.writeJSON(summary, to: directory.appendingPathComponent(RunSummary.fileName))
        output(String(format: "test accuracy %.4f (%d images), %.1f s\n", evaluation.accuracy, evaluation.sampleCount, seconds))
        return summary
    }

    private func writePlots(_ summary: RunSummary) throws {
        let x = summary.epochs.map { Double($0.epoch + 1) }
        func series(_ name: String, _ values: [Double?]) -> PlotSeries {
            PlotSeries(name: name, points: zip(x, values).compactMap { x, y in y.map { (x: x, y: $0) } })
        }
        try SVGPlot.writeLineChart([series("training", summary.epochs.map(\.trainingLoss)),
                                    series("validation", summary.epochs.map(\.validationLoss))],
                                   title: "Loss", yLabel: "cross-entropy", to: directory.appendingPathComponent("loss.svg"))
        try SVGPlot.writeLineChart([series("training", summary.epochs.map(\.trainingAccuracy)),
                                    series("validation", summary.epochs.map(\.validationAccuracy))],
                                   title: "Accuracy", yLabel: "accuracy", to: directory.appendingPathComponent("accuracy.svg"))
        // Class names label the matrix only while labels are Fashion-MNIST's own.
        if summary.confusionMatrix.count == FashionMNIST.classNames.count && settings.classes == nil {
            try SVGPlot.writeConfusionMatrix(summary.confusionMatrix, classNames: FashionMNIST.classNames,
                                             to: directory.appendingPathComponent("confusion-matrix.svg"))
        }
    }

    /// The matrix as rows of counts, `rows[trueClass][predictedClass]`.
    static func rows(_ matrix: ConfusionMatrix) -> [[Int]] {
        (0..<matrix.classCount).map { truth in (0..<matrix.classCount).map { matrix[truth, $0] } }
    }

    /// The records of epochs `0..<end`, which a resumed trainer's history lacks: from
    /// `summary.json` when an earlier run finished, else (a run cut short writes no summary) from
    /// the metadata of the per-epoch checkpoints.
    private func epochs(before end: Int) throws -> [RunSummary.Epoch] {
        if let previous = try? RunSummary.read(from: directory),
           previous.epochs.map(\.epoch).starts(with: 0..<end) {
            return Array(previous.epochs.prefix(end))
        }
        let saver = try CheckpointSaver(directory: checkpointDirectory)
        return try (0..<end).map { epoch in
            let url = saver.url(forEpoch: epoch)
            do {
                return try RunSummary.Epoch(Checkpoint.read(contentsOf: url))
            } catch {
                throw CLIError.unreadableFile(path: url.path, reason: "the record of epoch \(epoch): \(error)")
            }
        }
    }

    /// The checkpoint of the latest epoch in `checkpoints/`, by its number.
    public func latestCheckpoint() throws(CLIError) -> URL {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointDirectory.path)) ?? []
        let epochs = names.filter { $0.hasPrefix("epoch-") && $0.hasSuffix(".safetensors") }.sorted()
        guard let latest = epochs.last else { throw .noCheckpoint(directory: checkpointDirectory.path) }
        return checkpointDirectory.appendingPathComponent(latest)
    }
}
