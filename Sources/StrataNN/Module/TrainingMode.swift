import Strata

/// Whether layers behave as in training (dropout drops, batch normalization normalizes with the
/// batch's statistics) or as in inference, for the current task: a task-local setting, like
/// `withoutGradients`, not a flag stored in the layers. Training is the default, as a new
/// PyTorch module is in training mode.
public enum TrainingMode {
    /// True while layers behave as in training.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` with layers in training (`true`) or inference (`false`) behaviour; the mode before
/// is restored afterwards.
///
///     let logits = withTrainingMode(false) { model(images) }
public func withTrainingMode<Result>(_ isTraining: Bool, _ body: () throws -> Result) rethrows -> Result {
    try TrainingMode.$isEnabled.withValue(isTraining, operation: body)
}
