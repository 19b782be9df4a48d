import CStrataKernels

/// A float32 recurrent weight laid out once for the products of every step of a sequence
/// (`strata_sgemm_packed_f32`). A general GEMM lays its right-hand matrix out again on every
/// call: for an LSTM step's [16, 256] x [256, 1024] product that made oneDNN's sgemm run at about
/// 100 GFLOP/s on one core of the benchmark machine (an AVX-512 Xeon), against about 165 for the
/// same product from this layout.
///
/// Only where the CPU has AVX-512 (`hasAVX512Kernel`); elsewhere the kernels keep their GEMM.
/// The layout lives in a tensor's storage, 64-byte aligned as the kernel's loads want and
/// recycled by the storage cache, so the layout of every sequence after the first reuses a
/// buffer instead of faulting in fresh pages.
struct PackedRecurrentWeight {
    static let hasAVX512Kernel = strata_sgemm_packed_fast() != 0

    private let layout: Tensor
    /// The matrix's rows (the products' inner dimension) and columns.
    let rows, columns: Int

    /// Lays out `rows` x `columns` of `matrix` (leading dimension `stride`; with `transposed`,
    /// `matrix` is stored `columns` x `rows` and read as its transpose), its panels split across the pool.
    init(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, stride: Int, transposed: Bool, pool: ThreadPool) {
        (self.rows, self.columns) = (rows, columns)
        layout = Tensor(uninitializedShape: [strata_sgemm_packed_size(rows, columns)], dtype: .float32)
        let (packed, panels) = (layout.elementPointer(as: Float.self), strata_sgemm_packed_panels(columns))
        pool.forEachChunk(of: panels, grain: max(1, panels / pool.threadCount)) { chunk in
            strata_sgemm_pack_f32(transposed ? 1 : 0, rows, columns, matrix, stride, packed, chunk.lowerBound, chunk.upperBound)
        }
    }

    /// `result[m, columns] = a[m, rows] matrix + addend[m, columns]` (without the addend when it
    /// is nil; it may be `result` itself), on the calling thread. Generic for the kernels that
    /// also run in float64, but only float32 has a laid-out weight (`RecurrentSteps.packedWeight`).
    func multiply<T: RecurrentKernelScalar>(_ m: Int, _ a: UnsafePointer<T>, stride: Int, adding addend: UnsafePointer<T>?,
                                            addendStride: Int, into result: UnsafeMutablePointer<T>, resultStride: Int) {
        precondition(T.self == Float.self, "PackedRecurrentWeight: float32 only, got \(T.self)")
        precondition(stride >= rows && resultStride >= columns && (addend == nil || addendStride >= columns),
                     "PackedRecurrentWeight: strides \(stride), \(resultStride), \(addendStride) narrower than \(rows) x \(columns)")
        strata_sgemm_packed_f32(m, columns, rows, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), stride,
                                layout.elementPointer(as: Float.self),
                                addend.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }, addendStride,
                                UnsafeMutableRawPointer(result).assumingMemoryBound(to: Float.self), resultStride)
    }
}

extension RecurrentSteps {
    /// The recurrent weight laid out for every step's product (`rows` x `columns`, stored with
    /// row length `stride`, read transposed with `transposed`) when `T` is float32, the CPU has
    /// AVX-512 and every part of `schedule` holds all hidden units, its whole rows then being one
    /// product per step; nil otherwise, and the kernels call `T.gemm` per step.
    static func packedWeight<T: RecurrentKernelScalar>(_ matrix: UnsafePointer<T>, rows: Int, columns: Int, stride: Int,
                                                       transposed: Bool, schedule: Schedule, pool: ThreadPool) -> PackedRecurrentWeight? {
        guard T.self == Float.self, PackedRecurrentWeight.hasAVX512Kernel, schedule.partsHoldEveryUnit else { return nil }
        return PackedRecurrentWeight(UnsafeRawPointer(matrix).assumingMemoryBound(to: Float.self), rows: rows, columns: columns,
                                     stride: stride, transposed: transposed, pool: pool)
    }
}
