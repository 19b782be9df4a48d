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

    /// The schedule over `epochs` epochs starting at `learningRate`; nil for `.none`.
    public func makeSchedule(learningRate: Double, epochs: Int) -> (any LearningRateSchedule)? {
        switch self {
        case .none: nil
        case .cosine: CosineAnnealing(baseLearningRate: learningRate, period: max(1, epochs))
        case .step: StepDecay(baseLearningRate: learningRate, stepSize: max(1, epochs / 3), gamma: 0.1)
        }
    }
}
