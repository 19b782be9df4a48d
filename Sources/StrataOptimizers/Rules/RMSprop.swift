import Strata

/// RMSprop (Tieleman & Hinton, 2012) as PyTorch's `torch.optim.RMSprop`: gradients divided by a
/// moving root mean square, optionally centered (Graves, 2013) and with momentum.
///
///     v = alpha * v + (1 - alpha) * g^2
///     d = sqrt(v - m^2) + eps with m = alpha * m + (1 - alpha) * g when centered, else sqrt(v) + eps
///     momentum > 0:  b = momentum * b + g / d;  w = w - lr * b     else  w = w - lr * g / d
///
/// Defaults (with learning rate 0.01): alpha 0.99, eps 1e-8, momentum 0, not centered.
public struct RMSprop: OptimizerRule {
    public var alpha: Double
    public var epsilon: Double
    public var momentum: Double
    public var centered: Bool

    public init(alpha: Double = 0.99, epsilon: Double = 1e-8, momentum: Double = 0, centered: Bool = false) {
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
    }

    public var stateSlots: [StateSlot] {
        [StateSlot("step", .stepCounter), StateSlot("square_avg")] + (centered ? [StateSlot("grad_avg")] : [])
            + (momentum > 0 ? [StateSlot("momentum_buffer")] : [])
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        _ = state.incrementStep()
        let zeros = { Tensor.zeros(parameter.shape, dtype: parameter.dtype) }
        let squareAverage = (state["square_avg"] ?? zeros()) * alpha + gradient * gradient * (1 - alpha)
        state["square_avg"] = squareAverage
        var denominator: Tensor
        if centered {
            let gradientAverage = (state["grad_avg"] ?? zeros()) * alpha + gradient * (1 - alpha)
            state["grad_avg"] = gradientAverage
            denominator = sqrt(squareAverage - gradientAverage * gradientAverage) + epsilon
        } else {
            denominator = sqrt(squareAverage) + epsilon
        }
        if momentum > 0 {
            let buffer = (state["momentum_buffer"] ?? zeros()) * momentum + gradient / denominator
            state["momentum_buffer"] = buffer
            return parameter - buffer * context.learningRate
        }
        return parameter - gradient / denominator * context.learningRate
    }
}
