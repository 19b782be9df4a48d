/// A fused kernel for the composite `gruSequence` (the GRU recurrence over a whole sequence,
/// PyTorch's equations, gates r, z, n, with `r * (W_hn h + b_hn)`), offered by a backend through
/// `FusedKernels`.
///
/// Forward: `projected [time, batch, 3 * hidden]` (input projection with `b_ih`), the initial
/// state `hidden [batch, hidden]`, `hiddenWeight [3 * hidden, hidden]` and `hiddenBias`
/// `[3 * hidden]` (`b_hh`, or nil); `reverse` runs from the last step to the first, results
/// staying at their own time positions. Backward: the gradients of every input given those of
/// the hidden states `[time, batch, hidden]`, from what `forward` returned. Inputs may be
/// strided views; shapes are already checked by the op.
public protocol GRUSequenceKernel: Sendable {
    /// Whether the kernel runs these inputs (dtype, sizes, device); the op runs the composite
    /// otherwise.
    func supports(projected: Tensor) -> Bool
    /// The hidden states after every step, and what the backward pass needs.
    func forward(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor?, reverse: Bool) -> GRUSequence
    /// The gradients of `forward`'s inputs.
    func backward(hiddensGradient: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor?, forward: GRUSequence,
                  reverse: Bool) -> GRUSequenceGradients
}

/// What `GRUSequenceKernel.forward` returns, kept whole for its gradient.
public struct GRUSequence: @unchecked Sendable {
    /// `[time, batch, hidden]`: the hidden state after each step.
    public var hiddens: Tensor
    /// `[time, batch, 3 * hidden]`: the gates r, z and the candidate n of each step.
    public var gates: Tensor
    /// `[time, batch, 3 * hidden]`: `h_previous W_hh^T + b_hh` of each step.
    public var hiddenProjections: Tensor

    public init(hiddens: Tensor, gates: Tensor, hiddenProjections: Tensor) {
        self.hiddens = hiddens
        self.gates = gates
        self.hiddenProjections = hiddenProjections
    }
}

/// The gradients `GRUSequenceKernel.backward` returns, one per input of the forward pass.
public struct GRUSequenceGradients: @unchecked Sendable {
    /// `[time, batch, 3 * hidden]`: of the input projections.
    public var projected: Tensor
    /// `[batch, hidden]`: of the initial hidden state.
    public var hidden: Tensor
    /// `[3 * hidden, hidden]`: the sum over steps of the hidden projection's gradient times the
    /// previous hidden state.
    public var hiddenWeight: Tensor
    /// `[3 * hidden]`, nil without a hidden bias: the sum of the hidden projection's gradient.
    public var hiddenBias: Tensor?

    public init(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor?) {
        self.projected = projected
        self.hidden = hidden
        self.hiddenWeight = hiddenWeight
        self.hiddenBias = hiddenBias
    }
}
