/// The CPU backend's fused Elman RNN sequence (tanh or ReLU) in float32 and float64, the kernel
/// behind `rnnSequence` (the composite of `rnnCell` steps in Tensor+RNN.swift is its
/// specification). Each step is one GEMM accumulating `h W_hh^T` onto the projected inputs and
/// one C kernel for the nonlinearity in place, so the hidden states are the only thing stored;
/// the backward pass mirrors it (`da = dh act'`, `dh_previous = da W_hh`) and leaves `dW_hh` to
/// one GEMM over all steps at the end. Hidden units split across the pool within a step as in
/// `CPULSTMSequenceKernel`.
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
        let units = RecurrentSteps.unitRanges(batch: batch, size: size, gates: 1, pool: pool)
        for step in 0..<time {
            let (t, previous) = RecurrentSteps.times(step: step, time: time, reverse: reverse)
            let hPrevious = previous.map { hs + $0 * batch * size } ?? initial
            let row = hs + t * batch * size
            pool.forEachPart(units.count) { part in
                let range = units[part]
                T.gemm(transposeA: false, transposeB: true, batch, range.count, size, hPrevious, size, w + range.lowerBound * size, size,
                       beta: 1, row + range.lowerBound, size)
                T.rnnCellForward(row, batch, size, relu: relu, range)
            }
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
        let units = RecurrentSteps.unitRanges(batch: batch, size: size, gates: 1, pool: pool)
        // dh[:, range] = da_t W_hh[:, range]: the gradient of the previous hidden state's units.
        func propagate(from t: Int, _ range: Range<Int>) {
            T.gemm(transposeA: false, transposeB: false, batch, range.count, size, da + t * batch * size, size,
                   w + range.lowerBound, size, beta: 0, dh + range.lowerBound, size)
        }
        var later: Int?
        for step in (0..<time).reversed() {
            let t = RecurrentSteps.times(step: step, time: time, reverse: reverse).current
            pool.forEachPart(units.count) { part in
                let range = units[part]
                if let later { propagate(from: later, range) }
                T.rnnCellBackward(hs + t * batch * size, dOut + t * batch * size, dh, da + t * batch * size, batch, size, relu: relu, range)
            }
            later = t
        }
        if let later {
            pool.forEachPart(units.count) { part in propagate(from: later, units[part]) }
        }
        let dWeight = RecurrentSteps.weightGradient(UnsafePointer(da), hiddens: hs, initial: initial, time: time, batch: batch,
                                                    size: size, width: size, reverse: reverse, pool: pool)
        return RNNSequenceGradients(projected: dPreactivations, hidden: next, hiddenWeight: dWeight)
    }
}
