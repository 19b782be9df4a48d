/// Elementwise functions of one tensor. Raw values match `strata_unary_op` in CStrataKernels.
public enum UnaryOperation: Int32, Sendable, CaseIterable {
    case negate = 0, abs, sign, exp, log, log1p, expm1, sqrt, rsqrt, square, sin, cos, tanh, sigmoid, relu, softplus, erf
}

/// Elementwise arithmetic on two tensors. Raw values match `strata_binary_op`.
public enum BinaryOperation: Int32, Sendable, CaseIterable {
    case add = 0, subtract, multiply, divide, pow, maximum, minimum
}

/// Elementwise comparisons producing `bool`. Raw values match `strata_compare_op`.
public enum ComparisonOperation: Int32, Sendable, CaseIterable {
    case equal = 0, notEqual, less, lessOrEqual, greater, greaterOrEqual
}

/// Elementwise logic on `bool` tensors.
public enum LogicalOperation: Sendable, CaseIterable {
    case and, or
}

/// Reductions along axes. Raw values match `strata_reduce_op`.
public enum ReductionOperation: Int32, Sendable, CaseIterable {
    case sum = 0, max, min
}

/// The kernels every backend provides: the closed set of primitives that ops and their
/// derivative rules are written in. Inputs may be any strided views; results are new contiguous
/// tensors. Shapes are already checked and broadcast by the op layer, which also records the
/// autodiff graph: backends never see gradients.
public protocol Backend: Sendable {
    /// A short name for messages and benchmarks.
    var name: String { get }
    /// Writes `source` element by element into `destination`, a view of the same shape into a
    /// buffer the caller owns and no other tensor reads.
    func copy(_ source: Tensor, into destination: Tensor)
    /// A contiguous tensor of `shape` with every element equal to `value`.
    func full(shape: [Int], value: Double, dtype: DType) -> Tensor
    /// Element type conversion (floats to integers truncate toward zero; nonzero is true).
    func cast(_ x: Tensor, to dtype: DType) -> Tensor
    /// `op` applied to every element of a floating-point tensor (negate, abs, sign and square
    /// also take integers).
    func unary(_ op: UnaryOperation, _ x: Tensor) -> Tensor
    /// `op` applied to two numeric tensors of equal shape and dtype.
    func binary(_ op: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor
    /// Elementwise comparison of two numeric tensors of equal shape and dtype.
    func compare(_ op: ComparisonOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor
    /// Elementwise `and`/`or` of two `bool` tensors of equal shape.
    func logical(_ op: LogicalOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor
    /// Elementwise negation of a `bool` tensor.
    func logicalNot(_ x: Tensor) -> Tensor
    /// `condition ? lhs : rhs` elementwise; all three have one shape, `condition` is `bool`.
    func select(_ condition: Tensor, _ lhs: Tensor, _ rhs: Tensor) -> Tensor
    /// Reduces the given (sorted, distinct) axes; the result keeps them with size 1.
    func reduce(_ op: ReductionOperation, _ x: Tensor, axes: [Int]) -> Tensor
    /// The index (int64) of the first maximum or minimum along `axis`, kept with size 1.
    func argReduce(maximum: Bool, _ x: Tensor, axis: Int) -> Tensor
    /// Batched matrix product: `lhs [batch, m, k]` times `rhs [batch, k, n]` is `[batch, m, n]`.
    func matmul(_ lhs: Tensor, _ rhs: Tensor) -> Tensor
    /// `result[i][j][k] = x[index[i][j][k]][j][k]` for axis 0, and so on (PyTorch's gather);
    /// `index` is int64 with the result's shape.
    func gather(_ x: Tensor, axis: Int, index: Tensor) -> Tensor
    /// A copy of `base` with `base[index[i][j][k]][j][k] += source[i][j][k]` for axis 0, and so on
    /// (PyTorch's scatter_add); `index` is int64 with `source`'s shape.
    func scatterAdd(_ base: Tensor, axis: Int, index: Tensor, source: Tensor) -> Tensor
    /// 2-D convolution: `x [n, inChannels, h, w]` with `weight [outChannels, inChannels / groups,
    /// kh, kw]` gives `[n, outChannels, oh, ow]` (cross-correlation, as PyTorch; no bias).
    func convolution(_ x: Tensor, _ weight: Tensor, geometry: ConvolutionGeometry) -> Tensor
    /// The gradient of `convolution` with respect to its input of shape `inputShape`: also the
    /// forward pass of a transposed convolution.
    func convolutionBackwardInput(_ gradient: Tensor, _ weight: Tensor, inputShape: [Int], geometry: ConvolutionGeometry) -> Tensor
    /// The gradient of `convolution` with respect to its weight of shape `weightShape`.
    func convolutionBackwardWeight(_ x: Tensor, _ gradient: Tensor, weightShape: [Int], geometry: ConvolutionGeometry) -> Tensor
    /// Max pooling of `[n, c, h, w]`: the maxima and, for each, its int64 position `row * w + column`
    /// within its input plane (the first one on ties; the last NaN, as PyTorch).
    func maxPool(_ x: Tensor, geometry: PoolingGeometry) -> (values: Tensor, indices: Tensor)
    /// Average pooling of `[n, c, h, w]`.
    func averagePool(_ x: Tensor, geometry: PoolingGeometry) -> Tensor
    /// The gradient of `averagePool` with respect to its input of shape `inputShape`.
    func averagePoolBackward(_ gradient: Tensor, inputShape: [Int], geometry: PoolingGeometry) -> Tensor
    /// Batch normalization in training of a float `x [n, c, ...]` over every axis but 1: the
    /// per-channel mean, biased variance and `1 / sqrt(variance + epsilon)`, and the output
    /// `(x - mean) * inverseStandardDeviation * weight + bias` with `x`'s shape (no weight: 1, no
    /// bias: 0). `weight` and `bias` are `[c]`; the statistics are `[c]` in `x`'s dtype.
    func batchNormalization(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) -> BatchNormalization
    /// The gradients of `batchNormalization`'s output with respect to `x`, `weight` and `bias`,
    /// from its saved `mean` and `inverseStandardDeviation` (x̂ = (x - mean) * inverseStandardDeviation,
    /// sums and means per channel): `dx = weight * inverseStandardDeviation * (g - mean(g) - x̂ mean(g x̂))`,
    /// `dweight = Σ g x̂`, `dbias = Σ g`.
    func batchNormalizationBackward(_ gradient: Tensor, _ x: Tensor, mean: Tensor, inverseStandardDeviation: Tensor,
                                    weight: Tensor?) -> (input: Tensor, weight: Tensor, bias: Tensor)
    /// The LSTM recurrence over a whole float sequence (PyTorch's equations, gates i, f, g, o):
    /// `projected [time, batch, 4 * hidden]` (input projection and both biases), initial states
    /// `hidden` and `cell` `[batch, hidden]`, `hiddenWeight [4 * hidden, hidden]`. `reverse` runs
    /// from the last step to the first; results stay at their own time positions.
    func lstmSequence(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool) -> LSTMSequence
    /// The gradients of `lstmSequence` given those of its hidden states `[time, batch, hidden]`
    /// and of its final cell state `[batch, hidden]`; `forward` is what the forward pass returned.
    func lstmSequenceBackward(hiddensGradient: Tensor, cellGradient: Tensor, hidden: Tensor, cell: Tensor,
                              hiddenWeight: Tensor, forward: LSTMSequence, reverse: Bool) -> LSTMSequenceGradients
}

/// The result of `Backend.lstmSequence`, kept whole for its gradient.
public struct LSTMSequence: @unchecked Sendable {
    /// `[time, batch, hidden]`: the hidden state after each step.
    public var hiddens: Tensor
    /// `[time, batch, hidden]`: the cell state after each step.
    public var cells: Tensor
    /// `[time, batch, 4 * hidden]`: the activated gates σ(i), σ(f), tanh(g), σ(o) of each step.
    public var gates: Tensor

    public init(hiddens: Tensor, cells: Tensor, gates: Tensor) {
        self.hiddens = hiddens
        self.cells = cells
        self.gates = gates
    }
}

/// The gradients `Backend.lstmSequenceBackward` returns, one per input of `lstmSequence`.
public struct LSTMSequenceGradients: @unchecked Sendable {
    /// `[time, batch, 4 * hidden]`: also the gradient of the gates' pre-activations.
    public var projected: Tensor
    /// `[batch, hidden]`: of the initial hidden state.
    public var hidden: Tensor
    /// `[batch, hidden]`: of the initial cell state.
    public var cell: Tensor
    /// `[4 * hidden, hidden]`: the sum over steps of the gates' gradient times the previous hidden state.
    public var hiddenWeight: Tensor

    public init(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor) {
        self.projected = projected
        self.hidden = hidden
        self.cell = cell
        self.hiddenWeight = hiddenWeight
    }
}

extension Backend {
    /// A dense row-major copy of `x`.
    public func contiguous(_ x: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        copy(x, into: result)
        return result
    }
}

/// Which backend the ops of the current task run on.
public enum Backends {
    /// The backend used by tensor operations in the current task (the CPU backend by default).
    @TaskLocal public static var current: any Backend = CPUBackend.shared
}

/// Runs `body` with every tensor operation of this task dispatched to `backend`.
///
///     let expected = withBackend(ReferenceBackend()) { exp(x) }
public func withBackend<Result>(_ backend: any Backend, _ body: () throws -> Result) rethrows -> Result {
    try Backends.$current.withValue(backend, operation: body)
}

/// The result of `Backend.batchNormalization`: the output and the per-channel statistics `[c]`.
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
