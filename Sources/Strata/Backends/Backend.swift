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
/// autodiff graph: backends never see gradients. Beyond the primitives a backend may offer fused
/// kernels for named composite ops through `fusedKernels`, the one seam for them.
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

    /// The fused kernels this backend offers for composite ops (`FusedKernels`); none by default,
    /// so that a backend of primitives alone runs every composite as written.
    var fusedKernels: FusedKernels { get }
    /// Where the tensors this backend reads and writes live; `.cpu` by default.
    var device: Device { get }
}

extension Backend {
    public var fusedKernels: FusedKernels { FusedKernels() }
    public var device: Device { .cpu }

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
