import Strata

/// Stochastic gradient descent (Robbins & Monro, 1951), with optional momentum (Polyak, 1964),
/// dampening, and Nesterov accelerated gradient (Nesterov, 1983; Sutskever et al., 2013), exactly
/// as PyTorch's `torch.optim.SGD`:
///
///     b = momentum * b + (1 - dampening) * g      (b = g on the first step)
///     g = nesterov ? g + momentum * b : b
///     w = w - lr * g
///
/// Defaults: momentum 0, dampening 0, nesterov false.
public struct SGD: OptimizerRule {
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool

    public init(momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false) {
        precondition(momentum >= 0, "SGD: momentum must not be negative, got \(momentum)")
        precondition(!nesterov || (momentum > 0 && dampening == 0), "SGD: Nesterov needs momentum > 0 and no dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public var stateSlots: [StateSlot] { momentum != 0 ? [StateSlot("momentum_buffer")] : [] }

    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        var direction = gradient
        if momentum != 0 {
            let buffer = state["momentum_buffer"].map { $0 * momentum + gradient * (1 - dampening) } ?? gradient
            state["momentum_buffer"] = buffer
            direction = nesterov ? gradient + buffer * momentum : buffer
        }
        return parameter - direction * context.learningRate
    }
}
