/// A fused kernel for the composite `lstmSequence` (the LSTM recurrence over a whole sequence,
/// PyTorch's equations, gates i, f, g, o), offered by a backend through `FusedKernels`.
///
/// Forward: `projected [time, batch, 4 * hidden]` (input projection and both biases), initial
/// states `hidden` and `cell` `[batch, hidden]`, `hiddenWeight [4 * hidden, hidden]`; `reverse`
/// runs from the last step to the first, results staying at their own time positions. Backward:
/// the gradients of every input given those of the hidden states `[time, batch, hidden]` and of
/// the final cell state `[batch, hidden]`, from what `forward` returned. Inputs may be strided
/// views; shapes are already checked by the op.
public protocol LSTMSequenceKernel: Sendable {
    /// Whether the kernel runs these inputs (dtype, sizes, device); the op runs the composite
    /// otherwise.
    func supports(projected: Tensor) -> Bool
    /// The hidden and cell states after every step, and what the backward pass needs.
    func forward(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool) -> LSTMSequence
    /// The gradients of `forward`'s inputs.
    func backward(hiddensGradient: Tensor, cellGradient: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor,
                  forward: LSTMSequence, reverse: Bool) -> LSTMSequenceGradients
}

/// What `LSTMSequenceKernel.forward` returns, kept whole for its gradient.
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

/// The gradients `LSTMSequenceKernel.backward` returns, one per input of the forward pass.
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
