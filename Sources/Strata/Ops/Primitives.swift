/// The closed set of primitive operations. Each computes its value on the current backend and
/// records its derivative rule (from `DerivativeRules`) when an input is tracked. Every other
/// op in Strata is a composite of these and needs no rule of its own; a composite that a backend
/// runs as a fused kernel (`FusedKernels`) records the kernel's rule, also in `DerivativeRules`.
extension Tensor {
    static func unaryPrimitive(_ op: UnaryOperation, _ x: Tensor) -> Tensor {
        let y = Backends.current.unary(op, x)
        guard x.node != nil else { return y }
        return recording(y, inputs: [x], DerivativeRules.unary(op, x: x, y: y))
    }

    /// Elementwise arithmetic on two tensors of one shape and dtype (broadcasting happens before).
    ///
    /// Unary and binary primitives test for tracked inputs before `recording`: building its
    /// `inputs` array (and retaining each tensor's buffers) costs as much as the rest of a small
    /// op, and most elementwise ops run untracked.
    static func binaryPrimitive(_ op: BinaryOperation, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let y = Backends.current.binary(op, lhs, rhs)
        guard lhs.node != nil || rhs.node != nil else { return y }
        return recording(y, inputs: [lhs, rhs], DerivativeRules.binary(op, lhs: lhs, rhs: rhs, y: y))
    }

    static func selectPrimitive(_ condition: Tensor, _ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let y = Backends.current.select(condition, lhs, rhs)
        return recording(y, inputs: [lhs, rhs], DerivativeRules.selection(condition))
    }

    /// Reduction over sorted, distinct axes; the result keeps them with size 1.
    static func reducePrimitive(_ op: ReductionOperation, _ x: Tensor, axes: [Int]) -> Tensor {
        let y = Backends.current.reduce(op, x, axes: axes)
        return recording(y, inputs: [x], DerivativeRules.reduce(op, x: x, y: y))
    }

    static func castPrimitive(_ x: Tensor, to dtype: DType) -> Tensor {
        let y = Backends.current.cast(x, to: dtype)
        guard x.dtype.isFloatingPoint && dtype.isFloatingPoint else { return y }
        return recording(y, inputs: [x], DerivativeRules.cast(from: x.dtype))
    }

    static func contiguousPrimitive(_ x: Tensor) -> Tensor {
        recording(Backends.current.contiguous(x), inputs: [x], DerivativeRules.identity)
    }

    /// A new view of the same storage: reshape of a contiguous tensor, permute, expand, slice;
    /// `rule` is the view's rule from `DerivativeRules`, built only when `x` is tracked.
    static func viewPrimitive(_ x: Tensor, shape: [Int], strides: [Int], offset: Int,
                              _ rule: @autoclosure () -> GradientNode.Pullback) -> Tensor {
        let y = Tensor(storage: x.storage, shape: shape, strides: strides, offset: offset, dtype: x.dtype)
        return recording(y, inputs: [x], rule())
    }

    /// A slice, the view of `x` that sits at `region` of a dense tensor of `x`'s shape. Its node
    /// carries the region besides the rule, so that backward assembles the gradients of all
    /// slices of one tensor at once (`Backpropagation`) instead of adding zero-filled ones.
    static func slicePrimitive(_ x: Tensor, shape: [Int], strides: [Int], offset: Int, region: Region) -> Tensor {
        var y = Tensor(storage: x.storage, shape: shape, strides: strides, offset: offset, dtype: x.dtype)
        guard let node = x.node, GradientRecording.isEnabled else { return y }
        y.node = GradientNode(inputs: [node], shape: shape, dtype: x.dtype, region: region,
                              pullback: DerivativeRules.slice(from: x.shape, region: region))
        return y
    }

    /// A tensor of `shape` filled with `value`, with each part copied into its region (a view
    /// into the result's dense layout): the primitive behind pad, concat and slice gradients.
    /// When the parts cover every element (a concatenation, or the gradients of slices that
    /// tile their input) nothing is filled.
    static func assemblePrimitive(shape: [Int], dtype: DType, fill value: Double, parts: [(Tensor, Region)]) -> Tensor {
        let backend = Backends.current
        let result = Region.tile(parts.map { ($0.0.shape, $0.1) }, shape: shape)
            ? Tensor(uninitializedShape: shape, dtype: dtype) : backend.full(shape: shape, value: value, dtype: dtype)
        for (part, region) in parts where part.scalarCount > 0 {
            backend.copy(part, into: region.view(of: result, shape: part.shape))
        }
        return recording(result, inputs: parts.map(\.0), DerivativeRules.assemble(parts.map(\.1), partShapes: parts.map(\.0.shape)))
    }

    static func gatherPrimitive(_ x: Tensor, axis: Int, index: Tensor) -> Tensor {
        let y = Backends.current.gather(x, axis: axis, index: index)
        return recording(y, inputs: [x], DerivativeRules.gather(shape: x.shape, axis: axis, index: index))
    }

    static func scatterAddPrimitive(_ base: Tensor, axis: Int, index: Tensor, source: Tensor) -> Tensor {
        let y = Backends.current.scatterAdd(base, axis: axis, index: index, source: source)
        return recording(y, inputs: [base, source], DerivativeRules.scatterAdd(axis: axis, index: index))
    }

    /// `[batch, m, k] x [batch, k, n] -> [batch, m, n]`.
    static func matmulPrimitive(_ lhs: Tensor, _ rhs: Tensor) -> Tensor {
        let y = Backends.current.matmul(lhs, rhs)
        return recording(y, inputs: [lhs, rhs], DerivativeRules.matmul(lhs: lhs, rhs: rhs))
    }
}

extension Tensor {
    /// 2-D convolution `[n, c, h, w] * [o, c / groups, kh, kw] -> [n, o, oh, ow]` (no bias).
    static func convolutionPrimitive(_ x: Tensor, _ weight: Tensor, geometry: ConvolutionGeometry) -> Tensor {
        let y = Backends.current.convolution(x, weight, geometry: geometry)
        return recording(y, inputs: [x, weight], DerivativeRules.convolution(x: x, weight: weight, geometry: geometry))
    }

    /// The adjoint of `convolutionPrimitive` with respect to its input: a transposed convolution
    /// from `x` (shaped like a convolution's output) to a tensor of `outputShape`.
    static func transposedConvolutionPrimitive(_ x: Tensor, _ weight: Tensor, outputShape: [Int],
                                               geometry: ConvolutionGeometry) -> Tensor {
        let y = Backends.current.convolutionBackwardInput(x, weight, inputShape: outputShape, geometry: geometry)
        return recording(y, inputs: [x, weight], DerivativeRules.transposedConvolution(x: x, weight: weight, geometry: geometry))
    }

    static func maxPoolPrimitive(_ x: Tensor, geometry: PoolingGeometry) -> Tensor {
        let (values, indices) = Backends.current.maxPool(x, geometry: geometry)
        return recording(values, inputs: [x], DerivativeRules.maxPool(inputShape: x.shape, indices: indices))
    }

    static func averagePoolPrimitive(_ x: Tensor, geometry: PoolingGeometry) -> Tensor {
        let y = Backends.current.averagePool(x, geometry: geometry)
        return recording(y, inputs: [x], DerivativeRules.averagePool(inputShape: x.shape, geometry: geometry))
    }
}
