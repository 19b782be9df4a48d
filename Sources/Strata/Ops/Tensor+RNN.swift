/// The nonlinearity of an Elman RNN (PyTorch's `nonlinearity` argument).
public enum RecurrentNonlinearity: Sendable {
    case tanh, relu
}

/// One Elman RNN step: `h' = act(projected + h W_hh^T)`, with `act` tanh or ReLU.
///
/// `projected`: `[batch, hidden]`, the step's input projection with both biases
/// (`x W_ih^T + b_ih + b_hh`); `hidden`: the state `[batch, hidden]`; `hiddenWeight`: `W_hh`
/// `[hidden, hidden]`. Returns the new state. A composite of core ops: the step that
/// `rnnSequence` repeats, and the RNN layer's step for padded batches.
public func rnnCell(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, nonlinearity: RecurrentNonlinearity = .tanh) -> Tensor {
    let size = hidden.rank == 2 ? hidden.shape[1] : -1
    precondition(hidden.rank == 2 && projected.shape == hidden.shape && hiddenWeight.shape == [size, size],
                 "rnnCell: hidden \(hidden.shape) needs projected [batch, hidden] and hiddenWeight [hidden, hidden], got "
                 + "\(projected.shape) and \(hiddenWeight.shape)")
    let preactivation = projected + matmul(hidden, hiddenWeight.transposed())
    switch nonlinearity {
    case .tanh: return tanh(preactivation)
    case .relu: return relu(preactivation)
    }
}

/// The Elman RNN recurrence over a whole sequence: `rnnCell` at every step, from `hidden`.
///
/// `projected`: `[time, batch, hidden]`, the input projection of every step with both biases;
/// `hidden`: the initial state `[batch, hidden]`; `hiddenWeight`: `W_hh` `[hidden, hidden]`;
/// `reverse`: run from the last step to the first, as the backward direction of a bidirectional
/// layer. Returns the hidden state after every step `[time, batch, hidden]`, each at its own time
/// position.
///
/// The step-by-step composite is the specification. A backend that offers a fused kernel for it
/// (`FusedKernels.rnnSequence`, the CPU backend in float32 and float64) runs that instead: one
/// graph node for the sequence, whose gradient computes `dW_hh` as one matrix product over all steps.
public func rnnSequence(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, nonlinearity: RecurrentNonlinearity = .tanh,
                        reverse: Bool = false) -> Tensor {
    precondition(projected.rank == 3 && projected.shape[0] > 0,
                 "rnnSequence: projected \(projected.shape) must be [time > 0, batch, hidden]")
    let (time, batch, size) = (projected.shape[0], projected.shape[1], projected.shape[2])
    precondition(hidden.shape == [batch, size] && hiddenWeight.shape == [size, size],
                 "rnnSequence: projected \(projected.shape) needs hidden [\(batch), \(size)] and hiddenWeight [\(size), \(size)], "
                 + "got \(hidden.shape) and \(hiddenWeight.shape)")
    precondition(projected.dtype.isFloatingPoint && hidden.dtype == projected.dtype && hiddenWeight.dtype == projected.dtype,
                 "rnnSequence: needs floating-point tensors of one dtype, got \(projected.dtype), \(hidden.dtype) and \(hiddenWeight.dtype)")
    if let kernel = Backends.current.fusedKernels.rnnSequence, kernel.supports(projected: projected, nonlinearity: nonlinearity) {
        let hiddens = kernel.forward(projected: projected, hidden: hidden, hiddenWeight: hiddenWeight, nonlinearity: nonlinearity,
                                     reverse: reverse)
        return Tensor.recording(hiddens, inputs: [projected, hidden, hiddenWeight],
                                DerivativeRules.rnnSequence(kernel, hidden: hidden, hiddenWeight: hiddenWeight, hiddens: hiddens,
                                                            nonlinearity: nonlinearity, reverse: reverse))
    }
    var state = hidden
    var hiddens = [Tensor?](repeating: nil, count: time)
    for t in reverse ? Array((0..<time).reversed()) : Array(0..<time) {
        state = rnnCell(projected: projected[.index(t)], hidden: state, hiddenWeight: hiddenWeight, nonlinearity: nonlinearity)
        hiddens[t] = state
    }
    return Tensor.stack(hiddens.map { $0! }, axis: 0)
}
