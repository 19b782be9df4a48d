/// A fused kernel for the composite `softmaxCrossEntropy` (cross-entropy against integer labels),
/// offered by a backend through `FusedKernels`.
///
/// Forward, for `logits [batch, classes]` and int64 `labels [batch]` (each in `0..<classes`):
/// each row's `logSumExp` (shifted by the row's maximum, as `Tensor.logSumExp`) and the
/// per-sample loss `logSumExp - logits[label]`, `[batch]` each. Backward, from the per-sample
/// upstream gradient `g [batch]`: `g * (softmax(logits) - onehot(label))`, from the saved
/// log-sum-exp, in one pass. A kernel takes the composite's steps with the same float32
/// functions, so its forward is the composite's bit for bit; its backward is the composite's
/// gradient within float32 rounding (the composite rounds through more steps).
public protocol SoftmaxCrossEntropyKernel: Sendable {
    /// Whether the kernel runs these operands (dtype, rank, device); the op runs the composite otherwise.
    func supports(logits: Tensor, labels: Tensor) -> Bool
    /// The per-sample losses and each row's log-sum-exp, `[batch]` each. Traps, naming the
    /// sample, on a label outside `0..<classes`.
    func forward(logits: Tensor, labels: Tensor) -> (losses: Tensor, logSumExp: Tensor)
    /// The gradient with respect to the logits, `[batch, classes]`.
    func backward(_ gradient: Tensor, logits: Tensor, labels: Tensor, logSumExp: Tensor) -> Tensor
}
