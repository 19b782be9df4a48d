import CStrataKernels

/// The CPU backend's fused embedding bags for float32 and float64 tables, the kernel behind
/// `Tensor.concatenatedEmbeddingBags`: one C pass over the batch per direction, on the calling
/// thread (a tabular batch's lookups are microseconds, less than a pool dispatch).
struct CPUEmbeddingBagsKernel: EmbeddingBagsKernel {
    func supports(tables: [Tensor], indices: Tensor, appending: Tensor?) -> Bool {
        guard let dtype = tables.first?.dtype, dtype == .float32 || dtype == .float64 else { return false }
        return indices.dtype == .int64 && tables.allSatisfy { $0.dtype == dtype && $0.rank == 2 }
            && (appending?.dtype ?? dtype) == dtype
    }

    func forward(tables: [Tensor], indices: Tensor, bagSizes: [Int], appending: Tensor?) -> Tensor {
        let (batch, columns) = (indices.shape[0], indices.shape[1])
        let dense = (tables: tables.map(Self.dense), ids: Self.dense(indices), appending: appending.map(Self.dense))
        let ids = dense.ids.elementPointer(as: Int64.self)
        let (rowCounts, widths) = (tables.map { $0.shape[0] }, tables.map { $0.shape[1] })
        let appendWidth = appending?.shape[1] ?? 0
        let dtype = tables[0].dtype
        let output = Tensor(uninitializedShape: [batch, widths.reduce(0, +) + appendWidth], dtype: dtype)
        let bad = withExtendedLifetime(dense) {
            if dtype == .float32 {
                let pointers = dense.tables.map { UnsafePointer(Optional($0.elementPointer(as: Float.self))) }
                return strata_embedding_bags_forward_f32(pointers, rowCounts, widths, bagSizes, tables.count, ids, batch, columns,
                                                         dense.appending?.elementPointer(as: Float.self), appendWidth,
                                                         output.elementPointer(as: Float.self))
            } else {
                let pointers = dense.tables.map { UnsafePointer(Optional($0.elementPointer(as: Double.self))) }
                return strata_embedding_bags_forward_f64(pointers, rowCounts, widths, bagSizes, tables.count, ids, batch, columns,
                                                         dense.appending?.elementPointer(as: Double.self), appendWidth,
                                                         output.elementPointer(as: Double.self))
            }
        }
        if bad >= 0 {
            let (sample, column) = (bad / columns, bad % columns)
            let table = bagSizes.indices.first { bagSizes[...$0].reduce(0, +) > column }!
            let id = withExtendedLifetime(dense.ids) { ids[bad] }
            preconditionFailure("embeddingBags: id \(id) of sample \(sample), column \(column) is outside "
                                + "0..<\(rowCounts[table]) for table \(table) \(tables[table].shape)")
        }
        return output
    }

    func backward(_ gradient: Tensor, tableShapes: [[Int]], indices: Tensor, bagSizes: [Int], appendWidth: Int,
                  needs: EmbeddingBagsGradientNeeds) -> (tables: [Tensor?], appending: Tensor?) {
        let (batch, columns) = (indices.shape[0], indices.shape[1])
        let (g, ids) = (Self.dense(gradient), Self.dense(indices))
        let dtype = gradient.dtype
        let tables = tableShapes.indices.map { needs.tables[$0] ? Self.zeros(tableShapes[$0], dtype: dtype) : nil }
        let appending = needs.appending ? Tensor(uninitializedShape: [batch, appendWidth], dtype: dtype) : nil
        let widths = tableShapes.map { $0[1] }
        withExtendedLifetime((g, ids)) {
            let idPointer = ids.elementPointer(as: Int64.self)
            if dtype == .float32 {
                strata_embedding_bags_backward_f32(g.elementPointer(as: Float.self), tables.map { $0?.elementPointer(as: Float.self) },
                                                   widths, bagSizes, widths.count, idPointer, batch, columns,
                                                   appending?.elementPointer(as: Float.self), appendWidth)
            } else {
                strata_embedding_bags_backward_f64(g.elementPointer(as: Double.self), tables.map { $0?.elementPointer(as: Double.self) },
                                                   widths, bagSizes, widths.count, idPointer, batch, columns,
                                                   appending?.elementPointer(as: Double.self), appendWidth)
            }
        }
        return (tables, appending)
    }

    /// A zeroed dense tensor: one memset, not a fill through the backend.
    private static func zeros(_ shape: [Int], dtype: DType) -> Tensor {
        let x = Tensor(uninitializedShape: shape, dtype: dtype)
        x.rawElementPointer.initializeMemory(as: UInt8.self, repeating: 0, count: x.scalarCount * dtype.byteSize)
        return x
    }

    /// `x` itself when dense row-major, else a dense copy.
    private static func dense(_ x: Tensor) -> Tensor {
        x.isContiguous && x.offset >= 0 ? x : CPUBackend.shared.contiguous(x)
    }
}
