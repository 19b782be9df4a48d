/// One GRU step with PyTorch's equations and gate order (reset, update, new), the reset gate
/// multiplying the hidden projection including its bias:
///
///     hp = h W_hh^T + b_hh;   r = σ(a_r + hp_r);   z = σ(a_z + hp_z)
///     n = tanh(a_n + r hp_n);   h' = (1 - z) n + z h   (computed as n + z (h - n))
///
/// `projected`: `[batch, 3 * hidden]`, the step's input projection `a = x W_ih^T + b_ih`;
/// `hidden`: the state `[batch, hidden]`; `hiddenWeight`: `W_hh` `[3 * hidden, hidden]`;
/// `hiddenBias`: `b_hh` `[3 * hidden]` or nil. Returns the new state. A composite of core ops:
/// the step that `gruSequence` repeats, and the GRU layer's step for padded batches.
public func gruCell(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor? = nil) -> Tensor {
    let size = hidden.rank == 2 ? hidden.shape[1] : -1
    precondition(hidden.rank == 2 && projected.shape == [hidden.shape[0], 3 * size] && hiddenWeight.shape == [3 * size, size]
                 && (hiddenBias == nil || hiddenBias!.shape == [3 * size]),
                 "gruCell: hidden \(hidden.shape) needs projected [batch, 3 * hidden], hiddenWeight [3 * hidden, hidden] and "
                 + "hiddenBias [3 * hidden], got \(projected.shape), \(hiddenWeight.shape) and \(hiddenBias?.shape ?? [])")
    var hiddenProjection = matmul(hidden, hiddenWeight.transposed())
    if let hiddenBias { hiddenProjection = hiddenProjection + hiddenBias }
    // One sigmoid over the reset and update gates, then views.
    let resetAndUpdate = sigmoid(projected.sliced(axis: 1, start: 0, end: 2 * size) + hiddenProjection.sliced(axis: 1, start: 0, end: 2 * size))
    let reset = resetAndUpdate.sliced(axis: 1, start: 0, end: size)
    let update = resetAndUpdate.sliced(axis: 1, start: size, end: 2 * size)
    let candidate = tanh(projected.sliced(axis: 1, start: 2 * size, end: 3 * size)
                         + reset * hiddenProjection.sliced(axis: 1, start: 2 * size, end: 3 * size))
    return candidate + update * (hidden - candidate)
}

/// The GRU recurrence over a whole sequence: `gruCell` at every step, from `hidden`.
///
/// `projected`: `[time, batch, 3 * hidden]`, the input projection of every step with `b_ih`;
/// `hidden`: the initial state `[batch, hidden]`; `hiddenWeight`: `W_hh` `[3 * hidden, hidden]`;
/// `hiddenBias`: `b_hh` `[3 * hidden]` or nil; `reverse`: run from the last step to the first, as
/// the backward direction of a bidirectional layer. Returns the hidden state after every step
/// `[time, batch, hidden]`, each at its own time position (the final state is the last one, or
/// the first in reverse).
///
/// The step-by-step composite is the specification. A backend that offers a fused kernel for it
/// (`FusedKernels.gruSequence`, the CPU backend in float32 and float64) runs that instead: one
/// graph node for the sequence, whose gradient computes `dW_hh` and `db_hh` as one matrix
/// product each over all steps.
public func gruSequence(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor? = nil, reverse: Bool = false)
    -> Tensor {
    precondition(projected.rank == 3 && projected.shape[0] > 0 && projected.shape[2] % 3 == 0,
                 "gruSequence: projected \(projected.shape) must be [time > 0, batch, 3 * hidden]")
    let (time, batch, size) = (projected.shape[0], projected.shape[1], projected.shape[2] / 3)
    precondition(hidden.shape == [batch, size] && hiddenWeight.shape == [3 * size, size]
                 && (hiddenBias == nil || hiddenBias!.shape == [3 * size]),
                 "gruSequence: projected \(projected.shape) needs hidden [\(batch), \(size)], hiddenWeight [\(3 * size), \(size)] "
                 + "and hiddenBias [\(3 * size)], got \(hidden.shape), \(hiddenWeight.shape) and \(hiddenBias?.shape ?? [])")
    precondition(projected.dtype.isFloatingPoint && ([hidden, hiddenWeight] + (hiddenBias.map { [$0] } ?? [])).allSatisfy { $0.dtype == projected.dtype },
                 "gruSequence: needs floating-point tensors of one dtype, got \(projected.dtype), \(hidden.dtype), "
                 + "\(hiddenWeight.dtype) and \(hiddenBias?.dtype ?? projected.dtype)")
    if let kernel = Backends.current.fusedKernels.gruSequence, kernel.supports(projected: projected) {
        let forward = kernel.forward(projected: projected, hidden: hidden, hiddenWeight: hiddenWeight, hiddenBias: hiddenBias,
                                     reverse: reverse)
        return Tensor.recording(forward.hiddens, inputs: [projected, hidden, hiddenWeight] + (hiddenBias.map { [$0] } ?? []),
                                DerivativeRules.gruSequence(kernel, hidden: hidden, hiddenWeight: hiddenWeight, hiddenBias: hiddenBias,
                                                            forward: forward, reverse: reverse))
    }
    var state = hidden
    var hiddens = [Tensor?](repeating: nil, count: time)
    for t in reverse ? Array((0..<time).reversed()) : Array(0..<time) {
        state = gruCell(projected: projected[.index(t)], hidden: state, hiddenWeight: hiddenWeight, hiddenBias: hiddenBias)
        hiddens[t] = state
    }
    return Tensor.stack(hiddens.map { $0! }, axis: 0)
}
