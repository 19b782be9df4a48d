import Strata

/// Samples that can be gathered into batches by index: what `DataLoader` reads.
public protocol Dataset: Sendable {
    /// The number of samples.
    var count: Int { get }
    /// Samples `indices` in that order: inputs `[indices.count, ...]`, labels `[indices.count, ...]`.
    func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor)
    /// When sample i is row `rows[i]` of two tensors (slices along their first axis), those
    /// tensors and the rows of `indices`, so that `batch(at: indices)` is those rows of each:
    /// `DataLoader` then gathers the batch in parts (`IdleTimeRowGather`). nil (the default)
    /// when samples are made some other way.
    func sampleRows(at indices: [Int]) -> (inputs: Tensor, labels: Tensor, rows: [Int])?
}

extension Dataset {
    public func sampleRows(at indices: [Int]) -> (inputs: Tensor, labels: Tensor, rows: [Int])? { nil }
}

extension TensorDataset: Dataset {
    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        samples(at: Tensor(indices.map(Int64.init), shape: [indices.count]))
    }

    public func sampleRows(at indices: [Int]) -> (inputs: Tensor, labels: Tensor, rows: [Int])? {
        (inputs, labels, indices)
    }
}

/// The samples of `base` at `indices`, in that order (one part of a `split`).
public struct DatasetSubset<Base: Dataset>: Dataset {
    public let base: Base
    /// Positions in `base`; sample i of the subset is sample `indices[i]` of `base`.
    public let indices: [Int]

    public init(base: Base, indices: [Int]) {
        for index in indices {
            precondition((0..<base.count).contains(index), "DatasetSubset: index \(index) is outside 0..<\(base.count)")
        }
        self.base = base
        self.indices = indices
    }

    public var count: Int { indices.count }

    public func batch(at indices: [Int]) -> (inputs: Tensor, labels: Tensor) {
        base.batch(at: indices.map { self.indices[$0] })
    }

    public func sampleRows(at indices: [Int]) -> (inputs: Tensor, labels: Tensor, rows: [Int])? {
        base.sampleRows(at: indices.map { self.indices[$0] })
    }
}
