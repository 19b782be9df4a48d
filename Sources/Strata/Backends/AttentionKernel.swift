/// A fused kernel for the composite `scaledDotProductAttention`, offered by a backend through
/// `FusedKernels`.
///
/// Forward: `softmax(query keyᵀ * scale + mask) value` for query `[..., queries, depth]`, key
/// `[..., keys, depth]`, value `[..., keys, valueDepth]` (equal leading dimensions), with an
/// optional mask broadcastable to `[..., queries, keys]` (bool: keep where true; float: added)
/// and top-left aligned causal masking. Backward: the gradients of query, key and value from the
/// output's, given what `forward` returned (the mask takes none). Inputs may be strided views;
/// shapes are already checked by the op.
public protocol AttentionKernel: Sendable {
    /// Whether the kernel runs these inputs (dtype, sizes, device, an untracked mask); the op
    /// runs the composite otherwise.
    func supports(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?) -> Bool
    /// The output and what the backward pass needs.
    func forward(query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double) -> AttentionForward
    /// The gradients of query, key and value.
    func backward(_ gradient: Tensor, query: Tensor, key: Tensor, value: Tensor, mask: Tensor?, causal: Bool, scale: Double,
                  forward: AttentionForward) -> (query: Tensor, key: Tensor, value: Tensor)
}

/// What `AttentionKernel.forward` returns: the output `[..., queries, valueDepth]` and each
/// query row's log-sum-exp of its scaled, masked scores `[..., queries]` (flash attention's
/// statistic, from which the backward pass recomputes the softmax).
public struct AttentionForward: @unchecked Sendable {
    public var output: Tensor
    public var logSumExp: Tensor

    public init(output: Tensor, logSumExp: Tensor) {
        self.output = output
        self.logSumExp = logSumExp
    }
}
