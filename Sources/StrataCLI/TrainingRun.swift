import Foundation
import Strata
import StrataData
import StrataDistributed
import StrataIO
import StrataNN
import StrataOptimizers
import StrataTraining

/// One training run in an output directory, shared by `strata train` and `strata resume`, for
/// every model: the model's `RunTask` (chosen once from its name) reads the data and builds the
/// model and its `Trainer`; `fit` drives every trainer the same way.
///
/// The directory holds `settings.json`, `checkpoints/epoch-NNNN.safetensors` (every epoch) and
/// `checkpoints/best.safetensors` (best validation accuracy), `logs/` (TensorBoard events),
/// `model.safetensors` (the final state dictionary), `loss.svg`, `accuracy.svg`,
/// `confusion-matrix.svg` (a classifier's) and `summary.json`.
///
/// The training data is split by the seed into the samples trained on and those held out for
/// validation (`settings.validationSplit`), which choose the best checkpoint, drive early stopping
/// and give the per-epoch validation metrics; the test split is evaluated once, on the final
/// model, for the summary's test metrics.
///
/// Under `mpirun -np N` the run trains data-parallel on N ranks (`processGroup`, detected from
/// the environment): `--batch-size` is the global batch, split across the ranks (with
/// `--sync-batch-norm` batch norm uses the global batch's statistics); rank 0 alone
/// takes the lock, prints and writes files (settings, checkpoints, logs, weights, plots,
/// summary), and every rank reads the same data and, on resume, the same checkpoint (so the run's
/// directory must be on a file system every machine sees).
public struct TrainingRun {
    public var settings: TrainingSettings
    public var directory: URL
    /// Where progress lines go; default standard output.
    public var output: (String) -> Void = ProgressReporter.writeToStandardOutput
    /// The ranks training together; nil (the default) joins `detectedProcessGroup()` when the
    /// run starts: the MPI world under `mpirun`, else a single process.
    public var processGroup: (any ProcessGroup)?

    public init(settings: TrainingSettings, directory: URL) {
        self.settings = settings
        self.directory = directory
    }

    public var checkpointDirectory: URL { directory.appendingPathComponent("checkpoints") }
    public var logDirectory: URL { directory.appendingPathComponent("logs") }
    public var weightsURL: URL { directory.appendingPathComponent("model.safetensors") }

    /// Trains to `settings.epochs`, from scratch or (with `checkpoint`) from the epoch after it,
    /// then writes the weights, plots and summary. Returns the summary. The directory's
    /// `RunLock` is held throughout, `lock` when the caller took it already (see `prepare`), else
    /// one taken here; either is released when the run ends.
    @discardableResult
    public func run(resumingFrom checkpoint: URL? = nil, holding lock: RunLock? = nil) throws -> RunSummary {
        try settings.validate()
        var run = self
        let group = try processGroup ?? Self.joinWorld()
        run.processGroup = group
        guard group.isLeader else {
            // The other ranks train in step with rank 0 and leave every file and line to it.
            run.output = { _ in }
            return try settings.model.runTask.train(run, resumingFrom: checkpoint)
        }
        // Held from before the data is read until the last file is written.
        let lock = try lock ?? Self.prepare(directory, output: output)
        defer { lock.release() }
        if group.size > 1 {
            output("data-parallel on \(group.size) ranks: each global batch of \(settings.batchSize) is split into parts of about \(settings.batchSize / group.size), one per rank"
                   + (settings.synchronizesBatchNorm == true ? "; batch norm synchronized over the ranks\n" : "\n"))
        }
        return try settings.model.runTask.train(run, resumingFrom: checkpoint)
    }

    /// The MPI world under `mpirun`, else a single process; a failure to join is a `CLIError`.
    public static func joinWorld() throws(CLIError) -> any ProcessGroup {
        do {
            return try detectedProcessGroup()
        } catch {
            throw .unsupported(error.description)
        }
    }

    /// Whether this process writes the run's files (rank 0, or the only process).
    var writesFiles: Bool { processGroup?.isLeader ?? true }

