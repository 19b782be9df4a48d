import Strata
import StrataData
import StrataNN

/// What a task measured on one training batch: the loss to differentiate and the counts that
/// `Trainer` sums into the epoch's training loss and accuracy.
public struct BatchLoss {
    /// The batch's mean loss, a scalar computed from the model (so on the gradient graph).
    public var loss: Tensor
    /// The samples the loss averages over (images, table rows, predicted tokens); the epoch's
    /// training loss weighs each batch by it.
    public var sampleCount: Int
    /// How many of those samples the model predicted right.
    public var correctCount: Int

    public init(loss: Tensor, sampleCount: Int, correctCount: Int) {
        precondition(loss.shape.isEmpty, "BatchLoss: the loss must be a scalar, got shape \(loss.shape)")
        precondition(sampleCount >= 0 && (0...sampleCount).contains(correctCount),
                     "BatchLoss: \(correctCount) correct of \(sampleCount) samples")
        self.loss = loss
        self.sampleCount = sampleCount
        self.correctCount = correctCount
    }
}

/// One kind of learning problem, as `Trainer` sees it: how a batch becomes a loss (and counts),
/// how held-out data becomes an `Evaluation`, and how inputs become predictions. The trainer owns
/// everything else (epochs, random generators, gradients, clipping, schedules, callbacks,
/// checkpoints), so it works the same for every task.
///
/// Strata has three: `Classification` (images or feature vectors, cross-entropy, accuracy and a
/// confusion matrix), `BinaryTabularPrediction` (Wide & Deep, binary cross-entropy, accuracy and
/// ROC AUC) and `LanguageModelling` (next-token cross-entropy in nats per token, state carried
/// across batches for truncated backpropagation through time).
public protocol TrainingTask {
    /// The model the task trains.
    associatedtype Model: Module
    /// One training step's data.
    associatedtype Batch
    /// What `evaluate` measures on (a sequence of batches, a table, token streams).
    associatedtype EvaluationData
    /// What `predict` maps to predictions.
    associatedtype Inputs

    /// Called before each training epoch's first batch; a task that carries state from batch to
    /// batch starts afresh here. The default does nothing.
    mutating func beginEpoch()

    /// The mean loss of `model` on `batch`, with its sample and correct counts. Called inside the
    /// gradient transform: the loss must be computed from `model`.
    mutating func loss(of model: Model, on batch: Batch) -> BatchLoss

    /// The loss and metrics of `model` over `data`. `Trainer.evaluate` calls it with the model in
    /// inference mode and without gradients.
    func evaluate(_ model: Model, on data: EvaluationData) -> Evaluation

    /// The model's predictions for `inputs` as probabilities (per class, per row, per token).
    /// Call it in inference mode (`Trainer.predict` does).
    func predict(_ model: Model, on inputs: Inputs) -> Tensor
}

extension TrainingTask {
    public mutating func beginEpoch() {}
}

/// Training data that `Trainer` walks epoch by epoch: the batches of epoch `e` are a function of
/// `e` (a shuffle seeded by the epoch, or the same order every time), so a resumed run sees the
/// same batches as the uninterrupted one.
public protocol EpochBatches {
    associatedtype Batch
    associatedtype Batches: Sequence<Batch>
    /// The number of batches in every epoch (the steps per epoch, for step schedules).
    var batchCount: Int { get }
    /// The batches of epoch `epoch`, in training order.
    func batches(forEpoch epoch: Int) -> Batches
}

extension DataLoader: EpochBatches {
    public var batchCount: Int { count }

    /// This loader at `epoch` (its shuffle a function of (seed, epoch)).
    public func batches(forEpoch epoch: Int) -> DataLoader<Source> {
        var loader = self
        loader.epoch = epoch
        return loader
    }
}
