/// Layer normalization (Ba et al., 2016): normalizes `x` over its trailing `normalizedCount`
/// dimensions by each row's mean and biased variance, then scales by `weight` and shifts by
/// `bias` (each with the normalized dimensions' shape; nil: 1 and 0):
///
///     output = (x - mean) * rsqrt(variance + epsilon) * weight + bias
///
/// x: `[..., *normalized]`; returns `x`'s shape, differentiable in `x`, `weight` and `bias`.
///
/// `layerNormalizationComposite`, written with reductions and elementwise ops, is the
/// specification. A backend that offers a fused kernel for it (`FusedKernels.layerNorm`, the CPU
/// backend in float32) runs that instead: one pass forward and one backward instead of a dozen.
public func layerNormalization(_ x: Tensor, normalizedCount: Int, weight: Tensor? = nil, bias: Tensor? = nil,
                               epsilon: Double = 1e-5) -> Tensor {
    checkLayerNormalization(x, normalizedCount: normalizedCount, weight: weight, bias: bias, epsilon: epsilon)
    guard let kernel = Backends.current.fusedKernels.layerNorm, kernel.supports(x, normalizedCount: normalizedCount) else {
        return layerNormalizationComposite(x, normalizedCount: normalizedCount, weight: weight, bias: bias, epsilon: epsilon)
    }
    let n = Shape.count(Array(x.shape.suffix(normalizedCount)))
    let forward = kernel.forward(x, normalizedCount: n, weight: weight, bias: bias, epsilon: epsilon)
    let inputs = [x] + [weight, bias].compactMap { $0 }
    return Tensor.recording(forward.output, inputs: inputs,
                            DerivativeRules.layerNorm(kernel, x: x, normalizedCount: n, weight: weight, bias: bias,
                                                      forward: forward))
}

/// `layerNormalization` written with ordinary ops: the specification the fused kernel is tested
/// against. Same arguments and shapes.
public func layerNormalizationComposite(_ x: Tensor, normalizedCount: Int, weight: Tensor? = nil, bias: Tensor? = nil,
                                        epsilon: Double = 1e-5) -> Tensor {
    checkLayerNormalization(x, normalizedCount: normalizedCount, weight: weight, bias: bias, epsilon: epsilon)
    let axes = Array((x.rank - normalizedCount)..<x.rank)
    let mean = x.mean(alongAxes: axes, keepDims: true)
    let variance = x.variance(alongAxes: axes, correction: 0, keepDims: true)
    var output = (x - mean) * rsqrt(variance + epsilon)
    if let weight { output = output * weight }
    if let bias { output = output + bias }
    return output
}

/// Traps on a normalized shape, parameter shape or dtype that does not fit `x`.
private func checkLayerNormalization(_ x: Tensor, normalizedCount: Int, weight: Tensor?, bias: Tensor?, epsilon: Double) {
    precondition(normalizedCount >= 1 && x.rank >= normalizedCount,
                 "layerNormalization: input \(x.shape) cannot normalize its last \(normalizedCount) dimensions")
    precondition(x.dtype.isFloatingPoint, "layerNormalization: needs a floating-point input, got \(x.dtype)")
    let normalized = Array(x.shape.suffix(normalizedCount))
    for (name, parameter) in [("weight", weight), ("bias", bias)] {
        guard let parameter else { continue }
        precondition(parameter.shape == normalized && parameter.dtype == x.dtype,
                     "layerNormalization: input \(x.shape) \(x.dtype) needs \(name) \(normalized) \(x.dtype), "
                        + "got \(parameter.shape) \(parameter.dtype)")
    }
    precondition(epsilon >= 0, "layerNormalization: epsilon \(epsilon) must not be negative")
}
