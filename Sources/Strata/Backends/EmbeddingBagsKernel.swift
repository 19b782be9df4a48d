/// A fused kernel for the composite `Tensor.concatenatedEmbeddingBags` (fixed-count embedding
/// bags of several tables side by side, then dense columns), offered by a backend through
/// `FusedKernels`.
///
/// Forward, for tables `[count_t, width_t]`, int64 `indices [batch, Σ bagSizes]` (table `t`
/// owns the next `bagSizes[t]` columns) and an optional `appending [batch, m]`: per row, each
/// table's rows at its ids summed in column order, side by side, then the appended row, in one
/// pass with no `[batch * ids, width]` intermediate. Backward, from the upstream gradient
/// `[batch, Σ width_t + m]`: each row's slice of table `t` added straight into a zeroed
/// `[count_t, width_t]` gradient at the same ids (rows in order, so repeated ids accumulate as
/// the composite's scatter-add does), and the appended columns' slice. A kernel adds in the
/// composite's order, so its values are the composite's within the rounding of its sum.
public protocol EmbeddingBagsKernel: Sendable {
    /// Whether the kernel runs these operands (dtypes, ranks, device); the op runs the composite
    /// otherwise. `indices` is int64.
    func supports(tables: [Tensor], indices: Tensor, appending: Tensor?) -> Bool
    /// The bags side by side, then `appending`: `[batch, Σ width_t + m]`. Traps, naming the
    /// sample and the column, on an id outside its table's rows.
    func forward(tables: [Tensor], indices: Tensor, bagSizes: [Int], appending: Tensor?) -> Tensor
    /// The gradients of the tables (shapes `tableShapes`; nil where `needs.tables[t]` is false)
    /// and of the appended columns (`appendWidth` wide; nil unless `needs.appending`).
    func backward(_ gradient: Tensor, tableShapes: [[Int]], indices: Tensor, bagSizes: [Int], appendWidth: Int,
                  needs: EmbeddingBagsGradientNeeds) -> (tables: [Tensor?], appending: Tensor?)
}

/// Which gradients an `EmbeddingBagsKernel.backward` call must return (the tracked operands).
public struct EmbeddingBagsGradientNeeds: Sendable, Equatable {
    public var tables: [Bool]
    public var appending: Bool

    public init(tables: [Bool], appending: Bool) {
        self.tables = tables
        self.appending = appending
    }
}
