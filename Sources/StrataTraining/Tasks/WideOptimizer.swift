import StrataOptimizers

/// The algorithm that trains the wide part (`wide.` parameters) of a `WideDeep` model.
public enum WideOptimizer: String, CaseIterable, Codable, Sendable {
    /// FTRL-proximal (McMahan et al., 2013), as Cheng et al. (2016) train the wide part:
    /// per-coordinate rates, so rare features take larger steps; L1 gives exact zeros.
    case ftrl
    /// L1 proximal gradient descent (ISTA): a gradient step, then soft-thresholding.
    case proximal
}

/// The wide part's algorithm and its settings. `nil` arguments take the algorithm's defaults,
/// chosen on UCI Adult without its test rows by `Tools/tune_wide_optimizer.py` (the grid point
/// with the best wide-only plus Wide & Deep validation accuracy, averaged over 8 folds):
///
/// - `ftrl`: alpha (learning rate) 0.2, beta 0.01, l1 0.3, l2 0.1.
/// - `proximal`: learning rate 0.5, l1 1e-4, l2 (weight decay) 1e-4.
///
/// The strengths of the two do not compare: FTRL weighs them against the sum of every batch's
/// mean loss so far (the paper's cumulative objective), proximal gradient against one batch's
/// mean loss at every step, so FTRL's are larger by about the number of steps taken.
public struct WideOptimizerSettings: Codable, Sendable, Equatable {
    public var optimizer: WideOptimizer
    /// FTRL's alpha, or the proximal gradient step size.
    public var learningRate: Double
    public var l1Strength: Double
    /// `(1/2) l2 ||w||^2`: FTRL's lambda2, or weight decay on the wide group for proximal gradient.
    public var l2Strength: Double
    /// FTRL's beta in `alpha / (beta + sqrt(n))`; unused by proximal gradient.
    public var beta: Double

    public init(_ optimizer: WideOptimizer = .ftrl, learningRate: Double? = nil, l1Strength: Double? = nil,
                l2Strength: Double? = nil, beta: Double? = nil) {
        self.optimizer = optimizer
        switch optimizer {
        case .ftrl:
            self.learningRate = learningRate ?? 0.2
            self.l1Strength = l1Strength ?? 0.3
            self.l2Strength = l2Strength ?? 0.1
        case .proximal:
            self.learningRate = learningRate ?? 0.5
            self.l1Strength = l1Strength ?? 1e-4
            self.l2Strength = l2Strength ?? 1e-4
        }
        self.beta = beta ?? 0.01
        precondition(self.learningRate > 0 && self.l1Strength >= 0 && self.l2Strength >= 0 && self.beta >= 0, """
            WideOptimizerSettings: learning rate \(self.learningRate) must be positive, l1 \(self.l1Strength), \
            l2 \(self.l2Strength) and beta \(self.beta) not negative
            """)
    }

    /// The optimizer group of the `wide.` parameters, with its own rule and learning rate.
    public var group: ParameterGroup {
        switch optimizer {
        case .ftrl:
            .prefix("wide.", learningRate: learningRate, weightDecay: 0,
                    rule: FTRLProximal(beta: beta, l1Strength: l1Strength, l2Strength: l2Strength))
        case .proximal:
            .prefix("wide.", learningRate: learningRate, weightDecay: l2Strength,
                    rule: ProximalGradient(.l1(strength: l1Strength)))
        }
    }
}
