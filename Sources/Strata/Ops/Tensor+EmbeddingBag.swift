// Embedding bags: sums (or means) of table rows per example, without a dense one-hot matrix.

/// How an embedding bag combines the rows it looks up.
public enum EmbeddingBagMode: String, Sendable, Codable {
    /// The (optionally weighted) sum of the rows.
    case sum
    /// The sum divided by the number of indices in the bag; an empty bag gives zeros.
    case mean
}

extension Tensor {
    /// Per bag, the sum (or mean) of the rows of this table `[count, size]` at its indices:
    /// PyTorch's `embedding_bag` with offsets.
    ///
    /// `indices` (int32 or int64) is `[total]`, all bags one after the other; bag `b` holds the
    /// positions `offsets[b]..<offsets[b + 1]` (the last bag runs to the end), so `offsets` starts
    /// at 0 and never decreases. `weights` `[total]`, when given, scales each looked-up row before
    /// the sum (sum mode only). Returns `[offsets.count, size]`.
    ///
    /// A composite of `indexSelect` and `scatterAdding`, so its gradient reaches only the rows
    /// that were looked up (scatter-added into the table, repeated indices accumulating) and the
    /// weights; nothing of size `count` per example is ever built.
    public func embeddingBag(indices: Tensor, offsets: [Int], weights: Tensor? = nil, mode: EmbeddingBagMode = .sum) -> Tensor {
        precondition(rank == 2, "embeddingBag: the table must be [count, size], got \(shape)")
        precondition(indices.rank == 1, "embeddingBag: indices must be [total], got \(indices.shape)")
        let total = indices.shape[0]
        precondition(offsets.first.map { $0 == 0 } ?? (total == 0), "embeddingBag: offsets must start at 0, got \(offsets.prefix(3))")
        precondition(zip(offsets, offsets.dropFirst()).allSatisfy { $0 <= $1 } && (offsets.last ?? 0) <= total,
                     "embeddingBag: offsets must not decrease nor pass the \(total) indices")
        var bagOfPosition = [Int64](repeating: 0, count: total)
        for (bag, start) in offsets.enumerated() {
            let end = bag + 1 < offsets.count ? offsets[bag + 1] : total
            for position in start..<end { bagOfPosition[position] = Int64(bag) }
        }
        let size = shape[1]
        let rows = weightedRows(indices: indices, weights: weights, mode: mode)
        let target = Tensor(bagOfPosition, shape: [total, 1]).expanded(to: [total, size])
        let sums = Tensor.zeros([offsets.count, size], dtype: dtype).scatterAdding(along: 0, index: target, source: rows)
        guard mode == .mean else { return sums }
        let counts = offsets.indices.map { bag in
            Double(Swift.max((bag + 1 < offsets.count ? offsets[bag + 1] : total) - offsets[bag], 1))
        }
        return sums / Tensor(counts, shape: [offsets.count, 1]).cast(to: dtype)
    }

    /// The fixed-count form: `indices` `[batch, k]` holds `k` indices per example (one per
    /// categorical column, say), `weights` is `[batch, k]` when given. Returns `[batch, size]`.
    /// Unweighted sums are `concatenatedEmbeddingBags` of this one table (a fused kernel where
    /// the backend offers one).
    public func embeddingBag(indices: Tensor, weights: Tensor? = nil, mode: EmbeddingBagMode = .sum) -> Tensor {
        precondition(rank == 2, "embeddingBag: the table must be [count, size], got \(shape)")
        precondition(indices.rank == 2, "embeddingBag: indices must be [batch, k], got \(indices.shape)")
        precondition(weights == nil || weights!.shape == indices.shape,
                     "embeddingBag: weights \(weights!.shape) must match indices \(indices.shape)")
        if weights == nil && mode == .sum {
            // The one-table case of the side-by-side bags, fused where the backend offers it.
            return Tensor.concatenatedEmbeddingBags(tables: [self], indices: indices, bagSizes: [indices.shape[1]])
        }
        let (batch, k) = (indices.shape[0], indices.shape[1])
        let rows = weightedRows(indices: indices.reshaped(to: [-1]), weights: weights?.reshaped(to: [-1]), mode: mode)
        let grouped = rows.reshaped(to: [batch, k, shape[1]])
        return mode == .sum ? grouped.sum(alongAxes: [1]) : grouped.mean(alongAxes: [1])
    }

