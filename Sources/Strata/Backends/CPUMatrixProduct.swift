import COpenBLAS
import CStrataDNNL

/// How one matrix of a batch is handed to BLAS without copying: row-major or transposed.
struct BLASOperand {
    let transpose: CBLAS_TRANSPOSE
    let leadingDimension: Int32
    /// Elements between consecutive rows of the logical matrix.
    let rowStep: Int
    /// Elements between consecutive columns of the logical matrix.
    let columnStep: Int

    /// The layout of each matrix of `x` `[batch, rows, columns]`, or nil when neither its rows nor
    /// its columns are dense.
    init?(_ x: Tensor) {
        let (rows, columns) = (x.shape[1], x.shape[2])
        let (rowStride, columnStride) = (x.strides[1], x.strides[2])
        if columnStride == 1 || columns == 1, rowStride >= max(1, columns) || rows == 1 {
            transpose = CblasNoTrans
            leadingDimension = Int32(max(rowStride, columns, 1))
            rowStep = rows == 1 ? 0 : rowStride
            columnStep = 1
        } else if rowStride == 1 || rows == 1, columnStride >= max(1, rows) || columns == 1 {
            transpose = CblasTrans
            leadingDimension = Int32(max(columnStride, rows, 1))
            rowStep = 1
            columnStep = columns == 1 ? 0 : columnStride
        } else {
            return nil
        }
    }

    /// A dense matrix with `leadingDimension` elements between rows (columns when transposed).
    init(transposed: Bool, leadingDimension: Int) {
        transpose = transposed ? CblasTrans : CblasNoTrans
        self.leadingDimension = Int32(max(leadingDimension, 1))
        rowStep = transposed ? 1 : leadingDimension
        columnStep = transposed ? leadingDimension : 1
    }
}

/// One matrix product `c [m, n] = a [m, k] b [k, n]`, cut into one block per thread of Strata's
/// pool: float32 through oneDNN's sgemm, float64 through OpenBLAS's dgemm, both pinned to one
/// thread.
///
/// oneDNN picks its kernels by the instruction set it finds at run time, where OpenBLAS trusts
/// its CPU table (AVX2 kernels on Zen 5 with Debian's 0.3.21, see CPULSTMSequenceKernel). On a
/// Zen 4 core, where OpenBLAS does run AVX-512 kernels, oneDNN still took 8-9% less CPU time
/// over mlp_train's eight products (2.96-3.06 ms against 3.25-3.30 ms per step on one thread,
/// a C loop calling each library 200 times per shape).
///
/// The cut follows what each thread must pack: a block of rows packs all of `b`, a block of
/// columns all of `a`, so the product is cut along the dimension of the larger operand
/// (`m >= n`: rows, else columns): a dense layer's `[128, 784] x [784, 512]` is cut into
/// column blocks, and each thread packs the 0.4 MB input and half the weight instead of the whole
/// 1.6 MB weight. Blocks are multiples of 16 rows or columns (the GEMM kernels' tile, and
/// 64 bytes of float32), so a block boundary never splits a tile.
struct CPUMatrixProduct {
    /// Below about 2 MFLOP a second thread costs more than it saves.
    static let parallelFlops = 2_000_000
    static let blockAlignment = 16

    let a: UnsafeRawPointer
    let aLayout: BLASOperand
    let b: UnsafeRawPointer
    let bLayout: BLASOperand
    let c: UnsafeMutableRawPointer
    /// Elements between rows of `c`.
    let ldc: Int
    let m: Int, n: Int, k: Int
    let isDouble: Bool

    /// Computes the product, cut over `pool` when it is worth it (`parallel`), and calls
    /// `epilogue(rows, columns)` for each block on the thread that computed it, right after its
    /// product, while the block is still in that core's cache.
    func run(on pool: ThreadPool, parallel: Bool, epilogue: (Range<Int>, Range<Int>) -> Void = { _, _ in }) {
        guard parallel, pool.threadCount > 1, 2 * m * n * k >= Self.parallelFlops else {
            block(rows: 0..<m, columns: 0..<n)
            epilogue(0..<m, 0..<n)
            return
        }
        let alongRows = m >= n
        let tiles = ((alongRows ? m : n) + Self.blockAlignment - 1) / Self.blockAlignment
        let length = alongRows ? m : n
        pool.forEachChunk(of: tiles, grain: 1) { chunk in
            let range = chunk.lowerBound * Self.blockAlignment ..< min(length, chunk.upperBound * Self.blockAlignment)
            let (rows, columns) = alongRows ? (range, 0..<n) : (0..<m, range)
            block(rows: rows, columns: columns)
            epilogue(rows, columns)
        }
    }

    /// One GEMM call for a block of `c`.
    func block(rows: Range<Int>, columns: Range<Int>) {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let bytes = isDouble ? 8 : 4
        let aStart = a + rows.lowerBound * aLayout.rowStep * bytes
        let bStart = b + columns.lowerBound * bLayout.columnStep * bytes
        let cStart = c + (rows.lowerBound * ldc + columns.lowerBound) * bytes
        let (rowCount, columnCount) = (Int32(rows.count), Int32(columns.count))
        if !isDouble {
            let status = strata_dnnl_sgemm(
                aLayout.transpose == CblasTrans ? 1 : 0, bLayout.transpose == CblasTrans ? 1 : 0, rows.count, columns.count, k, 1,
                aStart.assumingMemoryBound(to: Float.self), Int(aLayout.leadingDimension),
                bStart.assumingMemoryBound(to: Float.self), Int(bLayout.leadingDimension), 0,
                cStart.assumingMemoryBound(to: Float.self), ldc)
            precondition(status == 0, "matmul: oneDNN sgemm failed (status \(status)) for [\(rows.count), \(k)] x [\(k), \(columns.count)]")
        } else {
            cblas_dgemm(CblasRowMajor, aLayout.transpose, bLayout.transpose, rowCount, columnCount, Int32(k), 1,
                        aStart.assumingMemoryBound(to: Double.self), aLayout.leadingDimension,
                        bStart.assumingMemoryBound(to: Double.self), bLayout.leadingDimension, 0,
                        cStart.assumingMemoryBound(to: Double.self), Int32(ldc))
        }
    }
}
