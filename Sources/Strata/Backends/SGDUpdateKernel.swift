/// A fused kernel for one step of SGD with momentum (Polyak, 1964; PyTorch's `torch.optim.SGD`),
/// offered by a backend through `FusedKernels`. The composite it replaces is StrataOptimizers'
/// `SGD` rule written with tensor ops; elementwise:
///
///     b' = momentum b + (1 - dampening) g      (b' = g on the first step, when there is no b)
///     w' = w - (nesterov ? g + momentum b' : b') lr
///
/// A kernel must round as that composite does (the same operations in the same order, no
/// contraction into FMA), so that choosing it never changes a result.
public protocol SGDUpdateKernel: Sendable {
    /// Whether the kernel runs this parameter and gradient (dtype, device); the rule runs the
    /// composite otherwise.
    func supports(parameter: Tensor, gradient: Tensor) -> Bool
    /// The parameter and momentum buffer after one step, as new tensors of the parameter's shape;
    /// `buffer` is nil on the first step.
    func update(_ parameter: Tensor, gradient: Tensor, buffer: Tensor?, settings: SGDStepSettings)
        -> (parameter: Tensor, buffer: Tensor)
    /// The same step with the results in `parameter` and `buffer`, written into their buffers
    /// where no other tensor shares them (a training loop's parameters and momentum buffers: the
    /// step then reads and writes each element once and allocates nothing), else into new ones as
    /// `update` does. Either way no other tensor sees a change. The default calls `update`.
    func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, buffer: inout Tensor?, settings: SGDStepSettings)
}

extension SGDUpdateKernel {
    public func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, buffer: inout Tensor?, settings: SGDStepSettings) {
        let result = update(parameter, gradient: gradient, buffer: buffer, settings: settings)
        (parameter, buffer) = (result.parameter, result.buffer)
    }
}

/// The scalars of one SGD step, in double precision as the rule holds them; a float32 kernel
/// rounds each once, as the composite's tensor-scalar ops do.
public struct SGDStepSettings: Sendable {
    public var momentum: Double
    public var dampening: Double
    public var nesterov: Bool
    public var learningRate: Double

    public init(momentum: Double, dampening: Double, nesterov: Bool, learningRate: Double) {
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.learningRate = learningRate
    }
}
