import COpenBLAS
import CStrataDNNL
import CStrataKernels

/// The element types of the CPU backend's fused GRU and RNN sequence kernels, float32 and
/// float64, each with its GEMM and the C kernels of one step. float64 runs the same loops as
/// float32, which lets the gradient checks test the kernels themselves against finite differences.
protocol RecurrentKernelScalar: BinaryFloatingPoint, TensorScalar {
    /// Row-major `c = op(a) op(b) + beta c` (`op(a)` is m x k) on the calling thread.
    static func gemm(transposeA: Bool, transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ lda: Int,
                     _ b: UnsafePointer<Self>, _ ldb: Int, beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)

    /// `strata_gru_cell_forward_*`.
    static func gruCellForward(_ gates: UnsafeMutablePointer<Self>, _ hiddenProjection: UnsafeMutablePointer<Self>,
                               _ bias: UnsafePointer<Self>?, _ previous: UnsafePointer<Self>, _ hidden: UnsafeMutablePointer<Self>,
                               _ batch: Int, _ size: Int, _ units: Range<Int>)

    /// `strata_gru_cell_backward_*`.
    static func gruCellBackward(_ gates: UnsafePointer<Self>, _ hiddenProjection: UnsafePointer<Self>, _ previous: UnsafePointer<Self>,
                                _ outputGradient: UnsafePointer<Self>, _ carry: UnsafeMutablePointer<Self>,
                                _ projectedGradient: UnsafeMutablePointer<Self>, _ hiddenProjectionGradient: UnsafeMutablePointer<Self>,
                                _ batch: Int, _ size: Int, _ units: Range<Int>)

    /// `strata_rnn_cell_forward_*`.
    static func rnnCellForward(_ a: UnsafeMutablePointer<Self>, _ batch: Int, _ size: Int, relu: Bool, _ units: Range<Int>)

    /// `strata_rnn_cell_backward_*`.
    static func rnnCellBackward(_ hidden: UnsafePointer<Self>, _ outputGradient: UnsafePointer<Self>, _ nextGradient: UnsafePointer<Self>,
                                _ gradient: UnsafeMutablePointer<Self>, _ batch: Int, _ size: Int, relu: Bool, _ units: Range<Int>)
}

extension Float: RecurrentKernelScalar {
    /// oneDNN rather than OpenBLAS: see `CPULSTMSequenceKernel` (about 1.8x on these shapes).
    static func gemm(transposeA: Bool, transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
                     _ b: UnsafePointer<Float>, _ ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        let status = strata_dnnl_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
        precondition(status == 0, "recurrent sequence: oneDNN sgemm \(m)x\(n)x\(k) failed with status \(status)")
    }

    static func gruCellForward(_ gates: UnsafeMutablePointer<Float>, _ hiddenProjection: UnsafeMutablePointer<Float>,
                               _ bias: UnsafePointer<Float>?, _ previous: UnsafePointer<Float>, _ hidden: UnsafeMutablePointer<Float>,
                               _ batch: Int, _ size: Int, _ units: Range<Int>) {
        strata_gru_cell_forward_f32(gates, hiddenProjection, bias, previous, hidden, batch, size, units.lowerBound, units.upperBound)
    }

    static func gruCellBackward(_ gates: UnsafePointer<Float>, _ hiddenProjection: UnsafePointer<Float>, _ previous: UnsafePointer<Float>,
                                _ outputGradient: UnsafePointer<Float>, _ carry: UnsafeMutablePointer<Float>,
                                _ projectedGradient: UnsafeMutablePointer<Float>, _ hiddenProjectionGradient: UnsafeMutablePointer<Float>,
                                _ batch: Int, _ size: Int, _ units: Range<Int>) {
        strata_gru_cell_backward_f32(gates, hiddenProjection, previous, outputGradient, carry, projectedGradient, hiddenProjectionGradient,
                                     batch, size, units.lowerBound, units.upperBound)
    }

    static func rnnCellForward(_ a: UnsafeMutablePointer<Float>, _ batch: Int, _ size: Int, relu: Bool, _ units: Range<Int>) {
        strata_rnn_cell_forward_f32(a, batch, size, relu ? 1 : 0, units.lowerBound, units.upperBound)
    }

