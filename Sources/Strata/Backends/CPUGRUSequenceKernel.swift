/// The CPU backend's fused GRU sequence in float32 and float64, the kernel behind `gruSequence`
/// (the composite of `gruCell` steps in Tensor+GRU.swift is its specification). Each step is one
/// GEMM for the hidden projection `h W_hh^T` and one C kernel for the gates and the new state;
/// the backward pass mirrors it and leaves `dW_hh` and `db_hh` to one GEMM each over all steps
/// at the end. Within a step the hidden units are split across the pool as in
/// `CPULSTMSequenceKernel`: a part computes the r, z and n columns of its own units, so the only
/// synchronisation is the end of each step.
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
        let units = RecurrentSteps.unitRanges(batch: batch, size: size, gates: 3, pool: pool)
        for step in 0..<time {
            let (t, previous) = RecurrentSteps.times(step: step, time: time, reverse: reverse)
            let hPrevious = previous.map { hs + $0 * batch * size } ?? initial
            let (row, projection) = (a + t * batch * width, p + t * batch * width)
            pool.forEachPart(units.count) { part in
                let range = units[part]
                // projection[:, gate * size + range] = h_previous W_hh[gate * size + range, :]^T, per
                // gate (one call when the part holds every unit).
                let (blocks, columns) = range.count == size ? (1, width) : (3, range.count)
                for block in 0..<blocks {
                    let first = block * size + range.lowerBound
                    T.gemm(transposeA: false, transposeB: true, batch, columns, size, hPrevious, size, w + first * size, size,
                           beta: 0, projection + first, width)
                }
                T.gruCellForward(row, projection, b, hPrevious, hs + t * batch * size, batch, size, range)
            }
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
        defer { withExtendedLifetime((dOutput, h0, weight)) {} }
        let (g, p, hs) = (forward.gates.elementPointer(as: T.self), forward.hiddenProjections.elementPointer(as: T.self),
                          forward.hiddens.elementPointer(as: T.self))
        let (da, dp, dh) = (dProjected.elementPointer(as: T.self), dProjections.elementPointer(as: T.self),
                            carry.elementPointer(as: T.self))
        let (w, initial, dOut) = (weight.elementPointer(as: T.self), h0.elementPointer(as: T.self), dOutput.elementPointer(as: T.self))
        let units = RecurrentSteps.unitRanges(batch: batch, size: size, gates: 3, pool: pool)
        // dh[:, range] += dhp_t W_hh[:, range]: the gradient of the previous hidden state's units
        // through the hidden projection, beside the direct part dh z the cell kernel left there.
        func propagate(from t: Int, _ range: Range<Int>) {
            T.gemm(transposeA: false, transposeB: false, batch, range.count, width, dp + t * batch * width, width,
                   w + range.lowerBound, size, beta: 1, dh + range.lowerBound, size)
        }
        var later: Int?
        for step in (0..<time).reversed() {
            let (t, previous) = RecurrentSteps.times(step: step, time: time, reverse: reverse)
            let hPrevious = previous.map { hs + $0 * batch * size } ?? initial
            pool.forEachPart(units.count) { part in
                let range = units[part]
                if let later { propagate(from: later, range) }
                T.gruCellBackward(g + t * batch * width, p + t * batch * width, hPrevious, dOut + t * batch * size, dh,
                                  da + t * batch * width, dp + t * batch * width, batch, size, range)
            }
            later = t
        }
        if let later {
            pool.forEachPart(units.count) { part in propagate(from: later, units[part]) }
        }
        let dWeight = RecurrentSteps.weightGradient(UnsafePointer(dp), hiddens: hs, initial: initial, time: time, batch: batch,
                                                    size: size, width: width, reverse: reverse, pool: pool)
        let dBias = hasBias ? RecurrentSteps.columnSums(UnsafePointer(dp), rows: time * batch, width: width) : nil
        return GRUSequenceGradients(projected: dProjected, hidden: carry, hiddenWeight: dWeight, hiddenBias: dBias)
    }
}
