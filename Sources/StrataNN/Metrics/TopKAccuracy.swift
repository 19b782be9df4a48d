import Strata

/// The fraction of samples whose label is among their `k` highest-scoring classes.
///
/// scores: `[batch, classes]`; labels: `[batch]` (int32/int64); `k` in `1...classes`. Classes
/// are ranked by descending score, ties by ascending index (as `argmax` picks the first
/// maximum), so the result never depends on a sort's tie order and `k = 1` equals `accuracy`.
/// An empty batch has accuracy 0.
public func topKAccuracy(scores: Tensor, labels: Tensor, k: Int) -> Double {
    checkClassificationShapes(scores: scores, labels: labels, op: "topKAccuracy")
    let (count, classes) = (scores.shape[0], scores.shape[1])
    precondition((1...max(classes, 1)).contains(k), "topKAccuracy: k \(k) must be in 1...\(classes) for scores \(scores.shape)")
    guard count > 0 else { return 0 }
    let values = scores.cast(to: .float64).scalars(as: Double.self)
    let truth = labels.cast(to: .int64).scalars(as: Int64.self)
    var correct = 0
    for sample in 0..<count {
        let row = values[(sample * classes)..<((sample + 1) * classes)]
        let label = Int(truth[sample])
        let target = row[row.startIndex + label]
        // The label's rank is the number of classes ordered before it.
        let ahead = row.indices.count { index in
            let score = row[index]
            return score > target || (score == target && index - row.startIndex < label)
        }
        if ahead < k { correct += 1 }
    }
    return Double(correct) / Double(count)
}