    /// The rows at `indices` `[total]`, each scaled by its weight when `weights` is given.
    private func weightedRows(indices: Tensor, weights: Tensor?, mode: EmbeddingBagMode) -> Tensor {
        precondition(indices.dtype.isInteger, "embeddingBag: indices must be int32 or int64, got \(indices.dtype)")
        precondition(weights == nil || mode == .sum, "embeddingBag: per-index weights need sum mode")
        let rows = indexSelect(axis: 0, indices: indices.cast(to: .int64))
        guard let weights else { return rows }
        precondition(weights.shape == indices.shape, "embeddingBag: weights \(weights.shape) must match indices \(indices.shape)")
        return rows * weights.cast(to: dtype).unsqueezed(axis: 1)
    }
}

extension Tensor {
    /// Fixed-count embedding bags of several tables side by side, then `appending`: the input
    /// of a tabular network (each categorical column's embedding, then the numeric columns) in
    /// one op.
    ///
    /// `tables[t]` is `[count_t, width_t]` (one dtype); `indices` (int32 or int64) is `[batch,
    /// Σ bagSizes]`, table `t` taking the next `bagSizes[t]` columns (1 for a plain lookup);
    /// `appending`, when given, is `[batch, m]` of the tables' dtype. Returns `[batch, Σ width_t
    /// + m]`: per row, the sum of each table's rows at its ids, then the appended row.
    ///
    /// The composite (per table `indexSelect`, summed over the bag for more than one id, then
    /// `concat`) is the specification. A backend that offers a fused kernel for it
    /// (`FusedKernels.embeddingBags`, the CPU backend in float32 and float64) gathers straight
    /// into the concatenated layout and scatter-adds the gradient straight into each table's,
    /// with no intermediate per id, slice or concatenation.
    public static func concatenatedEmbeddingBags(tables: [Tensor], indices: Tensor, bagSizes: [Int],
                                                 appending: Tensor? = nil) -> Tensor {
        precondition(!tables.isEmpty && tables.count == bagSizes.count,
                     "embeddingBags: \(tables.count) tables for \(bagSizes.count) bag sizes")
        precondition(tables.allSatisfy { $0.rank == 2 && $0.dtype == tables[0].dtype },
                     "embeddingBags: the tables must be [count, width] of one dtype, got \(tables.map(\.shape))")
        precondition(indices.dtype.isInteger && indices.rank == 2, "embeddingBags: indices must be int32 or int64 [batch, ids], got \(indices.dtype) \(indices.shape)")
        precondition(bagSizes.allSatisfy { $0 >= 0 } && bagSizes.reduce(0, +) == indices.shape[1],
                     "embeddingBags: bag sizes \(bagSizes) do not cover the \(indices.shape[1]) id columns")
        precondition(appending.map { $0.rank == 2 && $0.shape[0] == indices.shape[0] && $0.dtype == tables[0].dtype } ?? true,
                     "embeddingBags: appended columns \(appending!.shape) \(appending!.dtype) must be [\(indices.shape[0]), m] \(tables[0].dtype)")
        let ids = indices.cast(to: .int64)
        if let kernel = Backends.current.fusedKernels.embeddingBags, kernel.supports(tables: tables, indices: ids, appending: appending) {
            let output = kernel.forward(tables: tables, indices: ids, bagSizes: bagSizes, appending: appending)
            return recording(output, inputs: tables + (appending.map { [$0] } ?? []),
                             DerivativeRules.embeddingBags(kernel, tables: tables, indices: ids, bagSizes: bagSizes, appending: appending))
        }
        let batch = indices.shape[0]
        var start = 0
        var parts: [Tensor] = []
        for (table, size) in zip(tables, bagSizes) {
            let columns = ids[.all, .range(start, start + size, step: 1)]
            let rows = table.indexSelect(axis: 0, indices: columns.reshaped(to: [-1]))
            parts.append(size == 1 ? rows : rows.reshaped(to: [batch, size, table.shape[1]]).sum(alongAxes: [1]))
            start += size
        }
        if let appending { parts.append(appending) }
        return concat(parts, axis: 1)
    }
}
