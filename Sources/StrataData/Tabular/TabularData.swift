import Strata

/// Encoded rows of a table (`TabularEncoder.encode`): the inputs of a Wide & Deep model.
public struct TabularData: Sendable {
    /// float32 `[rows, numericColumns]`, standardized.
    public let numeric: Tensor
    /// int64 `[rows, categoricalColumns]`, each column's vocabulary index.
    public let categorical: Tensor
    /// int64 `[rows, wideFields]`, one id per field in the shared wide id space.
    public let wide: Tensor
    /// float32 `[rows]`, 1 for the positive label and 0 for the negative; nil when not encoded.
    public let labels: Tensor?

    public init(numeric: Tensor, categorical: Tensor, wide: Tensor, labels: Tensor?) {
        let rows = numeric.shape[0]
        precondition(categorical.shape[0] == rows && wide.shape[0] == rows && (labels?.shape ?? [rows]) == [rows],
                     "TabularData: numeric \(numeric.shape), categorical \(categorical.shape), wide \(wide.shape) "
                        + "and labels \(labels?.shape ?? []) disagree on the row count")
        self.numeric = numeric
        self.categorical = categorical
        self.wide = wide
        self.labels = labels
    }

    /// The number of rows.
    public var count: Int { numeric.shape[0] }

    /// The rows at `indices`, in that order (a mini-batch or one part of a split).
    public func rows(_ indices: [Int]) -> TabularData {
        let index = Tensor(indices.map(Int64.init), shape: [indices.count])
        return TabularData(numeric: numeric.indexSelect(axis: 0, indices: index),
                           categorical: categorical.indexSelect(axis: 0, indices: index),
                           wide: wide.indexSelect(axis: 0, indices: index),
                           labels: labels?.indexSelect(axis: 0, indices: index))
    }
}
