import RealModule

// The fused LSTM sequence in plain loops: the specification of `lstmSequence` and its gradient.
// Equations (PyTorch's `nn.LSTM`), for each step t in processing order, with p the previous step
// (t - 1, or t + 1 in reverse) and h_p, c_p the initial states at the first step:
//
//     a = projected[t] + h_p W_hh^T            [batch, 4 hidden], split into i, f, g, o
//     i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o)
//     c_t = f c_p + i g;   h_t = o tanh(c_t)
//
// and backward, with dh_t = (gradient of h_t) + (dgates of the step after) W_hh:
//
//     do = dh tanh(c_t);   dc = dc_carry + dh o (1 - tanh²(c_t))
//     da_i = dc g i (1 - i);   da_f = dc c_p f (1 - f);   da_g = dc i (1 - g²);   da_o = do o (1 - o)
//     dc_carry = dc f;   dW_hh += da^T h_p
extension ReferenceBackend {
    public func lstmSequence(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool) -> LSTMSequence {
        switch projected.dtype {
        case .float32: lstmForward(projected, hidden, cell, hiddenWeight, reverse: reverse, as: Float.self)
        case .float64: lstmForward(projected, hidden, cell, hiddenWeight, reverse: reverse, as: Double.self)
        default: preconditionFailure("lstmSequence: needs float32 or float64 tensors, got \(projected.dtype)")
        }
    }

    public func lstmSequenceBackward(hiddensGradient: Tensor, cellGradient: Tensor, hidden: Tensor, cell: Tensor,
                                     hiddenWeight: Tensor, forward: LSTMSequence, reverse: Bool) -> LSTMSequenceGradients {
        switch hiddensGradient.dtype {
        case .float32:
            lstmBackward(hiddensGradient, cellGradient, hidden, cell, hiddenWeight, forward, reverse: reverse, as: Float.self)
        case .float64:
            lstmBackward(hiddensGradient, cellGradient, hidden, cell, hiddenWeight, forward, reverse: reverse, as: Double.self)
        default: preconditionFailure("lstmSequenceBackward: needs float32 or float64 tensors, got \(hiddensGradient.dtype)")
        }
    }

    /// The time index of processing step `step`, and that of the step before it (nil: the initial state).
    static func lstmTimes(step: Int, time: Int, reverse: Bool) -> (current: Int, previous: Int?) {
        let current = reverse ? time - 1 - step : step
        return (current, step == 0 ? nil : (reverse ? current + 1 : current - 1))
    }

    private func lstmForward<T: Real & BinaryFloatingPoint>(_ projected: Tensor, _ hidden: Tensor, _ cell: Tensor,
                                                             _ hiddenWeight: Tensor, reverse: Bool, as: T.Type) -> LSTMSequence {
        let (time, batch, width) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let size = width / 4
        // The gates start as the projected inputs and become the activations in place.
        let gates = contiguous(projected)
        let hiddens = Tensor(uninitializedShape: [time, batch, size], dtype: projected.dtype)
        let cells = Tensor(uninitializedShape: [time, batch, size], dtype: projected.dtype)
        let (h0, c0, weight) = (contiguous(hidden), contiguous(cell), contiguous(hiddenWeight))
        let a = gates.elementPointer(as: T.self), w = weight.elementPointer(as: T.self)
        let (hs, cs) = (hiddens.elementPointer(as: T.self), cells.elementPointer(as: T.self))
        for step in 0..<time {
            let (t, previous) = Self.lstmTimes(step: step, time: time, reverse: reverse)
            let hPrevious = previous.map { hs + $0 * batch * size } ?? h0.elementPointer(as: T.self)
            let cPrevious = previous.map { cs + $0 * batch * size } ?? c0.elementPointer(as: T.self)
            for b in 0..<batch {
                let row = a + (t * batch + b) * width
                for n in 0..<width {
                    var total = T.zero
                    for k in 0..<size { total += hPrevious[b * size + k] * w[n * size + k] }
                    row[n] = row[n] + total
                }
                for j in 0..<size {
                    let i = Self.apply(.sigmoid, row[j]), f = Self.apply(.sigmoid, row[size + j])
                    let g = Self.apply(.tanh, row[2 * size + j]), o = Self.apply(.sigmoid, row[3 * size + j])
                    let c = f * cPrevious[b * size + j] + i * g
                    (row[j], row[size + j], row[2 * size + j], row[3 * size + j]) = (i, f, g, o)
                    cs[(t * batch + b) * size + j] = c
                    hs[(t * batch + b) * size + j] = o * Self.apply(.tanh, c)
                }
            }
        }
        return LSTMSequence(hiddens: hiddens, cells: cells, gates: gates)
    }

