import Strata
import StrataData
import StrataNN
import StrataOptimizers

/// A trainer of a classifier over a `DataLoader` (the `Classification` task).
public typealias ClassifierTrainer<Model: Layer, Source: Dataset> = Trainer<Classification<Model>, DataLoader<Source>>

extension Trainer {
    /// A trainer of the `Classification` task with `loss` (default cross-entropy): the model maps
    /// `inputs: [batch, ...]` to logits `[batch, classes]`, labels are `[batch]` class indices.
    /// The other defaults are `init(task:...)`'s.
    public init<Model: Layer, Source: Dataset>(
        model: Model, optimizer: Optimizer, trainingData: DataLoader<Source>,
        validationData: (any Sequence<(inputs: Tensor, labels: Tensor)>)? = nil,
        loss: @escaping (Tensor, Tensor) -> Tensor = { crossEntropy(logits: $0, labels: $1) },
        maxGradientNorm: Double? = nil, schedule: (any LearningRateSchedule)? = nil,
        scheduleInterval: ScheduleInterval = .epoch, callbacks: [any TrainingCallback] = [], randomSeed: UInt64 = 0
    ) where Task == Classification<Model>, TrainingData == DataLoader<Source> {
        self.init(task: Classification(loss: loss), model: model, optimizer: optimizer, trainingData: trainingData,
                  validationData: validationData, maxGradientNorm: maxGradientNorm, schedule: schedule,
                  scheduleInterval: scheduleInterval, callbacks: callbacks, randomSeed: randomSeed)
    }
}
