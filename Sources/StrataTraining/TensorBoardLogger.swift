import StrataIO

/// Logs each epoch's losses, accuracies and learning rate to a TensorBoard event file, at step
/// `epoch + 1` (the number of finished epochs): tags `loss/training`, `loss/validation`,
/// `accuracy/training`, `accuracy/validation`, `learning_rate`, and `validation/<name>` for each
/// of the task's further validation metrics (`validation/roc_auc`). With `logsSteps` set it also logs
/// `loss/step` at each optimizer step, numbered across epochs. It flushes after every epoch; the
/// caller owns the writer and closes it.
public final class TensorBoardLogger: TrainingCallback {
    public let writer: TensorBoardWriter
    public let logsSteps: Bool

    public init(writer: TensorBoardWriter, logsSteps: Bool = false) {
        self.writer = writer
        self.logsSteps = logsSteps
    }

    public func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
        if logsSteps {
            try writer.addScalar("loss/step", step.loss, step: step.epoch * context.stepsPerEpoch + step.step)
        }
        return .proceed
    }

    public func epochEnded(_ summary: EpochSummary, context: TrainingContext) throws -> TrainingAction {
        let step = summary.epoch + 1
        try writer.addScalar("loss/training", summary.trainingLoss, step: step)
        try writer.addScalar("accuracy/training", summary.trainingAccuracy, step: step)
        if let loss = summary.validationLoss { try writer.addScalar("loss/validation", loss, step: step) }
        if let accuracy = summary.validationAccuracy { try writer.addScalar("accuracy/validation", accuracy, step: step) }
        for (name, value) in summary.validationMetrics.sorted(by: { $0.key < $1.key }) {
            try writer.addScalar("validation/" + name, value, step: step)
        }
        try writer.addScalar("learning_rate", summary.learningRate, step: step)
        try writer.flush()
        return .proceed
    }
}
