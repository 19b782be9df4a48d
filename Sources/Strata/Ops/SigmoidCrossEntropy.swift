/// The binary cross-entropy of each logit against its target in [0, 1],
/// `-(t log σ(x) + (1 - t) log(1 - σ(x)))`, computed stably as `softplus(x) - t x`.
///
/// logits and targets: the same shape (float); returns that shape, differentiable in both.
/// StrataNN's `binaryCrossEntropy(logits:targets:)` weighs and reduces it.
///
/// The composite is the specification. A backend that offers a fused kernel for it
/// (`FusedKernels.sigmoidCrossEntropy`, the CPU backend in float32) runs one pass per direction
/// instead of four ops forward and their adjoints backward.
public func sigmoidCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
    precondition(logits.shape == targets.shape, "sigmoidCrossEntropy: logits \(logits.shape) and targets \(targets.shape) differ")
    precondition(logits.dtype == targets.dtype, "sigmoidCrossEntropy: logits \(logits.dtype) and targets \(targets.dtype) differ")
    if let kernel = Backends.current.fusedKernels.sigmoidCrossEntropy, kernel.supports(logits: logits, targets: targets) {
        return Tensor.recording(kernel.forward(logits: logits, targets: targets), inputs: [logits, targets],
                                DerivativeRules.sigmoidCrossEntropy(kernel, logits: logits, targets: targets))
    }
    return softplus(logits) - targets * logits
}
