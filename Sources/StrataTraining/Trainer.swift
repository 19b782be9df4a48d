import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataOptimizers

/// When a learning-rate schedule moves the optimizer's rate.
public enum ScheduleInterval: Sendable {
    /// Before each epoch, at index `epoch`.
    case epoch
    /// Before each step, at index `epoch * stepsPerEpoch + step`.
    case step
}

/// Trains a classifier: epochs of mini-batch steps over a `DataLoader`, each epoch followed by an
/// evaluation on the validation data, with callbacks for early stopping, checkpoints, logging and
/// progress.
///
/// The model maps `inputs: [batch, ...]` to logits `[batch, classes]`; labels are `[batch]` class
/// indices. An epoch sets `trainingData.epoch` (so its shuffle is a function of (seed, epoch)),
/// then, in training mode and with batch normalization frozen where the optimizer freezes its
/// parameters (`withFrozenStatistics(of:where:_:)`), for each batch: optionally sets the learning
/// rate from `schedule`, computes the loss and the gradients of the parameters the optimizer does
/// not freeze, applies the running statistics the forward pass computed
/// (`withStatisticsUpdates(of:_:)`), optionally clips the gradients' global norm to
/// `maxGradientNorm`, and updates the model. It then evaluates in inference mode without
/// gradients and appends an `EpochSummary` to `history`.
///
/// Everything random in an epoch (dropout masks, ...) draws from
/// `RandomGenerator(seed: randomSeed, counter: epoch << 40)`, installed as the task's generator,
/// so an epoch depends only on the model, the optimizer and its index: a run resumed from a
/// checkpoint equals the uninterrupted run bit for bit.
///
///     var trainer = Trainer(model: mlp, optimizer: Optimizer(Adam(), learningRate: 1e-3),
///                           trainingData: DataLoader(train, batchSize: 64, shuffle: true, seed: 1),
///                           validationData: DataLoader(test, batchSize: 256))
///     trainer.callbacks = [EarlyStopping(patience: 3), ProgressReporter()]
///     try trainer.fit(epochs: 20)
public struct Trainer<Model: Layer, TrainingData: Dataset> {
    public var model: Model
    public var optimizer: Optimizer
    public var trainingData: DataLoader<TrainingData>
    /// Batches evaluated after each epoch; nil skips validation.
    public var validationData: (any Sequence<(inputs: Tensor, labels: Tensor)>)?
    /// The loss of `(logits, labels)`, a scalar; default `crossEntropy(logits:labels:)`.
    public var loss: (Tensor, Tensor) -> Tensor
    /// Clip the global gradient norm to this before each update (`clipGradientNorm`); nil: no clipping.
    public var maxGradientNorm: Double?
    /// Sets `optimizer.learningRate` before each epoch or step (see `scheduleInterval`); nil keeps it.
    public var schedule: (any LearningRateSchedule)?
    public var scheduleInterval: ScheduleInterval
    /// Sets `optimizer.learningRate` after each epoch from its validation loss (before the
    /// callbacks, so a checkpoint holds the next epoch's rate); nil keeps it. Needs validation
    /// data; use it instead of `schedule`.
    public var plateau: ReduceOnPlateau?
    public var callbacks: [any TrainingCallback]
    /// The seed of each epoch's random generator.
    public var randomSeed: UInt64
    /// The epochs finished by this trainer, oldest first (a resumed trainer starts empty).
    public private(set) var history: [EpochSummary] = []
    /// The index of the next epoch `fit` will train: 0, or one past a resumed checkpoint's epoch.
    public private(set) var nextEpoch = 0

