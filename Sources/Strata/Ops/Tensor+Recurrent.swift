/// One LSTM step with PyTorch's equations and gate order (input, forget, cell, output):
///
///     i, f, g, o = σ, σ, tanh, σ of (projected + h W_hh^T) split in four
///     c' = f c + i g;   h' = o tanh(c')
///
/// `projected`: `[batch, 4 * hidden]`, the step's input projection with both biases
/// (`x W_ih^T + b_ih + b_hh`); `hidden`, `cell`: the states `[batch, hidden]`; `hiddenWeight`:
/// `W_hh` `[4 * hidden, hidden]`. Returns the new states. A composite of core ops: the step that
/// `lstmSequence` repeats, and the LSTM layer's step for padded batches.
public func lstmCell(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor) -> (hidden: Tensor, cell: Tensor) {
    let size = hidden.rank == 2 ? hidden.shape[1] : -1
    precondition(hidden.rank == 2 && cell.shape == hidden.shape && projected.shape == [hidden.shape[0], 4 * size]
                 && hiddenWeight.shape == [4 * size, size],
                 "lstmCell: hidden \(hidden.shape) needs cell [batch, hidden], projected [batch, 4 * hidden] and hiddenWeight "
                 + "[4 * hidden, hidden], got \(cell.shape), \(projected.shape) and \(hiddenWeight.shape)")
    let gates = projected + matmul(hidden, hiddenWeight.transposed())
    // One sigmoid over all four gates, then views: fewer ops than four separate ones.
    let activated = sigmoid(gates)
    let inputGate = activated.sliced(axis: 1, start: 0, end: size)
    let forgetGate = activated.sliced(axis: 1, start: size, end: 2 * size)
    let candidate = tanh(gates.sliced(axis: 1, start: 2 * size, end: 3 * size))
    let outputGate = activated.sliced(axis: 1, start: 3 * size, end: 4 * size)
    let newCell = forgetGate * cell + inputGate * candidate
    return (outputGate * tanh(newCell), newCell)
}

/// The LSTM recurrence over a whole sequence: `lstmCell` at every step, from `hidden` and `cell`.
///
/// `projected`: `[time, batch, 4 * hidden]`, the input projection of every step with both biases;
/// `hidden`, `cell`: the initial states `[batch, hidden]`; `hiddenWeight`: `W_hh`
/// `[4 * hidden, hidden]`; `reverse`: run from the last step to the first, as the backward
/// direction of a bidirectional layer. Returns the hidden state after every step
/// `[time, batch, hidden]` (at its own time position) and the final cell state `[batch, hidden]`.
///
/// The step-by-step composite is the specification. A backend that offers a fused kernel for it
/// (`FusedKernels.lstmSequence`, the CPU backend in float32) runs that instead: one graph node for
/// the sequence, whose gradient computes `dW_hh` as one matrix product over all steps.
public func lstmSequence(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool = false)
    -> (hiddens: Tensor, cell: Tensor) {
    precondition(projected.rank == 3 && projected.shape[0] > 0 && projected.shape[2] % 4 == 0,
                 "lstmSequence: projected \(projected.shape) must be [time > 0, batch, 4 * hidden]")
    let (time, batch, size) = (projected.shape[0], projected.shape[1], projected.shape[2] / 4)
    precondition(hidden.shape == [batch, size] && cell.shape == [batch, size] && hiddenWeight.shape == [4 * size, size],
                 "lstmSequence: projected \(projected.shape) needs hidden and cell [\(batch), \(size)] and hiddenWeight "
                 + "[\(4 * size), \(size)], got \(hidden.shape), \(cell.shape) and \(hiddenWeight.shape)")
    precondition(projected.dtype.isFloatingPoint && [hidden, cell, hiddenWeight].allSatisfy { $0.dtype == projected.dtype },
                 "lstmSequence: needs floating-point tensors of one dtype, got \(projected.dtype), \(hidden.dtype), "
                 + "\(cell.dtype) and \(hiddenWeight.dtype)")
    if let kernel = Backends.current.fusedKernels.lstmSequence, kernel.supports(projected: projected) {
        let packed = Tensor.fusedLSTMSequence(kernel, projected, hidden: hidden, cell: cell, hiddenWeight: hiddenWeight,
                                              reverse: reverse)
        return (packed.sliced(axis: 0, start: 0, end: time), packed[.index(time)])
    }
    var state = (hidden: hidden, cell: cell)
    var hiddens = [Tensor?](repeating: nil, count: time)
    for t in reverse ? Array((0..<time).reversed()) : Array(0..<time) {
        state = lstmCell(projected: projected[.index(t)], hidden: state.hidden, cell: state.cell, hiddenWeight: hiddenWeight)
        hiddens[t] = state.hidden
    }
    return (Tensor.stack(hiddens.map { $0! }, axis: 0), state.cell)
}

extension Tensor {
    /// `lstmSequence` through a backend's fused kernel, packed into one result
    /// `[time + 1, batch, hidden]`: the hidden states of steps 0..<time, then the final cell
    /// state, so that the gradients of both reach one derivative rule.
    static func fusedLSTMSequence(_ kernel: any LSTMSequenceKernel, _ projected: Tensor, hidden: Tensor, cell: Tensor,
                                  hiddenWeight: Tensor, reverse: Bool) -> Tensor {
        let backend = Backends.current
        let forward = kernel.forward(projected: projected, hidden: hidden, cell: cell, hiddenWeight: hiddenWeight, reverse: reverse)
        let (time, batch, size) = (forward.hiddens.shape[0], forward.hiddens.shape[1], forward.hiddens.shape[2])
        let packed = Tensor(uninitializedShape: [time + 1, batch, size], dtype: projected.dtype)
        let last = reverse ? 0 : time - 1
        backend.copy(forward.hiddens, into: Region(offset: 0, strides: packed.strides).view(of: packed, shape: forward.hiddens.shape))
        backend.copy(forward.cells[.index(last)],
                     into: Region(offset: time * batch * size, strides: [size, 1]).view(of: packed, shape: [batch, size]))
        return recording(packed, inputs: [projected, hidden, cell, hiddenWeight],
                         DerivativeRules.lstmSequence(kernel, hidden: hidden, cell: cell, hiddenWeight: hiddenWeight,
                                                      forward: forward, reverse: reverse))
    }
}
