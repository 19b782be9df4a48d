/// Batch normalization in training (Ioffe & Szegedy, 2015): normalizes `x` `[batch, channels, ...]`
/// over every axis but 1 with the batch's per-channel mean and biased variance, then scales by
/// `weight` and shifts by `bias` (`[channels]` each; nil: 1 and 0):
///
///     output = (x - mean) * rsqrt(variance + epsilon) * weight + bias
///
/// Returns the output (`x`'s shape, differentiable in `x`, `weight` and `bias`) and the batch's
/// `mean` and biased `variance` (`[channels]`, without gradient: for running statistics).
///
/// The composite of `mean(alongAxes:)`, `variance(alongAxes:correction: 0)` and elementwise ops
/// is the specification. A backend that offers a fused kernel for it
/// (`FusedKernels.batchNormTraining`, the CPU backend in float32) runs that instead: one forward
/// and one backward kernel instead of a dozen passes.
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
    if let kernel = Backends.current.fusedKernels.batchNormTraining, kernel.supports(x) {
        let result = Tensor.fusedBatchNormTraining(kernel, x, weight: weight, bias: bias, epsilon: epsilon)
        return (result.output, result.mean, result.variance)
    }
    var broadcastShape = [Int](repeating: 1, count: x.rank)
    broadcastShape[1] = x.shape[1]
    let axes = (0..<x.rank).filter { $0 != 1 }
    let mean = x.mean(alongAxes: axes, keepDims: true)
    let variance = x.variance(alongAxes: axes, correction: 0, keepDims: true)
    var output = (x - mean) * rsqrt(variance + epsilon)
    if let weight { output = output * weight.reshaped(to: broadcastShape) }
    if let bias { output = output + bias.reshaped(to: broadcastShape) }
    return (output, mean.detached.reshaped(to: [-1]), variance.detached.reshaped(to: [-1]))
}

extension Tensor {
    /// `batchNormTraining` through a backend's fused kernel: the output is recorded against `x`
    /// and the present `weight` and `bias`, in that order; the statistics carry no gradient.
    static func fusedBatchNormTraining(_ kernel: any BatchNormTrainingKernel, _ x: Tensor, weight: Tensor?, bias: Tensor?,
                                       epsilon: Double) -> BatchNormalization {
        var result = kernel.forward(x, weight: weight, bias: bias, epsilon: epsilon)
        let inputs = [x] + [weight, bias].compactMap { $0 }
        result.output = recording(result.output, inputs: inputs,
                                  DerivativeRules.batchNormTraining(kernel, x: x, weight: weight, bias: bias, forward: result))
        return result
    }
}
