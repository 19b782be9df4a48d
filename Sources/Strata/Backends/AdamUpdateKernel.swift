/// A fused kernel for one Adam/AdamW step (Kingma & Ba, 2015; Loshchilov & Hutter, 2019), offered
/// by a backend through `FusedKernels`. The composite it replaces is StrataOptimizers' `Adam`
/// rule written with tensor ops; elementwise, with `settings` and `t` counting steps from 1:
///
///     m' = β1 m + (1 - β1) g;   v' = β2 v + (1 - β2) g²;   v̂ = amsgrad ? max(v_max, v') : v'
///     w' = decayFactor w - m' / (sqrt(v̂) / biasCorrection2SquareRoot + ε) * stepSize
///
/// A kernel must round as that composite does (the same operations in the same order, no
/// contraction into FMA), so that choosing it never changes a result.
public protocol AdamUpdateKernel: Sendable {
    /// Whether the kernel runs this parameter and gradient (dtype, device); the rule runs the
    /// composite otherwise.
    func supports(parameter: Tensor, gradient: Tensor) -> Bool
    /// The parameter and moments after one step, as new tensors of the parameter's shape.
    func update(_ parameter: Tensor, gradient: Tensor, moments: AdamMoments, settings: AdamStepSettings)
        -> (parameter: Tensor, moments: AdamMoments)
    /// The same step with the results in `parameter` and `moments`, written into their buffers
    /// where no other tensor shares them (a training loop's parameters and moments: the step then
    /// reads and writes each element once, and allocates nothing), else into new ones as
    /// `update` does. Either way no other tensor sees a change. The default calls `update`.
    func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, moments: inout AdamMoments, settings: AdamStepSettings)
}

extension AdamUpdateKernel {
    public func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, moments: inout AdamMoments, settings: AdamStepSettings) {
        (parameter, moments) = update(parameter, gradient: gradient, moments: moments, settings: settings)
    }
}

/// The per-parameter state of Adam: PyTorch's `exp_avg`, `exp_avg_sq` and, with AMSGrad,
/// `max_exp_avg_sq`; each has the parameter's shape.
public struct AdamMoments: @unchecked Sendable {
    public var first: Tensor
    public var second: Tensor
    /// The running maximum of `second` (AMSGrad), nil without AMSGrad.
    public var maximumSecond: Tensor?

    public init(first: Tensor, second: Tensor, maximumSecond: Tensor?) {
        self.first = first
        self.second = second
        self.maximumSecond = maximumSecond
    }
}

/// The scalars of one Adam step, in double precision as the rule computes them; a float32
/// kernel rounds each once, as the composite's tensor-scalar ops do.
public struct AdamStepSettings: Sendable {
    public var beta1: Double
    public var beta2: Double
    /// `learningRate / (1 - β1^t)`.
    public var stepSize: Double
    /// `sqrt(1 - β2^t)`.
    public var biasCorrection2SquareRoot: Double
    public var epsilon: Double
    /// `1 - learningRate * weightDecay` for AdamW, else 1.
    public var decayFactor: Double

    public init(beta1: Double, beta2: Double, stepSize: Double, biasCorrection2SquareRoot: Double, epsilon: Double,
                decayFactor: Double) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.stepSize = stepSize
        self.biasCorrection2SquareRoot = biasCorrection2SquareRoot
        self.epsilon = epsilon
        self.decayFactor = decayFactor
    }
}
