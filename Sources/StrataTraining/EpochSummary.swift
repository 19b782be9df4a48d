import StrataNN

/// A number the trainer records each epoch, by which callbacks choose (early stopping, keep-best).
public enum TrainingMetric: String, Sendable, CaseIterable {
    case trainingLoss = "training_loss"
    case trainingAccuracy = "training_accuracy"
    case validationLoss = "validation_loss"
    case validationAccuracy = "validation_accuracy"

    /// Whether a smaller value is better: true for losses, false for accuracies.
    public var lowerIsBetter: Bool {
        switch self {
        case .trainingLoss, .validationLoss: true
        case .trainingAccuracy, .validationAccuracy: false
        }
    }
}

/// What one epoch of `Trainer.fit` measured.
///
/// Losses are means over samples (each batch's mean loss weighted by its size); accuracies are
/// fractions of samples. The validation fields are nil when the trainer has no validation data.
public struct EpochSummary: Sendable, Equatable {
    /// The epoch index, counted from 0 as `DataLoader.epoch` counts it.
    public var epoch: Int
    public var trainingLoss: Double
    public var trainingAccuracy: Double
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// Rows the true class, from the validation pass.
    public var confusionMatrix: ConfusionMatrix?
    /// The optimizer's base learning rate at the epoch's last step.
    public var learningRate: Double
    /// The number of optimizer steps (batches) the epoch took: all its batches unless a callback
    /// returned `stopAfterStep`.
    public var stepCount: Int
    /// The number of training samples seen in the epoch.
    public var sampleCount: Int
    /// The task's further validation metrics by name (`Evaluation.metrics`); empty without validation.
    public var validationMetrics: [String: Double]

    public init(epoch: Int, trainingLoss: Double, trainingAccuracy: Double, validationLoss: Double?,
                validationAccuracy: Double?, confusionMatrix: ConfusionMatrix?, learningRate: Double,
                stepCount: Int, sampleCount: Int, validationMetrics: [String: Double] = [:]) {
        self.epoch = epoch
        self.trainingLoss = trainingLoss
        self.trainingAccuracy = trainingAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.confusionMatrix = confusionMatrix
        self.learningRate = learningRate
        self.stepCount = stepCount
        self.sampleCount = sampleCount
        self.validationMetrics = validationMetrics
    }

    /// The value of `metric`, nil when this epoch did not measure it (no validation data).
    public func value(of metric: TrainingMetric) -> Double? {
        switch metric {
        case .trainingLoss: trainingLoss
        case .trainingAccuracy: trainingAccuracy
        case .validationLoss: validationLoss
        case .validationAccuracy: validationAccuracy
        }
    }
}

/// The loss, accuracy and further metrics of a model over a data set (`Trainer.evaluate`, by its
/// task's `evaluate`).
public struct Evaluation: Sendable, Equatable {
    /// The key of the binary ROC AUC in `metrics`.
    public static let rocAUCKey = "roc_auc"

    /// The mean loss per sample.
    public var loss: Double
    public var accuracy: Double
    /// Rows the true class, for a classifier; nil when the data set was empty or the task has none.
    public var confusionMatrix: ConfusionMatrix?
    public var sampleCount: Int
    /// The task's further metrics by name (`rocAUCKey`, `LanguageModelling.perplexityKey`); a
    /// metric that is undefined for the data (an AUC over one class) is absent.
    public var metrics: [String: Double]

    public init(loss: Double, accuracy: Double, confusionMatrix: ConfusionMatrix?, sampleCount: Int,
                metrics: [String: Double] = [:]) {
        self.loss = loss
        self.accuracy = accuracy
        self.confusionMatrix = confusionMatrix
        self.sampleCount = sampleCount
        self.metrics = metrics
    }

    /// The binary ROC AUC (`BinaryTabularPrediction`), nil when undefined or not measured.
    public var rocAUC: Double? { metrics[Self.rocAUCKey] }
}
