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
    public func embeddingBag(indices: Tensor, weights: Tensor? = nil, mode: EmbeddingBagMode = .sum) -> Tensor {
        precondition(rank == 2, "embeddingBag: the table must be [count, size], got \(shape)")
        precondition(indices.rank == 2, "embeddingBag: indices must be [batch, k], got \(indices.shape)")
        precondition(weights == nil || weights!.shape == indices.shape,
                     "embeddingBag: weights \(weights!.shape) must match indices \(indices.shape)")
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
