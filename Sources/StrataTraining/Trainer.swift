import Foundation
import Strata
import StrataData
import StrataDistributed
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

/// The one training loop: epochs of mini-batch steps over `trainingData`, each epoch followed by
/// an evaluation on the validation data, with callbacks for early stopping, checkpoints, logging
/// and progress. What a batch means (its loss, its metrics, what evaluation measures) is the
/// `task`'s: `Classification`, `BinaryTabularPrediction` or `LanguageModelling`; everything
/// else is the same for every task.
///
/// An epoch tells the task a new epoch begins, then, in training mode and with batch
/// normalization frozen where the optimizer freezes its parameters (`withFrozenStatistics(of:where:_:)`), for
/// each batch of `trainingData.batches(forEpoch:)`: optionally sets the learning rate from
/// `schedule`, computes the task's loss and the gradients of the parameters the optimizer does
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
///
/// Data-parallel training (`dataParallel` over an MPI group: `mpirun -np N`) changes only what
/// each rank computes: `fit` first gives every rank rank 0's parameters and buffers, each rank
/// trains on its contiguous part of every global batch (`EpochBatches.sharded`), gradients are
/// averaged over ranks weighted by their samples before clipping and the update (in buckets whose
/// allreduces overlap backward), and the step's loss and counts are summed over ranks, so
/// callbacks see global numbers. Batch normalization normalizes with each rank's own batch
/// statistics, or with the global batch's when `dataParallel.synchronizesBatchNorm`; before each
/// evaluation every rank takes rank 0's buffers (running statistics), so the ranks evaluate the
/// same model over the whole validation data and agree. Callbacks that write (`writesOutput`) run on rank 0 only. Each
/// rank's epoch generator is seeded by (randomSeed, rank).
public struct Trainer<Task: TrainingTask, TrainingData: EpochBatches> where TrainingData.Batch == Task.Batch {
    public var task: Task
    public var model: Task.Model
    public var optimizer: Optimizer
    public var trainingData: TrainingData
    /// What the task evaluates after each epoch; nil skips validation.
    public var validationData: Task.EvaluationData?
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
    public internal(set) var history: [EpochSummary] = []
    /// The index of the next epoch `fit` will train: 0, or one past a resumed checkpoint's epoch.
    public internal(set) var nextEpoch = 0
    /// The ranks training together and the bucketed gradient averaging; a single process by
    /// default. `Trainer.init` reads no environment: the CLI sets it from `detectedProcessGroup()`.
    public var dataParallel = DataParallel()

    /// Defaults: no validation, no clipping, no schedule (per-epoch when given), no callbacks,
    /// random seed 0.
    public init(task: Task, model: Task.Model, optimizer: Optimizer, trainingData: TrainingData,
                validationData: Task.EvaluationData? = nil, maxGradientNorm: Double? = nil,
                schedule: (any LearningRateSchedule)? = nil, scheduleInterval: ScheduleInterval = .epoch,
                callbacks: [any TrainingCallback] = [], randomSeed: UInt64 = 0) {
        precondition(maxGradientNorm.map { $0 > 0 } ?? true, "Trainer: maxGradientNorm must be positive, got \(maxGradientNorm!)")
        self.task = task
        self.model = model
        self.optimizer = optimizer
        self.trainingData = trainingData
        self.validationData = validationData
        self.maxGradientNorm = maxGradientNorm
        self.schedule = schedule
        self.scheduleInterval = scheduleInterval
        self.callbacks = callbacks
        self.randomSeed = randomSeed
    }

