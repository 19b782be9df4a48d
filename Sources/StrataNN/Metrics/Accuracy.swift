import Strata

/// The fraction of samples whose highest-scoring class is their label.
///
/// scores: `[batch, classes]` (logits or probabilities, any float dtype); labels: `[batch]`
/// (int32/int64). A tie goes to the lowest class index, as `argmax` breaks it, so this equals
/// `topKAccuracy(scores:labels:k: 1)`. An empty batch has accuracy 0.
public func accuracy(scores: Tensor, labels: Tensor) -> Double {
    checkClassificationShapes(scores: scores, labels: labels, op: "accuracy")
    let count = labels.shape[0]
    guard count > 0 else { return 0 }
    let predicted = scores.argmax(axis: 1).scalars(as: Int64.self)
    let truth = labels.cast(to: .int64).scalars(as: Int64.self)
    let correct = zip(predicted, truth).count { $0 == $1 }
    return Double(correct) / Double(count)
}

/// Traps unless `scores` is `[batch, classes]` and `labels` is `[batch]` of class indices in
/// `0..<classes`.
func checkClassificationShapes(scores: Tensor, labels: Tensor, op: String) {
    precondition(scores.rank == 2, "\(op): scores must be [batch, classes], got \(scores.shape)")
    precondition(labels.rank == 1 && labels.shape[0] == scores.shape[0],
                 "\(op): labels \(labels.shape) do not match scores \(scores.shape)")
    precondition(labels.dtype == .int32 || labels.dtype == .int64, "\(op): labels must be int32 or int64, got \(labels.dtype)")
    checkClassIndices(labels, classes: scores.shape[1], op: op, name: "labels")
}

/// Traps unless every element of `indices` is in `0..<classes`.
func checkClassIndices(_ indices: Tensor, classes: Int, op: String, name: String) {
    for value in indices.cast(to: .int64).scalars(as: Int64.self) {
        precondition(value >= 0 && value < Int64(classes), "\(op): \(name) holds class \(value), outside 0..<\(classes)")
    }
}