    static func rnnCellBackward(_ hidden: UnsafePointer<Float>, _ outputGradient: UnsafePointer<Float>, _ nextGradient: UnsafePointer<Float>,
                                _ gradient: UnsafeMutablePointer<Float>, _ batch: Int, _ size: Int, relu: Bool, _ units: Range<Int>) {
        strata_rnn_cell_backward_f32(hidden, outputGradient, nextGradient, gradient, batch, size, relu ? 1 : 0, units.lowerBound,
                                     units.upperBound)
    }
}

extension Double: RecurrentKernelScalar {
    static func gemm(transposeA: Bool, transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int,
                     _ b: UnsafePointer<Double>, _ ldb: Int, beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
                    Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    static func gruCellForward(_ gates: UnsafeMutablePointer<Double>, _ hiddenProjection: UnsafeMutablePointer<Double>,
                               _ bias: UnsafePointer<Double>?, _ previous: UnsafePointer<Double>, _ hidden: UnsafeMutablePointer<Double>,
                               _ batch: Int, _ size: Int, _ units: Range<Int>) {
        strata_gru_cell_forward_f64(gates, hiddenProjection, bias, previous, hidden, batch, size, units.lowerBound, units.upperBound)
    }

    static func gruCellBackward(_ gates: UnsafePointer<Double>, _ hiddenProjection: UnsafePointer<Double>, _ previous: UnsafePointer<Double>,
                                _ outputGradient: UnsafePointer<Double>, _ carry: UnsafeMutablePointer<Double>,
                                _ projectedGradient: UnsafeMutablePointer<Double>, _ hiddenProjectionGradient: UnsafeMutablePointer<Double>,
                                _ batch: Int, _ size: Int, _ units: Range<Int>) {
        strata_gru_cell_backward_f64(gates, hiddenProjection, previous, outputGradient, carry, projectedGradient, hiddenProjectionGradient,
                                     batch, size, units.lowerBound, units.upperBound)
    }

    static func rnnCellForward(_ a: UnsafeMutablePointer<Double>, _ batch: Int, _ size: Int, relu: Bool, _ units: Range<Int>) {
        strata_rnn_cell_forward_f64(a, batch, size, relu ? 1 : 0, units.lowerBound, units.upperBound)
    }

    static func rnnCellBackward(_ hidden: UnsafePointer<Double>, _ outputGradient: UnsafePointer<Double>, _ nextGradient: UnsafePointer<Double>,
                                _ gradient: UnsafeMutablePointer<Double>, _ batch: Int, _ size: Int, relu: Bool, _ units: Range<Int>) {
        strata_rnn_cell_backward_f64(hidden, outputGradient, nextGradient, gradient, batch, size, relu ? 1 : 0, units.lowerBound,
                                     units.upperBound)
    }
}

/// What the CPU recurrent sequence kernels share: the order of time steps, how the steps are
/// split across the pool, and the weight gradient summed over all steps in two GEMMs.
enum RecurrentSteps {
    /// The time index of processing step `step`, and that of the step before it (nil: the initial state).
    static func times(step: Int, time: Int, reverse: Bool) -> (current: Int, previous: Int?) {
        let current = reverse ? time - 1 - step : step
        return (current, step == 0 ? nil : (reverse ? current + 1 : current - 1))
    }

    /// How a sequence's steps are spread over the pool: the batch rows and hidden units of each
    /// part, and whether a part keeps its rows for the whole sequence.
    ///
    /// Batch rows never exchange data, so with enough rows (`minimumRows` per part) each part runs
    /// every step of its own rows: one parallel loop per sequence, and the recurrent product of a
    /// step is one GEMM over all gate columns. Otherwise a step's hidden units are split (the next
    /// step's product needs every unit of h, so each step is a parallel loop of its own), and a
    /// step too small to share (below ~2 MFLOP, as in `matmul`) runs as one part.
    struct Schedule {
        /// Fewest batch rows a part takes when the rows are split: fewer make thin GEMMs.
        static let minimumRows = 8

        let parts: [(rows: Range<Int>, units: Range<Int>)]
        /// True when each part owns its rows for every step (no synchronisation between steps).
        let byRows: Bool

