/// Divides the rate by `1 / factor` when a watched metric stops improving for `patience` epochs
/// (PyTorch's ReduceLROnPlateau, relative threshold, mode min or max). Stateful: feed it the
/// metric after each epoch.
public struct ReduceOnPlateau: Sendable {
    public enum Mode: Sendable { case minimize, maximize }

    public private(set) var learningRate: Double
    public var mode: Mode
    public var factor: Double
    public var patience: Int
    public var threshold: Double
    public var cooldown: Int
    public var minimumLearningRate: Double
    public private(set) var best: Double
    public private(set) var badEpochs = 0
    public private(set) var cooldownRemaining = 0

    public init(learningRate: Double, mode: Mode = .minimize, factor: Double = 0.1, patience: Int = 10,
                threshold: Double = 1e-4, cooldown: Int = 0, minimumLearningRate: Double = 0) {
        precondition(factor > 0 && factor < 1, "ReduceOnPlateau: factor must be in (0, 1), got \(factor)")
        self.learningRate = learningRate
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.cooldown = cooldown
        self.minimumLearningRate = minimumLearningRate
        best = mode == .minimize ? .infinity : -.infinity
    }

    /// Records one epoch's metric and returns the learning rate for the next epoch.
    public mutating func step(metric: Double) -> Double {
        let improved = mode == .minimize ? metric < best * (1 - threshold) : metric > best * (1 + threshold)
        if improved {
            best = metric
            badEpochs = 0
        } else {
            badEpochs += 1
        }
        if cooldownRemaining > 0 {
            cooldownRemaining -= 1
            badEpochs = 0
        }
        if badEpochs > patience {
            let reduced = max(learningRate * factor, minimumLearningRate)
            // PyTorch ignores reductions smaller than eps 1e-8.
            if learningRate - reduced > 1e-8 { learningRate = reduced }
            cooldownRemaining = cooldown
            badEpochs = 0
        }
        return learningRate
    }
}