    private func lstmBackward<T: Real & BinaryFloatingPoint>(_ hiddensGradient: Tensor, _ cellGradient: Tensor, _ hidden: Tensor,
                                                              _ cell: Tensor, _ hiddenWeight: Tensor, _ forward: LSTMSequence,
                                                              reverse: Bool, as: T.Type) -> LSTMSequenceGradients {
        let (time, batch, width) = (forward.gates.shape[0], forward.gates.shape[1], forward.gates.shape[2])
        let size = width / 4
        let dtype = hiddensGradient.dtype
        let dGates = Tensor(uninitializedShape: [time, batch, width], dtype: dtype)
        let dWeight = full(shape: [width, size], value: 0, dtype: dtype)
        // The gradient reaching h_t through the next step, and the cell gradient carried back.
        let dHidden = full(shape: [batch, size], value: 0, dtype: dtype)
        let dCell = contiguous(cellGradient)
        let (dhs, h0, c0, weight) = (contiguous(hiddensGradient), contiguous(hidden), contiguous(cell), contiguous(hiddenWeight))
        let (a, w, da, dw) = (forward.gates.elementPointer(as: T.self), weight.elementPointer(as: T.self),
                              dGates.elementPointer(as: T.self), dWeight.elementPointer(as: T.self))
        let (hs, cs, dh, dc) = (forward.hiddens.elementPointer(as: T.self), forward.cells.elementPointer(as: T.self),
                                dHidden.elementPointer(as: T.self), dCell.elementPointer(as: T.self))
        let dOutput = dhs.elementPointer(as: T.self)
        for step in (0..<time).reversed() {
            let (t, previous) = Self.lstmTimes(step: step, time: time, reverse: reverse)
            let hPrevious = previous.map { hs + $0 * batch * size } ?? h0.elementPointer(as: T.self)
            let cPrevious = previous.map { cs + $0 * batch * size } ?? c0.elementPointer(as: T.self)
            for b in 0..<batch {
                let row = a + (t * batch + b) * width, dRow = da + (t * batch + b) * width
                for j in 0..<size {
                    let (i, f, g, o) = (row[j], row[size + j], row[2 * size + j], row[3 * size + j])
                    let state = (t * batch + b) * size + j
                    let dh = dOutput[state] + dh[b * size + j]
                    let tanhCell = Self.apply(.tanh, cs[state])
                    let dCellTotal = dc[b * size + j] + dh * o * (1 - tanhCell * tanhCell)
                    dRow[j] = dCellTotal * g * i * (1 - i)
                    dRow[size + j] = dCellTotal * cPrevious[b * size + j] * f * (1 - f)
                    dRow[2 * size + j] = dCellTotal * i * (1 - g * g)
                    dRow[3 * size + j] = dh * tanhCell * o * (1 - o)
                    dc[b * size + j] = dCellTotal * f
                }
                for k in 0..<size {
                    var total = T.zero
                    for n in 0..<width { total += dRow[n] * w[n * size + k] }
                    dh[b * size + k] = total
                }
                for n in 0..<width {
                    for k in 0..<size { dw[n * size + k] += dRow[n] * hPrevious[b * size + k] }
                }
            }
        }
        return LSTMSequenceGradients(projected: dGates, hidden: dHidden, cell: dCell, hiddenWeight: dWeight)
    }
}