        init(time: Int, batch: Int, size: Int, gates: Int, pool: ThreadPool) {
            let stepWork = 2 * batch * gates * size * size
            let rowParts = min(pool.threadCount, batch / Self.minimumRows)
            if rowParts > 1 && time * stepWork >= 2_000_000 {
                parts = (0..<rowParts).map { part in (batch * part / rowParts ..< batch * (part + 1) / rowParts, 0..<size) }
                byRows = true
                return
            }
            // Unit parts in multiples of 16, so each part's gate columns stay aligned.
            let blocks = (size + 15) / 16
            let unitParts = stepWork < 2_000_000 ? 1 : min(pool.threadCount, blocks)
            parts = (0..<unitParts).map { part in
                (0..<batch, blocks * part / unitParts * 16 ..< min(size, blocks * (part + 1) / unitParts * 16))
            }
            byRows = false
        }

        /// True when every part computes all hidden units of its rows (each step's product is
        /// then one call over the whole recurrent weight).
        var partsHoldEveryUnit: Bool { byRows || parts.count == 1 }

        /// Calls `body(step, rows, units)` for every step in `0..<steps`, in order within each
        /// part, every part of a step finished before any part of the next when the units are split.
        func run(steps: Int, pool: ThreadPool, _ body: (_ step: Int, _ rows: Range<Int>, _ units: Range<Int>) -> Void) {
            if byRows {
                pool.forEachPart(parts.count) { part in
                    for step in 0..<steps { body(step, parts[part].rows, parts[part].units) }
                }
            } else {
                for step in 0..<steps {
                    pool.forEachPart(parts.count) { part in body(step, parts[part].rows, parts[part].units) }
                }
            }
        }
    }

    /// `dW_hh = sum over t of d_t^T h_previous(t)` for `d` `[time, batch, width]`, as two GEMMs:
    /// the first processed step against the initial state, then every other step against the
    /// hidden states before it, which lie contiguously in `hiddens` (shifted by one step). Rows of
    /// dW_hh split across the pool.
    static func weightGradient<T: RecurrentKernelScalar>(_ d: UnsafePointer<T>, hiddens: UnsafePointer<T>, initial: UnsafePointer<T>,
                                                         time: Int, batch: Int, size: Int, width: Int, reverse: Bool,
                                                         pool: ThreadPool) -> Tensor {
        let result = Tensor(uninitializedShape: [width, size], dtype: T.dtype)
        let y = result.elementPointer(as: T.self)
        let first = reverse ? time - 1 : 0
        // Forward: steps 1..<time against hiddens 0..<time-1; reverse: steps 0..<time-1 against 1..<time.
        let (restGradients, restHiddens) = reverse ? (d, hiddens + batch * size) : (d + batch * width, hiddens)
        let rest = (time - 1) * batch
        let blocks = (width + 15) / 16
        pool.forEachChunk(of: blocks, grain: max(1, blocks / pool.threadCount)) { chunk in
            let rows = chunk.lowerBound * 16 ..< min(width, chunk.upperBound * 16)
            T.gemm(transposeA: true, transposeB: false, rows.count, size, batch, d + first * batch * width + rows.lowerBound, width,
                   initial, size, beta: 0, y + rows.lowerBound * size, size)
            guard rest > 0 else { return }
            T.gemm(transposeA: true, transposeB: false, rows.count, size, rest, restGradients + rows.lowerBound, width,
                   restHiddens, size, beta: 1, y + rows.lowerBound * size, size)
        }
        return result
    }

    /// The sum over the rows of a dense `[rows, width]` matrix, as one GEMM with a row of ones.
    static func columnSums<T: RecurrentKernelScalar>(_ x: UnsafePointer<T>, rows: Int, width: Int) -> Tensor {
        let result = Tensor(uninitializedShape: [width], dtype: T.dtype)
        let ones = [T](repeating: 1, count: rows)
        ones.withUnsafeBufferPointer { ones in
            T.gemm(transposeA: false, transposeB: false, 1, width, rows, ones.baseAddress!, rows, x, width, beta: 0,
                   result.elementPointer(as: T.self), width)
        }
        return result
    }

    /// `x` itself when dense, else a dense copy.
    static func dense(_ x: Tensor) -> Tensor {
        x.isContiguous ? x : CPUBackend.shared.contiguous(x)
    }
}
