/// A fused kernel for the composite `rnnSequence` (the Elman recurrence over a whole sequence,
/// `h' = act(projected + h W_hh^T)` with tanh or ReLU), offered by a backend through `FusedKernels`.
///
/// Forward: `projected [time, batch, hidden]` (input projection with both biases), the initial
/// state `hidden [batch, hidden]` and `hiddenWeight [hidden, hidden]`; `reverse` runs from the
/// last step to the first, results staying at their own time positions. Returns the hidden
/// states `[time, batch, hidden]`, which are all the backward pass needs besides the inputs.
/// Backward: the gradients of every input given those of the hidden states. Inputs may be
/// strided views; shapes are already checked by the op.
public protocol RNNSequenceKernel: Sendable {
    /// Whether the kernel runs these inputs (dtype, sizes, device); the op runs the composite
    /// otherwise.
    func supports(projected: Tensor, nonlinearity: RecurrentNonlinearity) -> Bool
    /// The hidden states after every step.
    func forward(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, nonlinearity: RecurrentNonlinearity, reverse: Bool) -> Tensor
    /// The gradients of `forward`'s inputs, from its result `hiddens`.
    func backward(hiddensGradient: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddens: Tensor,
                  nonlinearity: RecurrentNonlinearity, reverse: Bool) -> RNNSequenceGradients
}

/// The gradients `RNNSequenceKernel.backward` returns, one per input of the forward pass.
public struct RNNSequenceGradients: @unchecked Sendable {
    /// `[time, batch, hidden]`: of the input projections (the pre-activations' gradient).
    public var projected: Tensor
    /// `[batch, hidden]`: of the initial hidden state.
    public var hidden: Tensor
    /// `[hidden, hidden]`: the sum over steps of the pre-activations' gradient times the previous
    /// hidden state.
    public var hiddenWeight: Tensor

    public init(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor) {
        self.projected = projected
        self.hidden = hidden
        self.hiddenWeight = hiddenWeight
    }
}