    /// Defaults: cross-entropy, no clipping, no schedule (per-epoch when given), no callbacks,
    /// random seed 0.
    public init(model: Model, optimizer: Optimizer, trainingData: DataLoader<TrainingData>,
                validationData: (any Sequence<(inputs: Tensor, labels: Tensor)>)? = nil,
                loss: @escaping (Tensor, Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) },
                maxGradientNorm: Double? = nil, schedule: (any LearningRateSchedule)? = nil,
                scheduleInterval: ScheduleInterval = .epoch, callbacks: [any TrainingCallback] = [],
                randomSeed: UInt64 = 0) {
        precondition(maxGradientNorm.map { $0 > 0 } ?? true, "Trainer: maxGradientNorm must be positive, got \(maxGradientNorm!)")
        self.model = model
        self.optimizer = optimizer
        self.trainingData = trainingData
        self.validationData = validationData
        self.loss = loss
        self.maxGradientNorm = maxGradientNorm
        self.schedule = schedule
        self.scheduleInterval = scheduleInterval
        self.callbacks = callbacks
        self.randomSeed = randomSeed
    }

    /// Trains epochs `nextEpoch..<epochs` (none if already there), stopping early when a callback
    /// returns `.stop`. Returns the summaries of the epochs this call trained; `history` holds them
    /// too. Errors thrown by callbacks end training and are rethrown.
    @discardableResult
    public mutating func fit(epochs: Int) throws -> [EpochSummary] {
        precondition(epochs >= 0, "Trainer.fit: epochs must be >= 0, got \(epochs)")
        let first = history.count
        for callback in callbacks { try callback.trainingBegan(context(epochs)) }
        while nextEpoch < epochs {
            let epoch = nextEpoch
            let generator = RandomGenerator(seed: randomSeed, counter: UInt64(epoch) << 40)
            let (summary, stepAction) = try withRandomGenerator(generator) { try trainEpoch(epoch, of: epochs) }
            history.append(summary)
            nextEpoch = epoch + 1
            if plateau != nil {
                guard let loss = summary.validationLoss else {
                    preconditionFailure("Trainer: plateau needs validationData to watch, epoch \(epoch) had none")
                }
                optimizer.learningRate = plateau!.step(metric: loss)
            }
            var action = stepAction
            for callback in callbacks {
                if try callback.epochEnded(summary, context: context(epochs)) == .stop { action = .stop }
            }
            if action == .stop { break }
        }
        for callback in callbacks { try callback.trainingEnded(context(epochs)) }
        return Array(history[first...])
    }

    /// One epoch's training steps and evaluation.
    private mutating func trainEpoch(_ epoch: Int, of epochs: Int) throws -> (EpochSummary, TrainingAction) {
        trainingData.epoch = epoch
        if let schedule, scheduleInterval == .epoch { optimizer.learningRate = schedule.learningRate(at: epoch) }
        for callback in callbacks { try callback.epochBegan(epoch, context: context(epochs)) }
        let stepsPerEpoch = trainingData.count
        // Batch normalization inside a frozen part stays on its pretrained running statistics.
        let frozen = optimizer
        let (action, lossSum, correct, samples) = try withFrozenStatistics(of: model, where: frozen.isFrozen) {
            try withTrainingMode(true) { try trainSteps(epoch, of: epochs, frozen: frozen) }
        }
        let validation = validationData.map { evaluate(on: $0) }
        let summary = EpochSummary(
            epoch: epoch, trainingLoss: samples > 0 ? lossSum / Double(samples) : 0,
            trainingAccuracy: samples > 0 ? Double(correct) / Double(samples) : 0,
            validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
            confusionMatrix: validation?.confusionMatrix, learningRate: optimizer.learningRate,
            stepCount: stepsPerEpoch, sampleCount: samples)
        return (summary, action)
    }

    /// The training steps of one epoch: the action the callbacks asked for, the summed loss, the
    /// correct predictions and the samples.
    private mutating func trainSteps(_ epoch: Int, of epochs: Int, frozen: Optimizer) throws
        -> (action: TrainingAction, lossSum: Double, correct: Int, samples: Int) {
        let stepsPerEpoch = trainingData.count
        let loss = loss
        var action = TrainingAction.proceed
        var (lossSum, correct, samples) = (0.0, 0, 0)
        for (step, batch) in trainingData.enumerated() {
            if let schedule, scheduleInterval == .step {
                optimizer.learningRate = schedule.learningRate(at: epoch * stepsPerEpoch + step)
            }
            var logits: Tensor?
            let (value, computed) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model, excluding: frozen.isFrozen) { model in
                    let output = model(batch.inputs)
                    logits = output.detached
                    return loss(output, batch.labels)
                }
            }
            var gradients = computed
            let norm = maxGradientNorm.map { clipGradientNorm(&gradients, maxNorm: $0) }
            optimizer.update(&model, along: gradients)

            let count = batch.labels.shape[0]
            let batchLoss = value.cast(to: .float64).scalar(as: Double.self)
            lossSum += batchLoss * Double(count)
            // accuracy is correct / count, so this recovers the integer count exactly.
            correct += Int((accuracy(scores: logits!, labels: batch.labels) * Double(count)).rounded())
            samples += count
            let summary = StepSummary(epoch: epoch, step: step, batchSize: count, loss: batchLoss,
                                      runningLoss: lossSum / Double(samples), learningRate: optimizer.learningRate,
                                      gradientNorm: norm)
            for callback in callbacks {
                if try callback.stepEnded(summary, context: context(epochs)) == .stop { action = .stop }
            }
        }
        return (action, lossSum, correct, samples)
    }

    /// The mean loss, accuracy and confusion matrix of the model over `batches`, in inference
    /// mode and without gradients.
    public func evaluate(on batches: any Sequence<(inputs: Tensor, labels: Tensor)>) -> Evaluation {
        let inference = model
        return withTrainingMode(false) { withoutGradients {
            var (lossSum, samples) = (0.0, 0)
            var matrix: ConfusionMatrix?
            for batch in batches {
                let logits = inference(batch.inputs)
                let count = batch.labels.shape[0]
                lossSum += loss(logits, batch.labels).cast(to: .float64).scalar(as: Double.self) * Double(count)
                samples += count
                if matrix == nil { matrix = ConfusionMatrix(classCount: logits.shape[1]) }
                matrix!.add(predictions: logits.argmax(axis: 1), labels: batch.labels)
            }
            let correct = matrix.map { m in (0..<m.classCount).reduce(0) { $0 + m[$1, $1] } } ?? 0
            return Evaluation(loss: samples > 0 ? lossSum / Double(samples) : 0,
                              accuracy: samples > 0 ? Double(correct) / Double(samples) : 0,
                              confusionMatrix: matrix, sampleCount: samples)
        } }
    }

    /// Restores the model, the optimizer's state and learning rate, and the epoch from a checkpoint
    /// written by `CheckpointSaver`, so the next `fit` continues at the following epoch.
    /// Throws, changing nothing, when the file is unreadable or does not fit the model and the
    /// optimizer (`OptimizerStateError`), or its epoch or learning rate is out of range
    /// (`TrainingCheckpointError`).
    public mutating func resume(from url: URL) throws {
        try resume(from: Checkpoint.read(contentsOf: url))
    }

    /// `resume(from:)` with a checkpoint already read (`Checkpoint.decode`), for callers that
    /// read the file themselves. Refuses an epoch or learning rate out of range and weights or
    /// optimizer state that are not finite.
    public mutating func resume(from checkpoint: Checkpoint) throws {
        let epoch = try checkpoint.metadata(TrainingCheckpoint.epochKey, as: Int.self)
        guard (0..<TrainingCheckpoint.maximumEpochCount).contains(epoch) else { throw TrainingCheckpointError.epochOutOfRange(epoch) }
        let learningRate = try checkpoint.metadata(TrainingCheckpoint.learningRateKey, as: Double.self)
        guard learningRate >= 0, learningRate.isFinite else { throw TrainingCheckpointError.learningRateOutOfRange(learningRate) }
        let weights = try checkpoint.section(TrainingCheckpoint.modelSection)
        let state = try checkpoint.section(TrainingCheckpoint.optimizerSection)
        try TrainingCheckpointError.checkFinite(weights, section: TrainingCheckpoint.modelSection)
        try TrainingCheckpointError.checkFinite(state, section: TrainingCheckpoint.optimizerSection)
        var restoredModel = model
        try restoredModel.loadStateDictionary(weights)
        var restoredOptimizer = optimizer
        try restoredOptimizer.importState(state, for: restoredModel)
        restoredOptimizer.learningRate = learningRate
        model = restoredModel
        optimizer = restoredOptimizer
        nextEpoch = epoch + 1
    }

    private func context(_ epochs: Int) -> TrainingContext {
        TrainingContext(model: model, optimizer: optimizer, epochCount: epochs,
                        stepsPerEpoch: trainingData.count, history: history)
    }
}
