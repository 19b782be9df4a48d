import Strata

/// FTRL-proximal (McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches",
/// Algorithm 1): follow-the-regularized-leader with per-coordinate learning rates
/// `alpha / (beta + sqrt(n_i))`, where `alpha` is the group's learning rate. For each coordinate,
/// with `n` the sum of squared gradients and `z` the sum of gradients minus the
/// proximal-centre corrections:
///
///     sigma = (sqrt(n + g^2) - sqrt(n)) / alpha
///     z = z + g - sigma * w;   n = n + g^2
///     w = 0                                                          if |z| <= l1
///     w = -(z - sign(z) * l1) / ((beta + sqrt(n)) / alpha + l2)      otherwise
///
/// The last line minimizes `z w + l1 |w| + (1/2) ((beta + sqrt(n)) / alpha + l2) w^2` per
/// coordinate: the paper's objective (the linearized losses so far, proximal terms
/// `(1/2) sigma_s (w - w_s)^2` centred at the past iterates, `(beta / 2 alpha) w^2`, and the L1 and
/// L2 terms) rewritten with z. A coordinate is exactly zero until its z outweighs `l1`. The L1
/// and L2 terms regularize the sum of every step's loss, not each step's: they compare with a
/// per-step strength (ProximalGradient's) times the number of steps.
/// A coordinate whose gradient is zero keeps its `z`, `n` and weight, so rare sparse features
/// (Wide & Deep's wide part) move only when they occur.
///
/// State: `z` and `n` per parameter, both starting at zero, so the weights are rebuilt from them:
/// a non-zero starting value enters only through `sigma * w` at the first step (start sparse
/// models at zero, as the paper does). Defaults: beta 1 (the paper's "usually good enough"),
/// no L1 or L2. The learning rate must be positive.
public struct FTRLProximal: OptimizerRule {
    public var beta: Double
    /// `l1` (lambda1 in the paper): the threshold on `|z|` below which a weight is exactly zero.
    public var l1Strength: Double
    /// `l2` (lambda2 in the paper): the strength of `(1/2) l2 ||w||^2`.
    public var l2Strength: Double

    public init(beta: Double = 1, l1Strength: Double = 0, l2Strength: Double = 0) {
        precondition(beta >= 0 && l1Strength >= 0 && l2Strength >= 0,
                     "FTRLProximal: beta \(beta), l1Strength \(l1Strength) and l2Strength \(l2Strength) must not be negative")
        self.beta = beta
        self.l1Strength = l1Strength
        self.l2Strength = l2Strength
    }

    public var stateSlots: [StateSlot] { [StateSlot("z"), StateSlot("n")] }

    /// The same step as `update` through the backend's fused kernel (`FusedKernels.ftrlUpdate`)
    /// where it has one, in place where the weights' and the accumulators' buffers are not
    /// shared (the accumulators leave `state` meanwhile).
    public func step(_ parameter: inout Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) {
        guard let kernel = Backends.current.fusedKernels.ftrlUpdate, kernel.supports(parameter: parameter, gradient: gradient) else {
            parameter = update(parameter, gradient: gradient, state: &state, context: context)
            return
        }
        let alpha = context.learningRate
        precondition(alpha > 0, "FTRLProximal: the learning rate (alpha) must be positive, got \(alpha)")
        let (shape, dtype) = (parameter.shape, parameter.dtype)
        var (zIndex, nIndex): ([String: Tensor].Index?, [String: Tensor].Index?)
        var z = state.takeSlot("z", index: &zIndex) ?? Tensor.zeros(shape, dtype: dtype)
        var n = state.takeSlot("n", index: &nIndex) ?? Tensor.zeros(shape, dtype: dtype)
        kernel.updateInPlace(&parameter, gradient: gradient, z: &z, n: &n,
                             settings: FTRLStepSettings(alpha: alpha, beta: beta, l1Strength: l1Strength, l2Strength: l2Strength))
        if let zIndex, let nIndex {
            state.putSlot(n, at: nIndex)
            state.putSlot(z, at: zIndex)
        } else {
            // A first step (or a partial imported state): inserting may move the other entry.
            state["n"] = n
            state["z"] = z
        }
    }

    /// The rule written with tensor ops: the specification the fused kernel is tested against.
    public func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor {
        let alpha = context.learningRate
        precondition(alpha > 0, "FTRLProximal: the learning rate (alpha) must be positive, got \(alpha)")
        let zeros = { Tensor.zeros(parameter.shape, dtype: parameter.dtype) }
        let n = state["n"] ?? zeros()
        let newN = n + gradient * gradient
        let rootN = sqrt(newN)
        let sigma = (rootN - sqrt(n)) / alpha
        let z = (state["z"] ?? zeros()) + gradient - sigma * parameter
        state["n"] = newN
        state["z"] = z
        // sign(z) * max(|z| - l1, 0) is exactly 0 where |z| <= l1.
        let shrunk = sign(z) * relu(abs(z) - l1Strength)
        return -shrunk / ((rootN + beta) / alpha + l2Strength)
    }
}
