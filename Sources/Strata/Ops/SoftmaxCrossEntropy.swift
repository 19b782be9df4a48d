/// The cross-entropy of each sample's `logits` against its integer label,
/// `-log(softmax(logits)[label])`, computed stably as `logSumExp(logits) - logits[label]`.
///
/// logits: `[batch, classes]` (float); labels: `[batch]` (int32 or int64, each in
/// `0..<classes`); returns `[batch]`, differentiable in `logits`. StrataNN's `crossEntropy`
/// reduces it.
///
/// The composite (`logits - logSumExp`, then a gather) is the specification. A backend that
/// offers a fused kernel for it (`FusedKernels.softmaxCrossEntropy`, the CPU backend in float32)
/// runs one pass per direction instead of a dozen small ops.
public func softmaxCrossEntropy(logits: Tensor, labels: Tensor) -> Tensor {
    precondition(logits.rank == 2, "softmaxCrossEntropy: logits must be [batch, classes], got \(logits.shape)")
    precondition(labels.rank == 1 && labels.shape[0] == logits.shape[0],
                 "softmaxCrossEntropy: labels \(labels.shape) do not match logits \(logits.shape)")
    precondition(labels.dtype == .int64 || labels.dtype == .int32,
                 "softmaxCrossEntropy: labels must be int32 or int64, got \(labels.dtype)")
    let indices = labels.cast(to: .int64)
    if let kernel = Backends.current.fusedKernels.softmaxCrossEntropy, kernel.supports(logits: logits, labels: indices) {
        return Tensor.fusedSoftmaxCrossEntropy(kernel, logits, labels: indices)
    }
    let logProbabilities = logits - logits.logSumExp(alongAxes: [1], keepDims: true)
    return -logProbabilities.gathering(along: 1, index: indices.unsqueezed(axis: 1)).squeezed(axis: 1)
}

extension Tensor {
    /// `softmaxCrossEntropy` through a backend's fused kernel, recorded against the logits.
    static func fusedSoftmaxCrossEntropy(_ kernel: any SoftmaxCrossEntropyKernel, _ logits: Tensor, labels: Tensor) -> Tensor {
        let (losses, logSumExp) = kernel.forward(logits: logits, labels: labels)
        return recording(losses, inputs: [logits],
                         DerivativeRules.softmaxCrossEntropy(kernel, logits: logits, labels: labels, logSumExp: logSumExp))
    }
}
