/// A fused kernel for the composite `sigmoidCrossEntropy` (binary cross-entropy of logits
/// against targets, per element), offered by a backend through `FusedKernels`.
///
/// Forward: `softplus(x) - t x` with the composite's float functions in the same order, so the
/// values are the composite's bit for bit. Backward, from the upstream gradient `g`: the logits'
/// gradient `g σ(x) - g t` in one pass (the composite's within rounding); the targets' gradient
/// `-g x`, when they are tracked, is left to ops.
public protocol SigmoidCrossEntropyKernel: Sendable {
    /// Whether the kernel runs these operands (dtype, shape, device); the op runs the composite otherwise.
    func supports(logits: Tensor, targets: Tensor) -> Bool
    /// The per-element losses, shaped as `logits`.
    func forward(logits: Tensor, targets: Tensor) -> Tensor
    /// The gradient with respect to the logits, shaped as `logits`.
    func backward(_ gradient: Tensor, logits: Tensor, targets: Tensor) -> Tensor
}
