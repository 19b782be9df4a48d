/// Scaled dot-product attention (Vaswani et al., 2017):
/// `softmax(query keyᵀ * scale + mask) value`.
///
/// query: `[..., queries, depth]`; key: `[..., keys, depth]`; value: `[..., keys, valueDepth]`
/// (the leading dimensions, usually `[batch, heads]`, equal in all three); returns
/// `[..., queries, valueDepth]`.
/// - `mask`: broadcastable to `[..., queries, keys]`; a bool mask keeps the positions that are
///   true (PyTorch's convention), a floating-point mask is added to the scores. It carries no
///   gradient on the fused path; a tracked floating-point mask takes the composite.
/// - `causal`: query i sees keys 0...i only (top-left aligned, as PyTorch's `is_causal`).
/// - `dropout`: probability of dropping an attention weight (inverted dropout, drawn from
///   `generator`, the task's default when nil); 0 in inference.
/// - `scale`: defaults to `1 / sqrt(depth)`.
///
/// Without dropout, a backend that offers a fused kernel for the inputs runs it
/// (`FusedKernels.attention`; the CPU backend's, float32, is tiled with an online softmax),
/// pinned to `scaledDotProductAttentionComposite`, the definition, by conformance tests. A row
/// whose keys are all masked has no softmax: its output is NaN on both paths.
public func scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil, causal: Bool = false,
                                      dropout: Double = 0, scale: Double? = nil, generator: RandomGenerator? = nil) -> Tensor {
    let scale = checkedAttentionScale(query: query, key: key, value: value, mask: mask, dropout: dropout, scale: scale)
    if dropout == 0, let fused = attentionKernel(query: query, key: key, value: value, mask: mask, causal: causal, scale: scale) {
        return fused
    }
    return scaledDotProductAttentionComposite(query: query, key: key, value: value, mask: mask, causal: causal, dropout: dropout,
                                              scale: scale, generator: generator)
}

/// Scaled dot-product attention written with ordinary ops: the specification the fused kernel
/// is tested against. Same arguments and shapes as `scaledDotProductAttention`; it materializes
/// the `[..., queries, keys]` weights.
public func scaledDotProductAttentionComposite(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil,
                                               causal: Bool = false, dropout: Double = 0, scale: Double? = nil,
                                               generator: RandomGenerator? = nil) -> Tensor {
    let scale = checkedAttentionScale(query: query, key: key, value: value, mask: mask, dropout: dropout, scale: scale)
    var scores = matmul(query, key.transposed()) * scale
    if let mask { scores = mask.dtype == .bool ? select(mask, scores, scores.scalarLike(-.infinity)) : scores + mask }
    if causal {
        let (rows, columns) = (query.shape[query.rank - 2], key.shape[key.rank - 2])
        let row = Tensor.arange(0, Double(rows), dtype: .int64).reshaped(to: [rows, 1])
        let column = Tensor.arange(0, Double(columns), dtype: .int64).reshaped(to: [1, columns])
        scores = select(column .<= row, scores, scores.scalarLike(-.infinity))
    }
    // softmax along the keys: the shift by the detached maximum cancels and needs no gradient.
    let shift = withoutGradients { scores.detached.max(alongAxes: [scores.rank - 1], keepDims: true) }
    let exponentials = exp(scores - shift)
    var weights = exponentials / exponentials.sum(alongAxes: [scores.rank - 1], keepDims: true)
    if dropout > 0 {
        let keep = Tensor.bernoulli(weights.shape, probability: 1 - dropout, dtype: weights.dtype, generator: generator ?? .current)
        weights = weights * keep * (1 / (1 - dropout))
    }
    return matmul(weights, value)
}

/// The current backend's fused kernel where it offers one for these inputs, else nil.
func attentionKernel(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double) -> Tensor? {
    guard let kernel = Backends.current.fusedKernels.attention, kernel.supports(query: query, key: key, value: value, mask: mask)
    else { return nil }
    let forward = kernel.forward(query: query, key: key, value: value, mask: mask, causal: causal, scale: scale)
    return Tensor.recording(forward.output, inputs: [query, key, value],
                            DerivativeRules.attention(kernel, query: query, key: key, value: value, mask: mask, causal: causal,
                                                      scale: scale, forward: forward))
}

/// Traps on inconsistent shapes or dtypes and returns the scale to use.
private func checkedAttentionScale(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, dropout: Double,
                                   scale: Double?) -> Double {
    precondition(query.rank >= 2 && key.rank == query.rank && value.rank == query.rank,
                 "scaledDotProductAttention: query \(query.shape), key \(key.shape) and value \(value.shape) need one rank >= 2")
    let leading = Array(query.shape.dropLast(2))
    let (depth, keys) = (query.shape[query.rank - 1], key.shape[key.rank - 2])
    precondition(Array(key.shape.dropLast(2)) == leading && Array(value.shape.dropLast(2)) == leading
                    && key.shape[key.rank - 1] == depth && value.shape[value.rank - 2] == keys,
                 "scaledDotProductAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must be "
                    + "[..., queries, depth], [..., keys, depth] and [..., keys, valueDepth]")
    precondition(query.dtype.isFloatingPoint && key.dtype == query.dtype && value.dtype == query.dtype,
                 "scaledDotProductAttention: needs floating-point tensors of one dtype, got \(query.dtype), \(key.dtype), \(value.dtype)")
    if let mask {
        let scores = leading + [query.shape[query.rank - 2], keys]
        precondition(mask.rank <= scores.count && Shape.broadcast(mask.shape, scores) == scores,
                     "scaledDotProductAttention: mask \(mask.shape) does not broadcast to the scores \(scores)")
        precondition(mask.dtype == .bool || mask.dtype == query.dtype,
                     "scaledDotProductAttention: mask must be bool or \(query.dtype), got \(mask.dtype)")
    }
    precondition((0..<1).contains(dropout), "scaledDotProductAttention: dropout \(dropout) must be in [0, 1)")
    return scale ?? 1 / Double(max(depth, 1)).squareRoot()
}
