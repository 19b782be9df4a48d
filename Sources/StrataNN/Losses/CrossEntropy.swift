import Strata

/// Cross-entropy of `logits` against integer class `labels`, through a stable log-softmax
/// (PyTorch's `cross_entropy`); without class weights and smoothing, `softmaxCrossEntropy`
/// reduced, which the CPU backend runs as one fused kernel per direction.
///
/// logits: `[batch, classes]`; labels: `[batch]` (int32/int64). `classWeights` (`[classes]`)
/// weight each sample by its label's weight, and `.mean` divides by the total weight.
/// `labelSmoothing` ε mixes in the uniform distribution: `(1 - ε) nll + ε/C Σ_c -w_c log p_c`.
public func crossEntropy(logits: Tensor, labels: Tensor, classWeights: Tensor? = nil,
                         labelSmoothing: Double = 0, reduction: LossReduction = .mean) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy: logits must be [batch, classes], got \(logits.shape)")
    precondition(labels.rank == 1 && labels.shape[0] == logits.shape[0],
                 "crossEntropy: labels \(labels.shape) do not match logits \(logits.shape)")
    if classWeights == nil && labelSmoothing == 0 {
        // One op (a fused kernel on the CPU) for the common case.
        return softmaxCrossEntropy(logits: logits, labels: labels).reduced(reduction)
    }
    let logProbabilities = logSoftmax(logits, axis: 1)
    let classes = logits.shape[1]
    let index = labels.cast(to: .int64).unsqueezed(axis: 1)
    let picked = -logProbabilities.gathering(along: 1, index: index).squeezed(axis: 1)
    let sampleWeights = classWeights.map { $0.indexSelect(axis: 0, indices: labels.cast(to: .int64)) }
    let nll = sampleWeights.map { picked * $0 } ?? picked
    func reduce(_ perSample: Tensor) -> Tensor {
        if reduction == .mean, let sampleWeights { return perSample.sum() / sampleWeights.sum() }
        return perSample.reduced(reduction)
    }
    guard labelSmoothing > 0 else { return reduce(nll) }
    precondition(labelSmoothing <= 1, "crossEntropy: labelSmoothing \(labelSmoothing) must be in [0, 1]")
    let weighted = classWeights.map { logProbabilities * $0 } ?? logProbabilities
    let smooth = -weighted.sum(alongAxes: [1])
    return reduce(nll) * (1 - labelSmoothing) + reduce(smooth) * (labelSmoothing / Double(classes))
}

/// Cross-entropy of `logits` against class probabilities `targets` (`[batch, classes]`, rows
/// summing to 1): `-Σ_c w_c t_c log p_c` per sample, `.mean` over the batch.
public func crossEntropy(logits: Tensor, probabilities targets: Tensor, classWeights: Tensor? = nil,
                         labelSmoothing: Double = 0, reduction: LossReduction = .mean) -> Tensor {
    precondition(logits.rank == 2 && targets.shape == logits.shape,
                 "crossEntropy: targets \(targets.shape) must match logits \(logits.shape), both [batch, classes]")
    let classes = Double(logits.shape[1])
    let smoothed = labelSmoothing > 0 ? targets * (1 - labelSmoothing) + labelSmoothing / classes : targets
    var terms = logSoftmax(logits, axis: 1) * smoothed
    if let classWeights { terms = terms * classWeights }
    return (-terms.sum(alongAxes: [1])).reduced(reduction)
}

/// Negative log-likelihood of `logProbabilities` (`[batch, classes]`, e.g. from `logSoftmax`)
/// at integer `labels` (`[batch]`), optionally weighted per class.
public func negativeLogLikelihood(logProbabilities: Tensor, labels: Tensor, classWeights: Tensor? = nil,
                                  reduction: LossReduction = .mean) -> Tensor {
    precondition(logProbabilities.rank == 2 && labels.rank == 1 && labels.shape[0] == logProbabilities.shape[0],
                 "negativeLogLikelihood: labels \(labels.shape) do not match \(logProbabilities.shape)")
    let indices = labels.cast(to: .int64)
    let picked = -logProbabilities.gathering(along: 1, index: indices.unsqueezed(axis: 1)).squeezed(axis: 1)
    guard let classWeights else { return picked.reduced(reduction) }
    let sampleWeights = classWeights.indexSelect(axis: 0, indices: indices)
    let weighted = picked * sampleWeights
    return reduction == .mean ? weighted.sum() / sampleWeights.sum() : weighted.reduced(reduction)
}
