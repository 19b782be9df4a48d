import Strata
import StrataNN
import Testing

/// Ten samples, three classes. Pairs (true, predicted):
///   (0,0) (0,0) (0,1) (1,1) (1,1) (1,1) (1,2) (2,0) (2,2) (2,2)
/// so the matrix, rows true, columns predicted, is
///   [2, 1, 0]
///   [0, 3, 1]
///   [1, 0, 2]
private let labels = Tensor([0, 0, 0, 1, 1, 1, 1, 2, 2, 2] as [Int64])
private let predictions = Tensor([0, 0, 1, 1, 1, 1, 2, 0, 2, 2] as [Int64])

@Test func confusionMatrixPutsTruthInRows() {
    let matrix = ConfusionMatrix(predictions: predictions, labels: labels, classCount: 3)
    #expect(matrix.counts.shape == [3, 3])
    #expect(matrix.counts.dtype == .int64)
    #expect(matrix.counts.scalars(as: Int64.self) == [2, 1, 0, 0, 3, 1, 1, 0, 2])
    #expect(matrix[0, 1] == 1 && matrix[1, 0] == 0)
    #expect(matrix.total == 10)
}

@Test func confusionMatrixAccumulatesBatches() {
    var matrix = ConfusionMatrix(classCount: 3)
    matrix.add(predictions: predictions[0..<4], labels: labels[0..<4])
    matrix.add(predictions: predictions[4..<10].cast(to: .int32), labels: labels[4..<10].cast(to: .int32))
    #expect(matrix == ConfusionMatrix(predictions: predictions, labels: labels, classCount: 3))
}

@Test func precisionRecallAndF1FromTheMatrix() {
    let matrix = ConfusionMatrix(predictions: predictions, labels: labels, classCount: 3)
    // Column sums (predicted) 3, 4, 3; row sums (true) 3, 4, 3; diagonal 2, 3, 2.
    // precision = diagonal / column: 2/3, 3/4, 2/3; recall = diagonal / row: 2/3, 3/4, 2/3.
    // F1 = 2 TP / (row + column): 4/6, 6/8, 4/6.
    let expected: [Double] = [2.0 / 3, 3.0 / 4, 2.0 / 3]
    let expectedF1: [Double] = [4.0 / 6, 6.0 / 8, 4.0 / 6]
    #expect(matrix.precision == expected)
    #expect(matrix.recall == expected)
    #expect(matrix.f1 == expectedF1)
    // Macro: (2/3 + 3/4 + 2/3) / 3 = (25/12) / 3 = 25/36.
    #expect(abs(matrix.macroPrecision - 25.0 / 36) < 1e-15)
    #expect(abs(matrix.macroRecall - 25.0 / 36) < 1e-15)
    #expect(abs(matrix.macroF1 - 25.0 / 36) < 1e-15)
}

@Test func asymmetricScoresAndEmptyClasses() {
    // Truth [0, 0, 0, 1], predicted [0, 1, 1, 1], 3 classes (class 2 never occurs):
    //   [1, 2, 0]
    //   [0, 1, 0]
    //   [0, 0, 0]
    // precision 1/1, 1/3, 0 (no prediction: zero_division 0); recall 1/3, 1/1, 0 (no sample).
    // F1 = 2 TP / (row + column): 2/4, 2/4, 0.
    let matrix = ConfusionMatrix(predictions: Tensor([0, 1, 1, 1] as [Int64]),
                                 labels: Tensor([0, 0, 0, 1] as [Int64]), classCount: 3)
    let expectedPrecision: [Double] = [1, 1.0 / 3, 0]
    let expectedRecall: [Double] = [1.0 / 3, 1, 0]
    #expect(matrix.precision == expectedPrecision)
    #expect(matrix.recall == expectedRecall)
    #expect(matrix.f1 == [0.5, 0.5, 0])
    // Macro F1 averages over all three classes: (0.5 + 0.5 + 0) / 3 = 1/3.
    #expect(abs(matrix.macroF1 - 1.0 / 3) < 1e-15)
    #expect(abs(matrix.macroPrecision - 4.0 / 9) < 1e-15)  // (1 + 1/3) / 3
}
