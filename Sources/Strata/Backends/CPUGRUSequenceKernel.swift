/// The CPU backend's fused GRU sequence in float32 and float64, the kernel behind `gruSequence`
/// (the composite of `gruCell` steps in Tensor+GRU.swift is its specification). Each step is one
/// GEMM for the hidden projection `h W_hh^T` and one C kernel for the gates and the new state;
/// the backward pass mirrors it and leaves `dW_hh` and `db_hh` to one GEMM each over all steps
/// at the end. The steps are split across the pool as in `CPULSTMSequenceKernel`: by batch rows
/// for the whole sequence, or per step by hidden units, a part then computing the r, z and n
/// columns of its own units (`RecurrentSteps.Schedule`). In float32 on a CPU with AVX-512, when
/// each part holds every unit, the per-step products read W_hh laid out once per sequence
/// (`PackedRecurrentWeight`).
///
/// Backward, per step, with dh the gradient reaching h_t from the output and the step after
/// (equations in GRU.c): the kernel writes the gradients of the input projection `[da_r, da_z,
/// da_n]` and of the hidden projection `dhp = [da_r, da_z, da_n r]`, and
/// `dh_previous = dh z + dhp W_hh`.
struct CPUGRUSequenceKernel: GRUSequenceKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(projected: Tensor) -> Bool {
        (projected.dtype == .float32 || projected.dtype == .float64) && projected.scalarCount > 0
    }

    func forward(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor?, reverse: Bool) -> GRUSequence {
        projected.dtype == .float64
            ? forward(Double.self, projected, hidden, hiddenWeight, hiddenBias, reverse)
            : forward(Float.self, projected, hidden, hiddenWeight, hiddenBias, reverse)
    }

    func backward(hiddensGradient: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddenBias: Tensor?, forward: GRUSequence,
                  reverse: Bool) -> GRUSequenceGradients {
        forward.gates.dtype == .float64
            ? backward(Double.self, hiddensGradient, hidden, hiddenWeight, hasBias: hiddenBias != nil, forward, reverse)
            : backward(Float.self, hiddensGradient, hidden, hiddenWeight, hasBias: hiddenBias != nil, forward, reverse)
    }

    private func forward<T: RecurrentKernelScalar>(_: T.Type, _ projected: Tensor, _ hidden: Tensor, _ hiddenWeight: Tensor,
                                                   _ hiddenBias: Tensor?, _ reverse: Bool) -> GRUSequence {
        let (time, batch, width) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let size = width / 3
        let gates = CPUBackend.shared.contiguous(projected)
        let projections = Tensor(uninitializedShape: [time, batch, width], dtype: T.dtype)
        let hiddens = Tensor(uninitializedShape: [time, batch, size], dtype: T.dtype)
        let (h0, weight, bias) = (RecurrentSteps.dense(hidden), RecurrentSteps.dense(hiddenWeight), hiddenBias.map(RecurrentSteps.dense))
        defer { withExtendedLifetime((h0, weight, bias)) {} }
        let (a, p, hs) = (gates.elementPointer(as: T.self), projections.elementPointer(as: T.self), hiddens.elementPointer(as: T.self))
        let (w, initial) = (weight.elementPointer(as: T.self), h0.elementPointer(as: T.self))
        let b: UnsafePointer<T>? = bias.map { UnsafePointer($0.elementPointer(as: T.self)) }
        let schedule = RecurrentSteps.Schedule(time: time, batch: batch, size: size, gates: 3, pool: pool)
        let packed = RecurrentSteps.packedWeight(w, rows: size, columns: width, stride: size, transposed: true, schedule: schedule,
                                                 pool: pool)
        schedule.run(steps: time, pool: pool) { step, rows, range in
            let (t, previous) = RecurrentSteps.times(step: step, time: time, reverse: reverse)
            let first = rows.lowerBound * size
            let hPrevious = (previous.map { hs + $0 * batch * size } ?? initial) + first
            let (row, projection) = (a + (t * batch + rows.lowerBound) * width, p + (t * batch + rows.lowerBound) * width)
            // projection[rows, gate * size + range] = h_previous[rows] W_hh[gate * size + range, :]^T:
            // from the laid-out weight, or per gate (one call when the part holds every unit).
            if let packed {
                packed.multiply(rows.count, hPrevious, stride: size, adding: nil, addendStride: 0, into: projection, resultStride: width)
            } else {
                let (blocks, columns) = range.count == size ? (1, width) : (3, range.count)
                for block in 0..<blocks {
                    let column = block * size + range.lowerBound
                    T.gemm(transposeA: false, transposeB: true, rows.count, columns, size, hPrevious, size, w + column * size, size,
                           beta: 0, projection + column, width)
                }
            }
            T.gruCellForward(row, projection, b, hPrevious, hs + t * batch * size + first, rows.count, size, range)
        }
        return GRUSequence(hiddens: hiddens, gates: gates, hiddenProjections: projections)
    }

    private func backward<T: RecurrentKernelScalar>(_: T.Type, _ hiddensGradient: Tensor, _ hidden: Tensor, _ hiddenWeight: Tensor,
                                                    hasBias: Bool, _ forward: GRUSequence, _ reverse: Bool) -> GRUSequenceGradients {
        let (time, batch, width) = (forward.gates.shape[0], forward.gates.shape[1], forward.gates.shape[2])
        let size = width / 3
        let dProjected = Tensor(uninitializedShape: [time, batch, width], dtype: T.dtype)
        let dProjections = Tensor(uninitializedShape: [time, batch, width], dtype: T.dtype)
        // The gradient reaching h from the step after (none for the last); after the loop, that
        // of the initial state.
        let carry = CPUBackend.shared.full(shape: [batch, size], value: 0, dtype: T.dtype)
        let (dOutput, h0, weight) = (RecurrentSteps.dense(hiddensGradient), RecurrentSteps.dense(hidden),
                                     RecurrentSteps.dense(hiddenWeight))
        defer { withExtendedLifetime((dOutput, h0, weight, dProjections)) {} }
        let (g, p, hs) = (forward.gates.elementPointer(as: T.self), forward.hiddenProjections.elementPointer(as: T.self),
                          forward.hiddens.elementPointer(as: T.self))
        let (da, dp, dh) = (dProjected.elementPointer(as: T.self), dProjections.elementPointer(as: T.self),
                            carry.elementPointer(as: T.self))
        let (w, initial, dOut) = (weight.elementPointer(as: T.self), h0.elementPointer(as: T.self), dOutput.elementPointer(as: T.self))
        let schedule = RecurrentSteps.Schedule(time: time, batch: batch, size: size, gates: 3, pool: pool)
        let packed = RecurrentSteps.packedWeight(w, rows: width, columns: size, stride: size, transposed: false, schedule: schedule,
                                                 pool: pool)
        // Step k < time processes the k-th time step from the end; every step first adds
        // dhp_later[rows] W_hh[:, range] to dh[rows, range], the gradient of the previous hidden
        // state's units through the hidden projection of the step processed before it, beside the
        // direct part dh z the cell kernel left there; the extra step `time` completes that of the
        // initial state.
        schedule.run(steps: time + 1, pool: pool) { step, rows, range in
            let first = rows.lowerBound * size
            if step > 0 {
                let later = RecurrentSteps.times(step: time - step, time: time, reverse: reverse).current
                let dLater = dp + (later * batch + rows.lowerBound) * width
                if let packed {
                    packed.multiply(rows.count, dLater, stride: width, adding: dh + first, addendStride: size, into: dh + first,
                                    resultStride: size)
                } else {
                    T.gemm(transposeA: false, transposeB: false, rows.count, range.count, width, dLater, width, w + range.lowerBound, size,
                           beta: 1, dh + first + range.lowerBound, size)
                }
            }
            guard step < time else { return }
            let (t, previous) = RecurrentSteps.times(step: time - 1 - step, time: time, reverse: reverse)
            let hPrevious = (previous.map { hs + $0 * batch * size } ?? initial) + first
            let gates = (t * batch + rows.lowerBound) * width
            T.gruCellBackward(g + gates, p + gates, hPrevious, dOut + t * batch * size + first, dh + first, da + gates, dp + gates,
                              rows.count, size, range)
        }
        let dWeight = RecurrentSteps.weightGradient(UnsafePointer(dp), hiddens: hs, initial: initial, time: time, batch: batch,
                                                    size: size, width: width, reverse: reverse, pool: pool)
        let dBias = hasBias ? RecurrentSteps.columnSums(UnsafePointer(dp), rows: time * batch, width: width) : nil
        return GRUSequenceGradients(projected: dProjected, hidden: carry, hiddenWeight: dWeight, hiddenBias: dBias)
    }
}
