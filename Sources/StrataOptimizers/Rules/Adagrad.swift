import Strata

/// Adagrad (Duchi, Hazan & Singer, 2011) as PyTorch's `torch.optim.Adagrad`: per-coordinate step
/// sizes shrink with the sum of squared gradients.
///
///     lr_t = lr / (1 + (t - 1) * learningRateDecay)
///     s = s + g^2;   w = w - lr_t * g / (sqrt(s) + eps)
///
/// Defaults (with the optimizer's learning rate 0.01): learningRateDecay 0, initial
/// accumulator 0, eps 1e-10.
public struct Adagrad: OptimizerRule {
    public var learningRateDecay: Double
    public var initialAccumulatorValue: Double
    public var epsilon: Double

    public init(learningRateDecay: Double = 0, initialAccumulatorValue: Double = 0, epsilon: Double = 1e-10) {
        self.learningRateDecay = learningRateDecay
        self.initialAccumulatorValue = initialAccumulatorValue
        self.epsilon = epsilon
    }

    public var stateSlots: [StateSlot] { [StateSlot("step", .stepCounter), StateSlot("sum")] }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        let step = state.incrementStep()
        let sum = (state["sum"] ?? Tensor.full(parameter.shape, value: initialAccumulatorValue, dtype: parameter.dtype))
            + gradient * gradient
        state["sum"] = sum
        let rate = context.learningRate / (1 + Double(step - 1) * learningRateDecay)
        return parameter - gradient / (sqrt(sum) + epsilon) * rate
    }
}
