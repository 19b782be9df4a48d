import CStrataDNNL
import CStrataKernels

/// The CPU backend's fused LSTM sequence in float32, the kernel behind `lstmSequence` (the
/// composite of `lstmCell` steps in Tensor+Recurrent.swift is its specification). Each step is
/// one GEMM for the recurrent product, accumulated onto the projected inputs, and one C kernel
/// for the gates and the cell; the backward pass mirrors it and leaves the weight gradient to
/// one GEMM over all steps at the end. With enough batch rows each thread runs the whole
/// sequence for its own rows, with no synchronisation between steps; otherwise the hidden units
/// of each step are split across the pool: a part computes the gate columns of its own units and
/// updates their cells, and the parts meet at the end of each step (the next product needs every
/// unit's h). See `RecurrentSteps.Schedule`.
///
/// Backward, per step with p the previous step and dh = (gradient of h_t) + (dgates of the step
/// after) W_hh:
///
///     do = dh tanh(c_t);   dc = dc_carry + dh o (1 - tanh²(c_t))
///     da_i = dc g i (1 - i);   da_f = dc c_p f (1 - f);   da_g = dc i (1 - g²);   da_o = do o (1 - o)
///     dc_carry = dc f;   dW_hh += da^T h_p
///
/// The step order, the split across the pool and the weight gradient are shared with
/// the GRU and RNN kernels (`RecurrentSteps`). When each part holds every hidden unit and the CPU
/// has AVX-512, the per-step products read W_hh laid out once per sequence
/// (`PackedRecurrentWeight`). The other GEMMs go through oneDNN rather than OpenBLAS
/// (see `strata_dnnl_sgemm`): on the Zen 5 benchmark machine, where OpenBLAS runs its AVX2
/// kernels, oneDNN's AVX-512 ones did these shapes ([32, 256] x [256, 128], [32, 1024] x
/// [1024, 128], [1024, 2048] x [2048, 256]) about 1.8x faster on one core.
struct CPULSTMSequenceKernel: LSTMSequenceKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(projected: Tensor) -> Bool {
        projected.dtype == .float32 && projected.scalarCount > 0
    }

    func forward(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool) -> LSTMSequence {
        let (time, batch, width) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let size = width / 4
        let (h0, c0, weight) = (RecurrentSteps.dense(hidden), RecurrentSteps.dense(cell), RecurrentSteps.dense(hiddenWeight))
        let w = weight.elementPointer(as: Float.self)
        // W_hh^T laid out once for every step's product when each part takes all units; that
        // product then adds the projected inputs as it writes the gates, and otherwise they are
        // copied first (the gates are written in place).
        let schedule = RecurrentSteps.Schedule(time: time, batch: batch, size: size, gates: 4, pool: pool)
        let packed = RecurrentSteps.packedWeight(w, rows: size, columns: width, stride: size, transposed: true, schedule: schedule,
                                                 pool: pool)
        let inputs = packed == nil ? CPUBackend.shared.contiguous(projected) : RecurrentSteps.dense(projected)
        let gates = packed == nil ? inputs : Tensor(uninitializedShape: [time, batch, width], dtype: .float32)
        let hiddens = Tensor(uninitializedShape: [time, batch, size], dtype: .float32)
        let cells = Tensor(uninitializedShape: [time, batch, size], dtype: .float32)
        defer { withExtendedLifetime((h0, c0, weight, inputs)) {} }
        let (a, x) = (gates.elementPointer(as: Float.self), inputs.elementPointer(as: Float.self))
        let (hs, cs) = (hiddens.elementPointer(as: Float.self), cells.elementPointer(as: Float.self))
        schedule.run(steps: time, pool: pool) { step, rows, range in
            let (t, previous) = RecurrentSteps.times(step: step, time: time, reverse: reverse)
            let first = rows.lowerBound * size
            let hPrevious = (previous.map { hs + $0 * batch * size } ?? h0.elementPointer(as: Float.self)) + first
            let cPrevious = (previous.map { cs + $0 * batch * size } ?? c0.elementPointer(as: Float.self)) + first
            let (start, offset) = ((t * batch + rows.lowerBound) * width, t * batch * size + first)
            let row = a + start
            // gates[rows, gate * size + range] = projected + h_previous[rows] W_hh[gate * size + range, :]^T:
            // from the laid-out weight, or per gate onto the copied inputs (one call when the part
            // holds every unit).
            if let packed {
                packed.multiply(rows.count, hPrevious, stride: size, adding: x + start, addendStride: width, into: row,
                                resultStride: width)
            } else {
                let (blocks, columns) = range.count == size ? (1, width) : (4, range.count)
                for block in 0..<blocks {
                    let column = block * size + range.lowerBound
                    Float.gemm(transposeA: false, transposeB: true, rows.count, columns, size, hPrevious, size, w + column * size,
                               size, beta: 1, row + column, width)
                }
            }
            strata_lstm_cell_forward_f32(row, cPrevious, cs + offset, hs + offset, rows.count, size, range.lowerBound, range.upperBound)
        }
        return LSTMSequence(hiddens: hiddens, cells: cells, gates: gates)
    }

    func backward(hiddensGradient: Tensor, cellGradient: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor,
                  forward: LSTMSequence, reverse: Bool) -> LSTMSequenceGradients {
        let (time, batch, width) = (forward.gates.shape[0], forward.gates.shape[1], forward.gates.shape[2])
        let size = width / 4
        let dGates = Tensor(uninitializedShape: [time, batch, width], dtype: .float32)
        // The gradient reaching h through the step after (none for the last), and the cell
        // gradient carried back; after the loop they are those of the initial states.
        let dHidden = CPUBackend.shared.full(shape: [batch, size], value: 0, dtype: .float32)
        let dCell = CPUBackend.shared.contiguous(cellGradient)
        let (dOutput, h0, c0, weight) = (RecurrentSteps.dense(hiddensGradient), RecurrentSteps.dense(hidden), RecurrentSteps.dense(cell),
                                          RecurrentSteps.dense(hiddenWeight))
        defer { withExtendedLifetime((dOutput, h0, c0, weight)) {} }
        let (a, w, da) = (forward.gates.elementPointer(as: Float.self), weight.elementPointer(as: Float.self),
                          dGates.elementPointer(as: Float.self))
        let (hs, cs) = (forward.hiddens.elementPointer(as: Float.self), forward.cells.elementPointer(as: Float.self))
        let (dh, dc, dOut) = (dHidden.elementPointer(as: Float.self), dCell.elementPointer(as: Float.self),
                              dOutput.elementPointer(as: Float.self))
        let schedule = RecurrentSteps.Schedule(time: time, batch: batch, size: size, gates: 4, pool: pool)
        let packed = RecurrentSteps.packedWeight(w, rows: width, columns: size, stride: size, transposed: false, schedule: schedule,
                                                 pool: pool)
        // Step k < time processes the k-th time step from the end; every step first sets
        // dh[rows, range] = dgates_later[rows] W_hh[:, range], the gradient of the previous hidden
        // state's units through the step processed before it, and the extra step `time` leaves
        // there that of the initial state.
        schedule.run(steps: time + 1, pool: pool) { step, rows, range in
            let first = rows.lowerBound * size
            if step > 0 {
                let later = RecurrentSteps.times(step: time - step, time: time, reverse: reverse).current
                if let packed {
                    packed.multiply(rows.count, da + (later * batch + rows.lowerBound) * width, stride: width, adding: nil,
                                    addendStride: 0, into: dh + first, resultStride: size)
                } else {
                    Float.gemm(transposeA: false, transposeB: false, rows.count, range.count, width,
                               da + (later * batch + rows.lowerBound) * width, width, w + range.lowerBound, size, beta: 0,
                               dh + first + range.lowerBound, size)
                }
            }
            guard step < time else { return }
            let (t, previous) = RecurrentSteps.times(step: time - 1 - step, time: time, reverse: reverse)
            let cPrevious = previous.map { cs + $0 * batch * size } ?? c0.elementPointer(as: Float.self)
            let offset = t * batch * size + first
            strata_lstm_cell_backward_f32(a + (t * batch + rows.lowerBound) * width, cPrevious + first, cs + offset, dOut + offset,
                                          dh + first, dc + first, da + (t * batch + rows.lowerBound) * width, rows.count, size,
                                          range.lowerBound, range.upperBound)
        }
        let dWeight = RecurrentSteps.weightGradient(UnsafePointer(da), hiddens: hs, initial: h0.elementPointer(as: Float.self), time: time,
                                                    batch: batch, size: size, width: width, reverse: reverse, pool: pool)
        return LSTMSequenceGradients(projected: dGates, hidden: dHidden, cell: dCell, hiddenWeight: dWeight)
    }
}
