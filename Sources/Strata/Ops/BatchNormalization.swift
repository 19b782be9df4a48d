/// Batch normalization in training (Ioffe & Szegedy, 2015) as one fused op: normalizes `x`
/// `[batch, channels, ...]` over every axis but 1 with the batch's per-channel mean and biased
/// variance, then scales by `weight` and shifts by `bias` (`[channels]` each; nil: 1 and 0):
///
///     output = (x - mean) / sqrt(variance + epsilon) * weight + bias
///
/// Returns the output (`x`'s shape, differentiable in `x`, `weight` and `bias`) and the batch's
/// `mean` and biased `variance` (`[channels]`, without gradient: for running statistics). Equal to
/// the composite of `mean(alongAxes:)`, `variance(alongAxes:correction: 0)` and elementwise ops,
/// in one forward and one backward kernel instead of a dozen passes.
public func batchNormTraining(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, epsilon: Double = 1e-5)
    -> (output: Tensor, mean: Tensor, variance: Tensor) {
    precondition(x.rank >= 2 && x.shape[0] > 0, "batchNormTraining: input \(x.shape) must be [batch > 0, channels, ...]")
    precondition(x.dtype == .float32 || x.dtype == .float64,
                 "batchNormTraining: needs a float32 or float64 input, got \(x.dtype)")
    for (name, parameter) in [("weight", weight), ("bias", bias)] {
        guard let parameter else { continue }
        precondition(parameter.shape == [x.shape[1]] && parameter.dtype == x.dtype,
                     "batchNormTraining: input \(x.shape) \(x.dtype) needs \(name) [\(x.shape[1])] \(x.dtype), "
                     + "got \(parameter.shape) \(parameter.dtype)")
    }
    precondition(epsilon >= 0, "batchNormTraining: epsilon \(epsilon) must not be negative")
    let result = Tensor.batchNormalizationPrimitive(x, weight: weight, bias: bias, epsilon: epsilon)
    return (result.output, result.mean, result.variance)
}
