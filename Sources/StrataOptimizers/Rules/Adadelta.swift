import Strata

/// Adadelta (Zeiler, 2012) as PyTorch's `torch.optim.Adadelta`: step sizes from the ratio of
/// moving root mean squares of past updates and gradients.
///
///     v = rho v + (1 - rho) g^2
///     d = sqrt(u + eps) / sqrt(v + eps) * g
///     u = rho u + (1 - rho) d^2;   w = w - lr * d
///
/// Defaults (with learning rate 1.0): rho 0.9, eps 1e-6.
public struct Adadelta: OptimizerRule {
    public var rho: Double
    public var epsilon: Double

    public init(rho: Double = 0.9, epsilon: Double = 1e-6) {
        self.rho = rho
        self.epsilon = epsilon
    }

    public var stateSlots: [StateSlot] {
        [StateSlot("step", .stepCounter), StateSlot("square_avg"), StateSlot("acc_delta")]
    }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        _ = state.incrementStep()
        let zeros = { Tensor.zeros(parameter.shape, dtype: parameter.dtype) }
        let squareAverage = (state["square_avg"] ?? zeros()) * rho + gradient * gradient * (1 - rho)
        let accumulatedDelta = state["acc_delta"] ?? zeros()
        let delta = sqrt(accumulatedDelta + epsilon) / sqrt(squareAverage + epsilon) * gradient
        state["square_avg"] = squareAverage
        state["acc_delta"] = accumulatedDelta * rho + delta * delta * (1 - rho)
        return parameter - delta * context.learningRate
    }
}
