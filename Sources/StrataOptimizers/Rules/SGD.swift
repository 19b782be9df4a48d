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
        var result = parameter
        step(&result, gradient: gradient, state: &state, context: context)
        return result
    }

    /// With momentum, a backend's fused kernel (`FusedKernels.sgdUpdate`: the CPU backend's one
    /// pass for float32, in place where the parameter's and the buffer's storage is not shared)
    /// when it supports the parameter, else the rule written with tensor ops.
    public func step(_ parameter: inout Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) {
        // A buffer of another shape or dtype (a foreign checkpoint) takes the composite's checks.
        let fits = state["momentum_buffer"].map { $0.shape == parameter.shape && $0.dtype == parameter.dtype } ?? true
        if momentum != 0, fits, let kernel = Backends.current.fusedKernels.sgdUpdate,
           kernel.supports(parameter: parameter, gradient: gradient) {
            var buffer = state.removeValue(forKey: "momentum_buffer")
            let settings = SGDStepSettings(momentum: momentum, dampening: dampening, nesterov: nesterov,
                                           learningRate: context.learningRate)
            kernel.updateInPlace(&parameter, gradient: gradient, buffer: &buffer, settings: settings)
            state["momentum_buffer"] = buffer
        } else {
            parameter = plainUpdate(parameter, gradient: gradient, state: &state, context: context)
        }
    }

    /// The rule written with tensor ops: the specification the fused kernel is tested against.
    private func plainUpdate(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        var direction = gradient
        if momentum != 0 {
            let buffer = state["momentum_buffer"].map { $0 * momentum + gradient * (1 - dampening) } ?? gradient
            state["momentum_buffer"] = buffer
            direction = nesterov ? gradient + buffer * momentum : buffer
        }
        return parameter - direction * context.learningRate
    }
}
