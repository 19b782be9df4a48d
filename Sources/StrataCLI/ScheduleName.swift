import ArgumentParser
import StrataOptimizers

/// The learning-rate schedules of `strata train --schedule`, set before each epoch.
public enum ScheduleName: String, CaseIterable, Codable, Sendable, ExpressibleByArgument {
    /// The rate stays `--lr`.
    case none
    /// Cosine annealing from `--lr` to 0 over the run's epochs.
    case cosine
    /// The rate times 0.1 every third of the epochs (`max(1, epochs / 3)` epochs per step).
    case step
    /// The rate times 0.1 after 2 epochs in a row without a lower validation loss
    /// (`plateauSchedule`); needs a validation split.
    case plateau

    /// `ReduceOnPlateau` from `learningRate` for `.plateau` (factor 0.1, patience 2, PyTorch's
    /// relative threshold 1e-4), replayed over the validation losses of the epochs already
    /// trained, so a resumed run continues in the same state; nil for the other schedules.
    public func plateauSchedule(learningRate: Double, earlierValidationLosses: [Double]) -> ReduceOnPlateau? {
        guard self == .plateau else { return nil }
        var plateau = ReduceOnPlateau(learningRate: learningRate, factor: 0.1, patience: 2)
        for loss in earlierValidationLosses { _ = plateau.step(metric: loss) }
        return plateau
    }

    /// The epoch-indexed schedule over `epochs` epochs starting at `learningRate`; nil for
    /// `.none` and for `.plateau`, which follows the validation loss (`plateauSchedule`).
    public func makeSchedule(learningRate: Double, epochs: Int) -> (any LearningRateSchedule)? {
        switch self {
        case .none, .plateau: nil
        case .cosine: CosineAnnealing(baseLearningRate: learningRate, period: max(1, epochs))
        case .step: StepDecay(baseLearningRate: learningRate, stepSize: max(1, epochs / 3), gamma: 0.1)
        }
    }
}
