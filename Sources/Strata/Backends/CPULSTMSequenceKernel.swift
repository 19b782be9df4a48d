import CStrataDNNL
import CStrataKernels

/// The CPU backend's fused LSTM sequence in float32, the kernel behind `lstmSequence` (the
/// composite of `lstmCell` steps in Tensor+Recurrent.swift is its specification). Each step is
/// one GEMM for the recurrent product, accumulated onto the projected inputs, and one C kernel
/// for the gates and the cell; the backward pass mirrors it and leaves the weight gradient to
/// one GEMM over all steps at the end. Within a step the hidden units are split across the
/// pool: a part computes the gate columns of its own units and updates their cells, so the only
/// synchronisation is the end of each step (the next product needs every unit's h).
///
/// Backward, per step with p the previous step and dh = (gradient of h_t) + (dgates of the step
/// after) W_hh:
///
///     do = dh tanh(c_t);   dc = dc_carry + dh o (1 - tanh²(c_t))
///     da_i = dc g i (1 - i);   da_f = dc c_p f (1 - f);   da_g = dc i (1 - g²);   da_o = do o (1 - o)
///     dc_carry = dc f;   dW_hh += da^T h_p
///
/// The GEMMs go through oneDNN rather than OpenBLAS (see `strata_dnnl_sgemm`): on the Zen 5
/// benchmark machine, where OpenBLAS runs its AVX2 kernels, oneDNN's AVX-512 ones did these
/// shapes ([32, 256] x [256, 128], [32, 1024] x [1024, 128], [1024, 2048] x [2048, 256]) about
/// 1.8x faster on one core.
struct CPULSTMSequenceKernel: LSTMSequenceKernel {
    private var pool: ThreadPool { ThreadPool.shared }

    func supports(projected: Tensor) -> Bool {
        projected.dtype == .float32 && projected.scalarCount > 0
    }