    /// Trains epochs `nextEpoch..<epochs` (none if already there), stopping early when a callback
    /// returns `.stop` or `.stopAfterStep`. Returns the summaries of the epochs this call trained;
    /// `history` holds them too. Errors thrown by callbacks end training and are rethrown.
    @discardableResult
    public mutating func fit(epochs: Int) throws -> [EpochSummary] {
        precondition(epochs >= 0, "Trainer.fit: epochs must be >= 0, got \(epochs)")
        let first = history.count
        let group = dataParallel.group
        let callbacks = group.isLeader ? self.callbacks : self.callbacks.filter { !$0.writesOutput }
        var data = trainingData
        if group.size > 1 {
            guard let shard = trainingData.sharded(rank: group.rank, of: group.size) else {
                throw DataParallelError.unshardableData(String(describing: TrainingData.self))
            }
            data = shard
            try dataParallel.synchronize(&model)
        }
        for callback in callbacks { try callback.trainingBegan(context(epochs)) }
        while nextEpoch < epochs {
            let epoch = nextEpoch
            let generator = RandomGenerator(seed: dataParallel.rankSeed(randomSeed), counter: UInt64(epoch) << 40)
            let (summary, stepAction) = try withRandomGenerator(generator) {
                try trainEpoch(epoch, of: epochs, data: data, callbacks: callbacks)
            }
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
                if try callback.epochEnded(summary, context: context(epochs)) != .proceed { action = .stop }
            }
            if action != .proceed { break }
        }
        for callback in callbacks { try callback.trainingEnded(context(epochs)) }
        return Array(history[first...])
    }

    /// One epoch's training steps and evaluation.
    private mutating func trainEpoch(_ epoch: Int, of epochs: Int, data: TrainingData,
                                     callbacks: [any TrainingCallback]) throws -> (EpochSummary, TrainingAction) {
        task.beginEpoch()
        if let schedule, scheduleInterval == .epoch { optimizer.learningRate = schedule.learningRate(at: epoch) }
        for callback in callbacks { try callback.epochBegan(epoch, context: context(epochs)) }
        let (action, lossSum, correct, samples, steps) = try Self.withTrainingModes(frozenTensors) {
            try trainSteps(epoch, of: epochs, data: data, callbacks: callbacks)
        }
        // Running statistics followed each rank's own batches: evaluate rank 0's everywhere.
        if dataParallel.group.size > 1 { try dataParallel.synchronizeBuffers(&model) }
        let validation = validationData.map { evaluate(on: $0) }
        let summary = EpochSummary(
            epoch: epoch, trainingLoss: samples > 0 ? lossSum / Double(samples) : 0,
            trainingAccuracy: samples > 0 ? Double(correct) / Double(samples) : 0,
            validationLoss: validation?.loss, validationAccuracy: validation?.accuracy,
            confusionMatrix: validation?.confusionMatrix, learningRate: optimizer.learningRate,
            stepCount: steps, sampleCount: samples, validationMetrics: validation?.metrics ?? [:])
        return (summary, action)
    }

    /// The training steps of one epoch, in training mode: the action the callbacks asked for, the
    /// summed loss, the correct predictions, the samples and the steps taken.
    private mutating func trainSteps(_ epoch: Int, of epochs: Int, data: TrainingData, callbacks: [any TrainingCallback]) throws
        -> (action: TrainingAction, lossSum: Double, correct: Int, samples: Int, steps: Int) {
        let stepsPerEpoch = trainingData.batchCount
        var action = TrainingAction.proceed
        var (lossSum, correct, samples, steps) = (0.0, 0, 0, 0)
        for (index, batch) in data.batches(forEpoch: epoch).enumerated() {
            if let schedule, scheduleInterval == .step {
                optimizer.learningRate = schedule.learningRate(at: epoch * stepsPerEpoch + index)
            }
            let measured = try trainingStep(on: batch)
            lossSum += measured.loss * Double(measured.sampleCount)
            correct += measured.correctCount
            samples += measured.sampleCount
            steps += 1
            let summary = StepSummary(epoch: epoch, step: index, batchSize: measured.sampleCount, loss: measured.loss,
                                      runningLoss: lossSum / Double(samples), learningRate: optimizer.learningRate,
                                      gradientNorm: measured.gradientNorm)
            for callback in callbacks {
                let asked = try callback.stepEnded(summary, context: context(epochs))
                if asked == .stopAfterStep || (asked == .stop && action == .proceed) { action = asked }
            }
            if action == .stopAfterStep { break }
        }
        return (action, lossSum, correct, samples, steps)
    }

    /// One optimizer step on `batch` at the current learning rate, in training mode with batch
    /// normalization frozen where the optimizer freezes its parameters: the task's loss and the
    /// gradients of the parameters the optimizer does not freeze, the running statistics the
    /// forward pass computed applied to the model, the gradients clipped to `maxGradientNorm`,
    /// then the update. Returns the batch's mean loss, its sample and correct counts and the
    /// gradient norm before clipping (nil without clipping). `fit` takes the same step for every
    /// batch.
    ///
    /// In data-parallel training `batch` is this rank's part of the global batch: the gradients
    /// are averaged over ranks (weighted by their samples) before clipping, and the returned loss
    /// and counts are the global batch's. Throws `ProcessGroupError` when a collective fails.
    @discardableResult
    public mutating func step(on batch: Task.Batch) throws
        -> (loss: Double, sampleCount: Int, correctCount: Int, gradientNorm: Double?) {
        try Self.withTrainingModes(frozenTensors) { try trainingStep(on: batch) }
    }

    /// `step(on:)` inside `withTrainingModes`.
    private mutating func trainingStep(on batch: Task.Batch) throws(ProcessGroupError)
        -> (loss: Double, sampleCount: Int, correctCount: Int, gradientNorm: Double?) {
        let (value, counts, computedGradients) = try lossAndGradients(on: batch)
        var gradients = computedGradients
        let norm = maxGradientNorm.map { clipGradientNorm(&gradients, maxNorm: $0) }
        // Nothing but the model and the optimizer holds the parameters and the moments here, so
        // a fused update (Adam on the CPU) writes them in place.
        optimizer.update(&model, along: gradients)
        let loss = value.cast(to: .float64).scalar(as: Double.self)
        guard dataParallel.group.size > 1 else { return (loss, counts.samples, counts.correct, norm) }
        // Global numbers: the loss weighted by samples (a rank without samples adds nothing).
        let sums = try dataParallel.group.allReduceSum([counts.samples > 0 ? loss * Double(counts.samples) : 0,
                                                        Double(counts.samples), Double(counts.correct)])
        return (sums[1] > 0 ? sums[0] / sums[1] : 0, Int(sums[1]), Int(sums[2]), norm)
    }

    /// The task's loss on `batch`, its counts and the (averaged) gradients of the parameters the
    /// optimizer does not freeze, with the forward pass's running statistics applied to the model.
    /// A function of its own so that the optimizer copy the gradient transform consults is gone
    /// before the update: a copy would share the moments' buffers and keep the update from
    /// writing them in place.
    private mutating func lossAndGradients(on batch: Task.Batch) throws(ProcessGroupError)
        -> (value: Tensor, counts: (samples: Int, correct: Int), gradients: [ParameterPath: Tensor]) {
        var task = self.task
        var counts = (samples: 0, correct: 0)
        let frozen = optimizer
        let freezesNothing = frozen.freezesNothing
        let isExcluded = { (path: ParameterPath) in !freezesNothing && frozen.isFrozen(path) }
        var parallel = dataParallel
        // Backward with the buckets' allreduces overlapped (one rank: plain backward).
        let step = withStatisticsUpdates(of: &model) { model in
            Result { () throws(ProcessGroupError) in
                try parallel.valueAndAveragedGradient(at: model, excluding: isExcluded) { model in
                    let measured = task.loss(of: model, on: batch)
                    counts = (measured.sampleCount, measured.correctCount)
                    return (measured.loss, measured.sampleCount)
                }
            }
        }
        self.task = task
        dataParallel = parallel
        let computed = try step.get()
        return (computed.value, counts, computed.gradient)
    }

    /// The task's loss and metrics of the model over `data`, in inference mode and without
    /// gradients.
    public func evaluate(on data: Task.EvaluationData) -> Evaluation {
        Self.inInferenceMode { task.evaluate(model, on: data) }
    }

    /// The task's predictions (probabilities) for `inputs`, in inference mode and without gradients.
    public func predict(_ inputs: Task.Inputs) -> Tensor {
        Self.inInferenceMode { task.predict(model, on: inputs) }
    }

    // The modes the model runs in are set here and only here; they are task-local settings
    // (`withTrainingMode`, `withFrozenStatistics`), not flags stored in the model.

    /// The tensors of the model that the optimizer freezes, whose batch normalization keeps its
    /// running statistics in training mode. Collected before the steps run, since a copy of the
    /// model held while they run would keep the update from writing its buffers in place.
    private var frozenTensors: FrozenTensors {
        optimizer.freezesNothing ? .none : FrozenTensors(of: model, where: optimizer.isFrozen)
    }

    /// Runs `body` in training mode; batch normalization holding `frozen` tensors stays on its
    /// pretrained running statistics.
    private static func withTrainingModes<Result>(_ frozen: FrozenTensors, _ body: () throws -> Result) rethrows -> Result {
        try withFrozenStatistics(frozen) {
            try withTrainingMode(true, body)
        }
    }

    /// Runs `body` in inference mode, without gradients.
    private static func inInferenceMode<Result>(_ body: () throws -> Result) rethrows -> Result {
        try withTrainingMode(false) { try withoutGradients(body) }
    }

    func context(_ epochs: Int) -> TrainingContext {
        TrainingContext(model: model, optimizer: optimizer, epochCount: epochs,
                        stepsPerEpoch: trainingData.batchCount, history: history)
    }
}
