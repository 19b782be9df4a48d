/// Stops training once a metric has gone `patience` epochs without improving (Keras's
/// EarlyStopping: patience 2 runs two epochs past the best, then stops).
///
/// An epoch improves on the best so far when it beats it by more than `minimumDelta` (lower for
/// losses, higher for accuracies; see `TrainingMetric.lowerIsBetter`). Defaults: patience 5,
/// minimum delta 0, monitoring the validation loss.
///
///     trainer.callbacks.append(EarlyStopping(monitor: .validationAccuracy, patience: 3))
public final class EarlyStopping: TrainingCallback {
    public let monitor: TrainingMetric
    public let patience: Int
    public let minimumDelta: Double
    /// The best value seen, nil before the first epoch.
    public private(set) var bestValue: Double?
    /// The epoch that set `bestValue`.
    public private(set) var bestEpoch: Int?
    /// Epochs since the last improvement.
    public private(set) var epochsWithoutImprovement = 0

    public init(monitor: TrainingMetric = .validationLoss, patience: Int = 5, minimumDelta: Double = 0) {
        precondition(patience >= 0, "EarlyStopping: patience must be >= 0, got \(patience)")
        precondition(minimumDelta >= 0, "EarlyStopping: minimumDelta must be >= 0, got \(minimumDelta)")
        self.monitor = monitor
        self.patience = patience
        self.minimumDelta = minimumDelta
    }

    public func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction {
        guard let value = summary.value(of: monitor) else {
            preconditionFailure("EarlyStopping: epoch \(summary.epoch) has no \(monitor.rawValue) (no validation data?)")
        }
        if isImprovement(value) {
            bestValue = value
            bestEpoch = summary.epoch
            epochsWithoutImprovement = 0
            return .proceed
        }
        epochsWithoutImprovement += 1
        return epochsWithoutImprovement >= patience ? .stop : .proceed
    }

    func isImprovement(_ value: Double) -> Bool {
        guard let bestValue else { return true }
        return monitor.lowerIsBetter ? value < bestValue - minimumDelta : value > bestValue + minimumDelta
    }
}