    /// Creates `directory` if needed, takes its `RunLock` (reporting a lock taken over from a
    /// killed run) and removes the temporaries of interrupted writes (`RunTemporaries`) in it and
    /// in `checkpoints/`. The caller releases the lock when the run ends.
    /// - Throws: `CLIError.runInUse` when another run holds it, `.unwritableOutput`.
    public static func prepare(_ directory: URL, output: (String) -> Void = ProgressReporter.writeToStandardOutput)
        throws(CLIError) -> RunLock {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .unwritableOutput(path: directory.path, reason: FileProblem.reason(error))
        }
        let lock = try RunLock(directory: directory)
        if let previous = lock.previousHolder, previous != getpid() {
            // The kernel released its flock, so it ended (its pid may since have been reused).
            output("took over \(lock.url.path), left by process \(previous), which "
                   + (RunLock.isRunning(previous) ? "no longer holds it\n" : "is no longer running\n"))
        }
        let removed = try RunTemporaries.remove(in: [directory, directory.appendingPathComponent("checkpoints")])
        if !removed.isEmpty {
            output("removed \(removed.count) temporary file(s) of interrupted writes: "
                   + removed.map(\.lastPathComponent).joined(separator: ", ") + "\n")
        }
        return lock
    }

    /// Trains `trainer` to `settings.epochs` with the run's schedule, checkpoints (every epoch, and
    /// the best validation accuracy when there is validation data), TensorBoard log, progress and
    /// early stopping, after resuming it from `checkpoint` when given. Returns the records of the
    /// epochs before the resumed one (none for a fresh run) and the seconds `fit` took.
    func fit<Task: TrainingTask, Data: EpochBatches>(_ trainer: inout Trainer<Task, Data>, resumingFrom checkpoint: URL?)
        throws -> (earlier: [RunSummary.Epoch], seconds: Double) {
        trainer.schedule = (settings.schedule ?? .none).makeSchedule(learningRate: settings.learningRate, epochs: settings.epochs)
        trainer.dataParallel = DataParallel(group: processGroup ?? SingleProcessGroup(),
                                            synchronizesBatchNorm: settings.synchronizesBatchNorm ?? false)
        var earlier: [RunSummary.Epoch] = []
        if let checkpoint {
            do {
                try trainer.resume(from: Checkpoint.decode(FileProblem.contents(of: checkpoint.path)))
            } catch {
                throw CLIError.unreadableFile(path: checkpoint.path, reason: FileProblem.reason(error))
            }
            earlier = try epochs(before: trainer.nextEpoch)
            output("resuming after epoch \(trainer.nextEpoch) from \(checkpoint.lastPathComponent)\n")
        }
        trainer.plateau = (settings.schedule ?? .none).plateauSchedule(learningRate: settings.learningRate,
                                                                       earlierValidationLosses: earlier.compactMap(\.validationLoss))
        guard writesFiles else {
            // Early stopping decides alike on every rank (it sees the global losses).
            trainer.callbacks = settings.earlyStoppingPatience.map { [EarlyStopping(monitor: .validationLoss, patience: $0)] } ?? []
            let start = Date()
            try trainer.fit(epochs: settings.epochs)
            return (earlier, Date().timeIntervalSince(start))
        }
        let writer = try Self.eventWriter(in: logDirectory, suffix: checkpoint == nil ? "" : ".resumed-\(trainer.nextEpoch)")
        let saver: CheckpointSaver
        do {
            // Without validation data there is no best epoch to keep.
            saver = try CheckpointSaver(directory: checkpointDirectory,
                                        keepBest: trainer.validationData == nil ? nil : .validationAccuracy,
                                        metadata: ["model": settings.model.rawValue])
            // A run killed while writing best.safetensors left an older best behind.
            if checkpoint != nil, let epoch = try saver.restoreBest(through: trainer.nextEpoch - 1) {
                output("rewrote best.safetensors from \(saver.url(forEpoch: epoch).lastPathComponent) (its write was interrupted)\n")
            }
        } catch {
            throw CLIError.unwritableOutput(path: checkpointDirectory.appendingPathComponent("best.safetensors").path,
                                            reason: FileProblem.reason(error))
        }
        trainer.callbacks = [
            ProgressReporter(output: output),
            saver,
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
        return (earlier, seconds)
    }

    /// Writes the final weights (state dictionary and `metadata`), the plots and `summary.json`.
    func writeResults(weights: [ParameterPath: Tensor], metadata: [String: String], summary: RunSummary,
                      classNames: [String]? = nil) throws {
        guard writesFiles else { return }
        do {
            try Safetensors.write(weights.keyedByName, metadata: metadata, to: weightsURL)
        } catch {
            throw CLIError.unwritableOutput(path: weightsURL.path, reason: FileProblem.reason(error))
        }
        try writePlots(summary, classNames: classNames)
        try RunSummary.writeJSON(summary, to: directory.appendingPathComponent(RunSummary.fileName))
    }

    /// The loss and accuracy curves, and the confusion matrix labelled by `classNames` (an image
    /// folder's) or by Fashion-MNIST's when its labels are Fashion-MNIST's own.
    func writePlots(_ summary: RunSummary, classNames: [String]? = nil) throws {
        let x = summary.epochs.map { Double($0.epoch + 1) }
        func series(_ name: String, _ values: [Double?]) -> PlotSeries {
            PlotSeries(name: name, points: zip(x, values).compactMap { x, y in y.map { (x: x, y: $0) } })
        }
        try SVGPlot.writeLineChart([series("training", summary.epochs.map(\.trainingLoss)),
                                    series("validation", summary.epochs.map(\.validationLoss))],
                                   title: "Loss", yLabel: "cross-entropy", to: directory.appendingPathComponent("loss.svg"))
        // The test accuracy, measured once on the final model, is a lone point at the last epoch.
        let test = PlotSeries(name: "test (final)", points: x.last.map { [(x: $0, y: summary.testAccuracy)] } ?? [])
        try SVGPlot.writeLineChart([series("training", summary.epochs.map(\.trainingAccuracy)),
                                    series("validation", summary.epochs.map(\.validationAccuracy)), test],
                                   title: "Accuracy", yLabel: "accuracy", to: directory.appendingPathComponent("accuracy.svg"))
        // Class names label the matrix only while labels are Fashion-MNIST's own (or the folder's).
        let names = classNames ?? (settings.classes == nil ? FashionMNIST.classNames : [])
        if summary.confusionMatrix.count == names.count {
            try SVGPlot.writeConfusionMatrix(summary.confusionMatrix, classNames: names,
                                             to: directory.appendingPathComponent("confusion-matrix.svg"))
        }
    }

    /// A new TensorBoard event file in `directory`. A resumed run adds a second file beside the
    /// first (`suffix`), which TensorBoard merges; a name already taken in the same second (a
    /// second run or resume started within it, which the run lock serializes) gets `.2`, `.3`, ...
    static func eventWriter(in directory: URL, suffix: String) throws(CLIError) -> TensorBoardWriter {
        for attempt in 1...100 {
            do {
                return try TensorBoardWriter(directory: directory, filenameSuffix: suffix + (attempt == 1 ? "" : ".\(attempt)"))
            } catch .fileExists {
                continue
            } catch {
                throw .unwritableOutput(path: directory.path, reason: FileProblem.reason(error))
            }
        }
        throw .unwritableOutput(path: directory.path, reason: "100 event files of this second already exist")
    }

    /// The matrix as rows of counts, `rows[trueClass][predictedClass]`.
    static func rows(_ matrix: ConfusionMatrix) -> [[Int]] {
        (0..<matrix.classCount).map { truth in (0..<matrix.classCount).map { matrix[truth, $0] } }
    }

    /// The records of epochs `0..<end`, which a resumed trainer's history lacks: from
    /// `summary.json` when an earlier run finished, else (a run cut short writes no summary) from
    /// the metadata of the per-epoch checkpoints.
    func epochs(before end: Int) throws -> [RunSummary.Epoch] {
        if let previous = try? RunSummary.read(from: directory),
           previous.epochs.map(\.epoch).starts(with: 0..<end) {
            return Array(previous.epochs.prefix(end))
        }
        let saver = try CheckpointSaver(directory: checkpointDirectory)
        return try (0..<end).map { epoch in
            let url = saver.url(forEpoch: epoch)
            do {
                return try RunSummary.Epoch(Checkpoint.decode(FileProblem.contents(of: url.path)))
            } catch {
                throw CLIError.unreadableFile(path: url.path, reason: "the record of epoch \(epoch): \(FileProblem.reason(error))")
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
