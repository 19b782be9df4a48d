import Strata

/// The area under the ROC curve of binary `scores` against `labels`, from ranks: the
/// probability that a random positive scores above a random negative, a tie counting one half
/// (the Mann-Whitney U statistic over n+ n-; Hanley and McNeil, 1982). Equals scikit-learn's
/// `roc_auc_score` for binary labels, which integrates the same curve by trapezoids.
///
/// scores: `[count]` (any float or integer dtype; higher means more likely positive); labels:
/// `[count]`, 1 or true for positive and 0 or false for negative (bool, int32, int64, or float
/// 0/1). Both classes must occur: with one, the curve is undefined (scikit-learn raises too).
public func rocAUC(scores: Tensor, labels: Tensor) -> Double {
    precondition(scores.rank == 1 && labels.shape == scores.shape,
                 "rocAUC: scores \(scores.shape) and labels \(labels.shape) must both be [count]")
    let values = scores.cast(to: .float64).scalars(as: Double.self)
    let classes = labels.cast(to: .float64).scalars(as: Double.self)
    precondition(classes.allSatisfy { $0 == 0 || $0 == 1 }, "rocAUC: labels must be 0 or 1")
    precondition(!values.contains { $0.isNaN }, "rocAUC: scores contain NaN")
    let positives = classes.count { $0 == 1 }
    let negatives = classes.count - positives
    precondition(positives > 0 && negatives > 0,
                 "rocAUC: needs both classes, got \(positives) positive and \(negatives) negative labels")
    // Average 1-based ranks: a run of tied scores shares the mean of the ranks it spans.
    let order = values.indices.sorted { values[$0] < values[$1] }
    var positiveRankSum = 0.0
    var start = 0
    while start < order.count {
        var end = start + 1
        while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
        let averageRank = Double(start + 1 + end) / 2  // mean of start+1 ... end
        for position in start..<end where classes[order[position]] == 1 { positiveRankSum += averageRank }
        start = end
    }
    let (p, n) = (Double(positives), Double(negatives))
    // U = (sum of positive ranks) - p(p+1)/2 counts the (positive, negative) pairs ordered right.
    return (positiveRankSum - p * (p + 1) / 2) / (p * n)
}
