/// A backend's fused FTRL-proximal step (StrataOptimizers' `FTRLProximal`), offered through
/// `FusedKernels.ftrlUpdate`: the rule's tensor ops (about fifteen per parameter) in one pass.
/// The rule written with tensor ops is the specification; FusedFTRLTests pin the kernel to it.
public protocol FTRLUpdateKernel: Sendable {
    /// Whether the kernel runs this parameter and gradient (dtype, device); the rule runs the
    /// composite otherwise.
    func supports(parameter: Tensor, gradient: Tensor) -> Bool
    /// One step: `parameter` and the accumulators `z` and `n` (each of the parameter's shape)
    /// replaced by their new values, written into their buffers where no other tensor shares
    /// them, else into new ones. No other tensor sees a change.
    func updateInPlace(_ parameter: inout Tensor, gradient: Tensor, z: inout Tensor, n: inout Tensor,
                       settings: FTRLStepSettings)
}

/// The scalars of one FTRL-proximal step, in double precision as the rule holds them; a float32
/// kernel rounds each once, as the composite's tensor-scalar ops do.
public struct FTRLStepSettings: Sendable {
    /// The learning rate (the paper's alpha).
    public var alpha: Double
    public var beta: Double
    public var l1Strength: Double
    public var l2Strength: Double

    public init(alpha: Double, beta: Double, l1Strength: Double, l2Strength: Double) {
        self.alpha = alpha
        self.beta = beta
        self.l1Strength = l1Strength
        self.l2Strength = l2Strength
    }
}
