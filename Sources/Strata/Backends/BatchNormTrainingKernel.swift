/// A fused kernel for the composite `batchNormTraining`, offered by a backend through
/// `FusedKernels`.
///
/// Forward, for a float `x [n, c, ...]` normalized over every axis but 1: the per-channel mean,
/// biased variance and `1 / sqrt(variance + epsilon)`, and the output
/// `(x - mean) * inverseStandardDeviation * weight + bias` with `x`'s shape (no weight: 1, no
/// bias: 0; `weight` and `bias` are `[c]`, the statistics `[c]` in `x`'s dtype). Backward, from
/// the saved `mean` and `inverseStandardDeviation` (x̂ = (x - mean) * inverseStandardDeviation,
/// sums and means per channel): `dx = weight * inverseStandardDeviation * (g - mean(g) - x̂ mean(g x̂))`,
/// `dweight = Σ g x̂`, `dbias = Σ g` (Ioffe & Szegedy, 2015, section 3). Inputs may be strided views.
public protocol BatchNormTrainingKernel: Sendable {
    /// Whether the kernel runs this input (dtype, sizes, device); the op runs the composite otherwise.
    func supports(_ x: Tensor) -> Bool
    /// The output and the batch's statistics.
    func forward(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) -> BatchNormalization
    /// The gradients of the output with respect to `x`, `weight` and `bias`.
    func backward(_ gradient: Tensor, _ x: Tensor, mean: Tensor, inverseStandardDeviation: Tensor,
                  weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor)
}

/// What `BatchNormTrainingKernel.forward` returns: the output and the per-channel statistics `[c]`.
public struct BatchNormalization: @unchecked Sendable {
    public var output: Tensor
    public var mean: Tensor
    /// Biased (divided by the count per channel).
    public var variance: Tensor
    /// `1 / sqrt(variance + epsilon)`.
    public var inverseStandardDeviation: Tensor

    public init(output: Tensor, mean: Tensor, variance: Tensor, inverseStandardDeviation: Tensor) {
        self.output = output
        self.mean = mean
        self.variance = variance
        self.inverseStandardDeviation = inverseStandardDeviation
    }
}