    func forward(projected: Tensor, hidden: Tensor, cell: Tensor, hiddenWeight: Tensor, reverse: Bool) -> LSTMSequence {
        let (time, batch, width) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let size = width / 4
        let gates = CPUBackend.shared.contiguous(projected)
        let hiddens = Tensor(uninitializedShape: [time, batch, size], dtype: .float32)
        let cells = Tensor(uninitializedShape: [time, batch, size], dtype: .float32)
        let (h0, c0, weight) = (dense(hidden), dense(cell), dense(hiddenWeight))
        let a = gates.elementPointer(as: Float.self), w = weight.elementPointer(as: Float.self)
        let (hs, cs) = (hiddens.elementPointer(as: Float.self), cells.elementPointer(as: Float.self))
        let units = unitRanges(batch: batch, size: size)
        for step in 0..<time {
            let (t, previous) = Self.times(step: step, time: time, reverse: reverse)
            let hPrevious = previous.map { hs + $0 * batch * size } ?? h0.elementPointer(as: Float.self)
            let cPrevious = previous.map { cs + $0 * batch * size } ?? c0.elementPointer(as: Float.self)
            let (row, offset) = (a + t * batch * width, t * batch * size)
            pool.forEachPart(units.count) { part in
                let range = units[part]
                // gates[:, gate * size + range] += h_previous W_hh[gate * size + range, :]^T, per gate
                // (one call when the part holds every unit).
                let (blocks, columns) = range.count == size ? (1, width) : (4, range.count)
                for block in 0..<blocks {
                    let first = block * size + range.lowerBound
                    Self.gemm(transposeA: false, transposeB: true, batch, columns, size, hPrevious, size, w + first * size, size,
                              beta: 1, row + first, width)
                }
                strata_lstm_cell_forward_f32(row, cPrevious, cs + offset, hs + offset, batch, size,
                                             range.lowerBound, range.upperBound)
            }
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
        let (dOutput, h0, c0, weight) = (dense(hiddensGradient), dense(hidden), dense(cell), dense(hiddenWeight))
        let (a, w, da) = (forward.gates.elementPointer(as: Float.self), weight.elementPointer(as: Float.self),
                          dGates.elementPointer(as: Float.self))
        let (hs, cs) = (forward.hiddens.elementPointer(as: Float.self), forward.cells.elementPointer(as: Float.self))
        let (dh, dc, dOut) = (dHidden.elementPointer(as: Float.self), dCell.elementPointer(as: Float.self),
                              dOutput.elementPointer(as: Float.self))
        let units = unitRanges(batch: batch, size: size)
        // dh[:, range] = dgates_t W_hh[:, range]: the gradient of the previous hidden state's units.
        func propagate(from t: Int, _ range: Range<Int>) {
            Self.gemm(transposeA: false, transposeB: false, batch, range.count, width, da + t * batch * width, width,
                      w + range.lowerBound, size, beta: 0, dh + range.lowerBound, size)
        }
        var later: Int?
        for step in (0..<time).reversed() {
            let (t, previous) = Self.times(step: step, time: time, reverse: reverse)
            let cPrevious = previous.map { cs + $0 * batch * size } ?? c0.elementPointer(as: Float.self)
            pool.forEachPart(units.count) { part in
                let range = units[part]
                if let later { propagate(from: later, range) }
                strata_lstm_cell_backward_f32(a + t * batch * width, cPrevious, cs + t * batch * size, dOut + t * batch * size, dh, dc,
                                              da + t * batch * width, batch, size, range.lowerBound, range.upperBound)
            }
            later = t
        }
        if let later {
            pool.forEachPart(units.count) { part in propagate(from: later, units[part]) }
        }
        let dWeight = weightGradient(dGates, hiddens: hs, initial: h0.elementPointer(as: Float.self), time: time, batch: batch,
                                     size: size, reverse: reverse)
        return LSTMSequenceGradients(projected: dGates, hidden: dHidden, cell: dCell, hiddenWeight: dWeight)
    }

    /// `dW_hh = sum over t of dgates_t^T h_previous(t)` as two GEMMs: the first processed step
    /// against the initial state, then every other step against the hidden states before it,
    /// which lie contiguously in `hiddens` (shifted by one step). Rows of dW_hh split across the pool.
    private func weightGradient(_ dGates: Tensor, hiddens: UnsafeMutablePointer<Float>, initial: UnsafeMutablePointer<Float>,
                                time: Int, batch: Int, size: Int, reverse: Bool) -> Tensor {
        let width = 4 * size
        let result = Tensor(uninitializedShape: [width, size], dtype: .float32)
        let (da, y) = (dGates.elementPointer(as: Float.self), result.elementPointer(as: Float.self))
        let first = reverse ? time - 1 : 0
        // Forward: steps 1..<time against hiddens 0..<time-1; reverse: steps 0..<time-1 against 1..<time.
        let (restGates, restHiddens) = reverse ? (da, hiddens + batch * size) : (da + batch * width, hiddens)
        let rest = (time - 1) * batch
        let blocks = (width + 15) / 16
        pool.forEachChunk(of: blocks, grain: max(1, blocks / pool.threadCount)) { chunk in
            let rows = chunk.lowerBound * 16 ..< min(width, chunk.upperBound * 16)
            Self.gemm(transposeA: true, transposeB: false, rows.count, size, batch, da + first * batch * width + rows.lowerBound, width,
                      initial, size, beta: 0, y + rows.lowerBound * size, size)
            guard rest > 0 else { return }
            Self.gemm(transposeA: true, transposeB: false, rows.count, size, rest, restGates + rows.lowerBound, width,
                      restHiddens, size, beta: 1, y + rows.lowerBound * size, size)
        }
        return result
    }

    /// The hidden units each part of the pool takes in a step: one range while a step's product
    /// is too small to share (below ~2 MFLOP, as in `matmul`), else one per thread in multiples
    /// of 16 so each part's gate columns stay aligned.
    private func unitRanges(batch: Int, size: Int) -> [Range<Int>] {
        let blocks = (size + 15) / 16
        let parts = 2 * batch * 4 * size * size < 2_000_000 ? 1 : min(pool.threadCount, blocks)
        return (0..<parts).map { part in
            blocks * part / parts * 16 ..< min(size, blocks * (part + 1) / parts * 16)
        }
    }

    /// Row-major `c = op(a) op(b) + beta c` (`op(a)` is m x k) on the calling thread.
    private static func gemm(transposeA: Bool, transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
                             _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>,
                             _ ldc: Int) {
        let status = strata_dnnl_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
        precondition(status == 0, "lstmSequence: oneDNN sgemm \(m)x\(n)x\(k) failed with status \(status)")
    }

    /// The time index of processing step `step`, and that of the step before it (nil: the initial state).
    static func times(step: Int, time: Int, reverse: Bool) -> (current: Int, previous: Int?) {
        let current = reverse ? time - 1 - step : step
        return (current, step == 0 ? nil : (reverse ? current + 1 : current - 1))
    }

    /// `x` itself when dense, else a dense copy.
    private func dense(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : CPUBackend.shared.contiguous(x)
    }
}
