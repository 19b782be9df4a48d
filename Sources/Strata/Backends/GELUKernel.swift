/// A fused kernel for the composite `exactGELUComposite` (`x Φ(x)`), offered by a backend through
/// `FusedKernels`: one pass forward instead of five elementwise ops, one pass backward
/// (`dx = g (Φ(x) + x φ(x))`) instead of their rules. Inputs may be strided views.
public protocol GELUKernel: Sendable {
    /// Whether the kernel runs this input (dtype, device); the op runs the composite otherwise.
    func supports(_ x: Tensor) -> Bool
    /// `x Φ(x)`, `x`'s shape.
    func forward(_ x: Tensor) -> Tensor
    /// The gradient of the forward pass at `x` given the output's.
    func backward(_ gradient: Tensor, _ x: Tensor) -> Tensor
}
