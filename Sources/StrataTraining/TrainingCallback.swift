import Strata
import StrataNN
import StrataOptimizers

/// What a callback asks of the trainer after a hook.
public enum TrainingAction: Sendable, Equatable {
    case proceed
    /// Ends training after the current epoch (from `stepEnded`, after the current step's epoch
    /// finishes its evaluation).
    case stop
    /// From `stepEnded`: ends the epoch after this step (its summary covers the steps taken, and
    /// it is evaluated), then training. From `epochEnded` it is `stop`. For time budgets.
    case stopAfterStep
}

/// Where training stands, as callbacks see it: the model and optimizer as of the hook, the
/// epochs requested and the history so far.
public struct TrainingContext {
    /// The model being trained (read `stateDictionary()` to save it).
    public var model: any Module
    public var optimizer: Optimizer
    /// `fit(epochs:)`'s argument: training ends after epoch `epochCount - 1`.
    public var epochCount: Int
    /// The number of steps in each training epoch.
    public var stepsPerEpoch: Int
    /// Summaries of the epochs finished by this trainer, oldest first.
    public var history: [EpochSummary]

    public init(model: any Module, optimizer: Optimizer, epochCount: Int, stepsPerEpoch: Int, history: [EpochSummary]) {
        self.model = model
        self.optimizer = optimizer
        self.epochCount = epochCount
        self.stepsPerEpoch = stepsPerEpoch
        self.history = history
    }
}

/// What one optimizer step measured.
public struct StepSummary: Sendable, Equatable {
    public var epoch: Int
    /// The step's index within its epoch, from 0.
    public var step: Int
    /// The number of samples in the step's batch.
    public var batchSize: Int
    /// The batch's mean loss.
    public var loss: Double
    /// The mean loss per sample over the epoch's steps so far.
    public var runningLoss: Double
    /// The base learning rate the step used.
    public var learningRate: Double
    /// The global gradient norm before clipping, when the trainer clips.
    public var gradientNorm: Double?

    /// `gradientNorm` defaults to nil (no clipping).
    public init(epoch: Int, step: Int, batchSize: Int, loss: Double, runningLoss: Double, learningRate: Double,
                gradientNorm: Double? = nil) {
        self.epoch = epoch
        self.step = step
        self.batchSize = batchSize
        self.loss = loss
        self.runningLoss = runningLoss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
    }
}

/// Hooks that `Trainer.fit` calls, for every task, around epochs and steps. Every hook has an empty default, so a
/// callback implements only what it needs; a thrown error ends `fit` and reaches its caller.
///
/// Callbacks are classes because they keep state across hooks (a best value, a clock).
public protocol TrainingCallback: AnyObject {
    /// Before the first epoch of a `fit` call.
    func trainingBegan(_ context: TrainingContext) throws
    /// Before epoch `epoch`'s first step.
    func epochBegan(_ epoch: Int, context: TrainingContext) throws
    /// After each optimizer step; `.stop` ends training once the epoch is evaluated,
    /// `.stopAfterStep` ends the epoch at once (then it is evaluated) and training.
    func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction
    /// After each epoch's evaluation (the summary is already the last of `context.history`).
    func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction
    /// After the last epoch, whether training ran out of epochs or was stopped.
    func trainingEnded(_ context: TrainingContext) throws
}

extension TrainingCallback {
    public func trainingBegan(_ context: TrainingContext) throws {}
    public func epochBegan(_ epoch: Int, context: TrainingContext) throws {}
    public func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction { .proceed }
    public func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction { .proceed }
    public func trainingEnded(_ context: TrainingContext) throws {}
}
