/// Precision, recall and F1 per class and their unweighted (macro) means, read from a confusion
/// matrix as scikit-learn's `precision_recall_fscore_support` does.
///
/// For class c: TP = counts[c, c], precision = TP / (column c sum), recall = TP / (row c sum),
/// F1 = 2 TP / (row sum + column sum), the harmonic mean of the two. A ratio with a zero
/// denominator is 0 (scikit-learn's `zero_division=0`). Macro averages weigh every class
/// equally, including classes that never occur, as scikit-learn's `average="macro"` does when
/// `labels` lists them all.
extension ConfusionMatrix {
    /// Precision of each class: of the samples predicted as c, the fraction that are c.
    public var precision: [Double] {
        (0..<classCount).map { ratio(self[$0, $0], predictedCount(of: $0)) }
    }

    /// Recall of each class: of the samples of class c, the fraction predicted as c.
    public var recall: [Double] {
        (0..<classCount).map { ratio(self[$0, $0], trueCount(of: $0)) }
    }

    /// F1 of each class, `2 TP / (2 TP + FP + FN)`.
    public var f1: [Double] {
        (0..<classCount).map { ratio(2 * self[$0, $0], trueCount(of: $0) + predictedCount(of: $0)) }
    }

    /// The mean of the per-class precisions.
    public var macroPrecision: Double { mean(precision) }

    /// The mean of the per-class recalls.
    public var macroRecall: Double { mean(recall) }

    /// The mean of the per-class F1 scores (not the F1 of the macro precision and recall).
    public var macroF1: Double { mean(f1) }

    /// The number of samples whose true class is `c` (row sum).
    public func trueCount(of c: Int) -> Int { (0..<classCount).reduce(0) { $0 + self[c, $1] } }

    /// The number of samples predicted as `c` (column sum).
    public func predictedCount(of c: Int) -> Int { (0..<classCount).reduce(0) { $0 + self[$1, c] } }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }

    private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
}
