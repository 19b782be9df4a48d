/// The CPU backend's fused Elman RNN sequence (tanh or ReLU) in float32 and float64, the kernel
/// behind `rnnSequence` (the composite of `rnnCell` steps in Tensor+RNN.swift is its
/// specification). Each step is one GEMM accumulating `h W_hh^T` onto the projected inputs and
/// one C kernel for the nonlinearity in place, so the hidden states are the only thing stored;
/// the backward pass mirrors it (`da = dh act'`, `dh_previous = da W_hh`) and leaves `dW_hh` to
/// one GEMM over all steps at the end. Split across the pool by batch rows for the whole sequence
/// or by hidden units within each step, and with W_hh laid out once per sequence where the
/// LSTM's is, as in `CPULSTMSequenceKernel`.
struct CPURNNSequenceKernel: RNNSequenceKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(projected: Tensor, nonlinearity: RecurrentNonlinearity) -> Bool {
        (projected.dtype == .float32 || projected.dtype == .float64) && projected.scalarCount > 0
    }

    func forward(projected: Tensor, hidden: Tensor, hiddenWeight: Tensor, nonlinearity: RecurrentNonlinearity, reverse: Bool) -> Tensor {
        projected.dtype == .float64
            ? forward(Double.self, projected, hidden, hiddenWeight, relu: nonlinearity == .relu, reverse)
            : forward(Float.self, projected, hidden, hiddenWeight, relu: nonlinearity == .relu, reverse)
    }

    func backward(hiddensGradient: Tensor, hidden: Tensor, hiddenWeight: Tensor, hiddens: Tensor,
                  nonlinearity: RecurrentNonlinearity, reverse: Bool) -> RNNSequenceGradients {
        hiddens.dtype == .float64
            ? backward(Double.self, hiddensGradient, hidden, hiddenWeight, hiddens, relu: nonlinearity == .relu, reverse)
            : backward(Float.self, hiddensGradient, hidden, hiddenWeight, hiddens, relu: nonlinearity == .relu, reverse)
    }

    private func forward<T: RecurrentKernelScalar>(_: T.Type, _ projected: Tensor, _ hidden: Tensor, _ hiddenWeight: Tensor,
                                                   relu: Bool, _ reverse: Bool) -> Tensor {
        let (time, batch, size) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let hiddens = CPUBackend.shared.contiguous(projected)
        let (h0, weight) = (RecurrentSteps.dense(hidden), RecurrentSteps.dense(hiddenWeight))
        defer { withExtendedLifetime((h0, weight)) {} }
        let (hs, w, initial) = (hiddens.elementPointer(as: T.self), weight.elementPointer(as: T.self), h0.elementPointer(as: T.self))
        let schedule = RecurrentSteps.Schedule(time: time, batch: batch, size: size, gates: 1, pool: pool)
        let packed = RecurrentSteps.packedWeight(w, rows: size, columns: size, stride: size, transposed: true, schedule: schedule,
                                                 pool: pool)
        schedule.run(steps: time, pool: pool) { step, rows, range in
            let (t, previous) = RecurrentSteps.times(step: step, time: time, reverse: reverse)
            let first = rows.lowerBound * size
            let hPrevious = (previous.map { hs + $0 * batch * size } ?? initial) + first
            let row = hs + t * batch * size + first
            if let packed {
                packed.multiply(rows.count, hPrevious, stride: size, adding: row, addendStride: size, into: row, resultStride: size)
            } else {
                T.gemm(transposeA: false, transposeB: true, rows.count, range.count, size, hPrevious, size, w + range.lowerBound * size,
                       size, beta: 1, row + range.lowerBound, size)
            }
            T.rnnCellForward(row, rows.count, size, relu: relu, range)
        }
        return hiddens
    }

    private func backward<T: RecurrentKernelScalar>(_: T.Type, _ hiddensGradient: Tensor, _ hidden: Tensor, _ hiddenWeight: Tensor,
                                                    _ hiddens: Tensor, relu: Bool, _ reverse: Bool) -> RNNSequenceGradients {
        let (time, batch, size) = (hiddens.shape[0], hiddens.shape[1], hiddens.shape[2])
        let dPreactivations = Tensor(uninitializedShape: [time, batch, size], dtype: T.dtype)
        // The gradient reaching h from the step after (none for the last); after the loop, that
        // of the initial state.
        let next = CPUBackend.shared.full(shape: [batch, size], value: 0, dtype: T.dtype)
        let (dOutput, h0, weight) = (RecurrentSteps.dense(hiddensGradient), RecurrentSteps.dense(hidden),
                                     RecurrentSteps.dense(hiddenWeight))
        defer { withExtendedLifetime((dOutput, h0, weight)) {} }
        let (hs, da, dh) = (hiddens.elementPointer(as: T.self), dPreactivations.elementPointer(as: T.self), next.elementPointer(as: T.self))
        let (w, initial, dOut) = (weight.elementPointer(as: T.self), h0.elementPointer(as: T.self), dOutput.elementPointer(as: T.self))
        let schedule = RecurrentSteps.Schedule(time: time, batch: batch, size: size, gates: 1, pool: pool)
        let packed = RecurrentSteps.packedWeight(w, rows: size, columns: size, stride: size, transposed: false, schedule: schedule,
                                                 pool: pool)
        // Step k < time processes the k-th time step from the end; every step first sets
        // dh[rows, range] = da_later[rows] W_hh[:, range], the gradient of the previous hidden
        // state's units through the step processed before it, and the extra step `time` leaves
        // there that of the initial state.
        schedule.run(steps: time + 1, pool: pool) { step, rows, range in
            let first = rows.lowerBound * size
            if step > 0 {
                let later = RecurrentSteps.times(step: time - step, time: time, reverse: reverse).current
                if let packed {
                    packed.multiply(rows.count, da + later * batch * size + first, stride: size, adding: nil, addendStride: 0,
                                    into: dh + first, resultStride: size)
                } else {
                    T.gemm(transposeA: false, transposeB: false, rows.count, range.count, size, da + later * batch * size + first, size,
                           w + range.lowerBound, size, beta: 0, dh + first + range.lowerBound, size)
                }
            }
            guard step < time else { return }
            let offset = RecurrentSteps.times(step: time - 1 - step, time: time, reverse: reverse).current * batch * size + first
            T.rnnCellBackward(hs + offset, dOut + offset, dh + first, da + offset, rows.count, size, relu: relu, range)
        }
        let dWeight = RecurrentSteps.weightGradient(UnsafePointer(da), hiddens: hs, initial: initial, time: time, batch: batch,
                                                    size: size, width: size, reverse: reverse, pool: pool)
        return RNNSequenceGradients(projected: dPreactivations, hidden: next, hiddenWeight: dWeight)
    }
}
