import Strata

/// How a loss combines its per-element values.
public enum LossReduction: Sendable {
    /// The mean (for weighted losses, divided by the total weight, as in PyTorch).
    case mean
    case sum
    /// No reduction: one loss per element.
    case none
}

extension Tensor {
    /// This per-element loss reduced as asked.
    func reduced(_ reduction: LossReduction) -> Tensor {
        switch reduction {
        case .mean: mean()
        case .sum: sum()
        case .none: self
        }
    }
}
