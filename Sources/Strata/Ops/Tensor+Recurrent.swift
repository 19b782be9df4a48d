/// The LSTM recurrence over a whole sequence in one fused op, with PyTorch's equations and gate
/// order (input, forget, cell, output):
///
///     i, f, g, o = σ, σ, tanh, σ of (projected[t] + h W_hh^T) split in four
///     c' = f c + i g;   h' = o tanh(c')
///
/// `projected`: `[time, batch, 4 * hidden]`, the input projection of every step with both biases
/// (`x W_ih^T + b_ih + b_hh`); `hidden`, `cell`: the initial states `[batch, hidden]`;
/// `hiddenWeight`: `W_hh` `[4 * hidden, hidden]`; `reverse`: run from the last step to the
/// first, as the backward direction of a bidirectional layer. Returns the hidden state after
/// every step `[time, batch, hidden]` (at its own time position) and the final cell state
/// `[batch, hidden]`. Equal to the step-by-step composite of ops, but records one graph node for
/// the sequence, and its gradient computes `dW_hh` as one matrix product over all steps.
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
    let packed = Tensor.lstmSequencePrimitive(projected, hidden: hidden, cell: cell, hiddenWeight: hiddenWeight, reverse: reverse)
    return (packed.sliced(axis: 0, start: 0, end: time), packed[.index(time)])
}
