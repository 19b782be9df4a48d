/// A fused kernel for the composite `linear` (a dense layer), offered by a backend through
/// `FusedKernels`.
///
/// Forward, for `x [rows, inputSize]`, `weight [outputSize, inputSize]` and an optional
/// `bias [outputSize]`: `y = activation(x weightᵀ + bias)`, `[rows, outputSize]`: the matrix
/// product, then the bias and the activation applied in one pass over each block of the
/// product while it is still in cache. Backward, from the upstream gradient `g` and the saved
/// output `y`: `g' = g` masked where `y <= 0` for ReLU (`g` itself otherwise) and
/// `dbias = Σ_rows g'` in one pass, then `dx = g' weight` and `dweight = g'ᵀ x`. A kernel must
/// round as the composite does (the same products, then `+ bias`, then `relu`; the bias gradient
/// summed row by row), so that choosing it never changes a result.
public protocol LinearKernel: Sendable {
    /// Whether the kernel runs these operands (dtype, rank, device); the op runs the composite
    /// otherwise. `input` is `[rows, inputSize]`.
    func supports(input: Tensor, weight: Tensor, bias: Tensor?) -> Bool
    /// `activation(input weightᵀ + bias)`, `[rows, outputSize]`.
    func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation) -> Tensor
    /// The gradients of the output `output` (as `forward` returned it) with respect to the
    /// input, the weight and the bias; only those asked for by `needs` are computed.
    func backward(_ gradient: Tensor, input: Tensor, weight: Tensor, output: Tensor, activation: LinearActivation,
                  needs: LinearGradientNeeds) -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
}

/// The activation `linear` applies after the bias (the epilogue a fused kernel runs in the same
/// pass).
public enum LinearActivation: Sendable, Equatable {
    /// No activation: `x weightᵀ + bias`.
    case identity
    /// `max(·, 0)`, with gradient 0 at 0 as `relu`.
    case relu
}

/// Which gradients a `LinearKernel.backward` call must return (the tracked operands).
public struct LinearGradientNeeds: Sendable, Equatable {
    public var input: Bool
    public var weight: Bool
    public var bias: Bool

    public init(input: Bool, weight: Bool, bias: Bool) {
        self.input = input
        self.weight = weight
        self.bias = bias
    }
}
