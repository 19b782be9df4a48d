/// A fused kernel for the composite `layerNormalization`, offered by a backend through
/// `FusedKernels`.
///
/// Forward, for a float `x` viewed as `[rows, n]` (n the product of the normalized trailing
/// dimensions): each row's mean and `1 / sqrt(biased variance + epsilon)`, and the output
/// `(x - mean) * inverseStandardDeviation * weight + bias` with `x`'s shape (`weight` and `bias`
/// hold n values each; nil: 1 and 0). Backward, from the saved statistics (x̂ = (x - mean) *
/// inverseStandardDeviation, ĝ = g * weight, means per row):
/// `dx = inverseStandardDeviation * (ĝ - mean(ĝ) - x̂ mean(ĝ x̂))`, `dweight = Σ_rows g x̂`,
/// `dbias = Σ_rows g` (Ba et al., 2016). Inputs may be strided views.
public protocol LayerNormKernel: Sendable {
    /// Whether the kernel runs this input (dtype, sizes, device); the op runs the composite otherwise.
    func supports(_ x: Tensor, normalizedCount: Int) -> Bool
    /// The output and each row's statistics.
    func forward(_ x: Tensor, normalizedCount: Int, weight: Tensor?, bias: Tensor?, epsilon: Double) -> LayerNormalization
    /// The gradients of the output with respect to `x`, `weight` and `bias` (the last two with
    /// `weight`'s shape, whether or not the layer has them).
    func backward(_ gradient: Tensor, _ x: Tensor, normalizedCount: Int, forward: LayerNormalization,
                  weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor)
}

/// What `LayerNormKernel.forward` returns: the output and the per-row statistics (`[rows]`, in
/// `x`'s dtype, rows being the product of the dimensions that are not normalized).
public struct LayerNormalization: @unchecked Sendable {
    public var output: Tensor
    public var mean: Tensor
    /// `1 / sqrt(biased variance + epsilon)`.
    public var inverseStandardDeviation: Tensor

    public init(output: Tensor, mean: Tensor, inverseStandardDeviation: Tensor) {
        self.output = output
        self.mean = mean
        self.inverseStandardDeviation = inverseStandardDeviation
    }
}
