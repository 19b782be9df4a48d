import Strata

/// Samples and labels held in memory as two tensors whose first axis is the sample.
///
/// inputs: `[count, ...]` (float32 after `normalized`); labels: `[count]` (int64).
public struct TensorDataset: Sendable {
    public var inputs: Tensor
    public var labels: Tensor

    public init(inputs: Tensor, labels: Tensor) {
        precondition(inputs.rank >= 1 && labels.rank >= 1 && inputs.shape[0] == labels.shape[0],
                     "TensorDataset: \(inputs.shape[0]) inputs but \(labels.shape[0]) labels")
        self.inputs = inputs
        self.labels = labels
    }

    /// The number of samples.
    public var count: Int { inputs.shape[0] }

    /// Inputs as float32 `(x / scale - mean) / standardDeviation`, e.g. pixels with `scale` 255.
    public func normalized(scale: Double = 1, mean: Double = 0, standardDeviation: Double = 1) -> TensorDataset {
        let x = (inputs.cast(to: .float32) * (1 / (scale * standardDeviation))) - mean / standardDeviation
        return TensorDataset(inputs: x, labels: labels)
    }

    /// Samples `indices` (int64 `[n]`) in that order.
    public func samples(at indices: Tensor) -> (inputs: Tensor, labels: Tensor) {
        (inputs.indexSelect(axis: 0, indices: indices), labels.indexSelect(axis: 0, indices: indices))
    }

    /// Mini-batches in order, or shuffled by `generator`; the last smaller batch is dropped when
    /// `dropLast`. Each call with a fresh generator state gives a new order (one per epoch).
    public func batches(size: Int, shuffle: Bool = false, dropLast: Bool = false,
                        generator: RandomGenerator = .current) -> [(inputs: Tensor, labels: Tensor)] {
        precondition(size > 0, "batches: size must be positive, got \(size)")
        let order = shuffle ? permutation(count, generator: generator) : Array(0..<count)
        var result: [(inputs: Tensor, labels: Tensor)] = []
        var start = 0
        while start < count {
            let end = min(start + size, count)
            if dropLast && end - start < size { break }
            if shuffle {
                result.append(samples(at: Tensor(order[start..<end].map(Int64.init))))
            } else {
                result.append((inputs[start..<end], labels[start..<end]))
            }
            start = end
        }
        return result
    }
}

/// A uniformly random permutation of `0..<count` (Fisher-Yates driven by `generator`).
public func permutation(_ count: Int, generator: RandomGenerator = .current) -> [Int] {
    let draws = Tensor.uniform([count], dtype: .float64, generator: generator).scalars(as: Double.self)
    var order = Array(0..<count)
    for i in stride(from: count - 1, to: 0, by: -1) {
        let j = min(Int(draws[i] * Double(i + 1)), i)
        order.swapAt(i, j)
    }
    return order
}
