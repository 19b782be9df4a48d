import Strata

/// Counts of (true class, predicted class) pairs: `counts[t, p]` is the number of samples of
/// class `t` predicted as `p` (rows are the truth, as in scikit-learn's `confusion_matrix`).
public struct ConfusionMatrix: Sendable, Equatable {
    /// The number of classes.
    public let classCount: Int
    /// Row-major counts, `classCount * classCount` of them.
    public private(set) var storage: [Int]

    /// An empty matrix for `classCount` classes.
    public init(classCount: Int) {
        precondition(classCount > 0, "ConfusionMatrix: classCount must be positive, got \(classCount)")
        self.classCount = classCount
        storage = [Int](repeating: 0, count: classCount * classCount)
    }

    /// The matrix of `predictions` against `labels`, both `[batch]` class indices (int32/int64)
    /// in `0..<classCount`.
    public init(predictions: Tensor, labels: Tensor, classCount: Int) {
        self.init(classCount: classCount)
        add(predictions: predictions, labels: labels)
    }

    /// Adds one batch: `predictions` and `labels` are `[batch]` class indices. Call once per
    /// evaluation batch to accumulate over a data set.
    public mutating func add(predictions: Tensor, labels: Tensor) {
        precondition(predictions.rank == 1 && labels.shape == predictions.shape,
                     "ConfusionMatrix: predictions \(predictions.shape) and labels \(labels.shape) must both be [batch]")
        for (name, tensor) in [("predictions", predictions), ("labels", labels)] {
            precondition(tensor.dtype == .int32 || tensor.dtype == .int64,
                         "ConfusionMatrix: \(name) must be int32 or int64, got \(tensor.dtype)")
            checkClassIndices(tensor, classes: classCount, op: "ConfusionMatrix", name: name)
        }
        let predicted = predictions.cast(to: .int64).scalars(as: Int64.self)
        let truth = labels.cast(to: .int64).scalars(as: Int64.self)
        for (p, t) in zip(predicted, truth) { storage[Int(t) * classCount + Int(p)] += 1 }
    }

    /// The number of samples of class `trueClass` predicted as `predictedClass`.
    public subscript(trueClass: Int, predictedClass: Int) -> Int {
        precondition((0..<classCount).contains(trueClass) && (0..<classCount).contains(predictedClass),
                     "ConfusionMatrix: [\(trueClass), \(predictedClass)] is outside [\(classCount), \(classCount)]")
        return storage[trueClass * classCount + predictedClass]
    }

    /// The counts as an int64 tensor `[classCount, classCount]`, rows the true class.
    public var counts: Tensor {
        Tensor(storage.map(Int64.init), shape: [classCount, classCount])
    }

    /// The number of samples counted.
    public var total: Int { storage.reduce(0, +) }
}
