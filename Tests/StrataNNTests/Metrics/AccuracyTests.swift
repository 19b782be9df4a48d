import Strata
import StrataNN
import Testing

/// Four samples, three classes. Row maxima: class 1, class 0, a tie of classes 0 and 2 (the
/// first, 0, wins), class 2.
private let scores = Tensor([
    0.1, 0.7, 0.2,
    0.5, 0.3, 0.2,
    0.4, 0.2, 0.4,
    0.1, 0.3, 0.6,
] as [Float], shape: [4, 3])

@Test func accuracyCountsArgmaxHits() {
    // Predictions [1, 0, 0, 2] against labels [1, 2, 0, 1]: samples 0 and 2 are right, 2/4.
    let labels = Tensor([1, 2, 0, 1] as [Int64])
    #expect(accuracy(scores: scores, labels: labels) == 0.5)
    #expect(accuracy(scores: scores, labels: labels.cast(to: .int32)) == 0.5)
    #expect(accuracy(scores: Tensor.zeros([0, 3]), labels: Tensor([] as [Int64])) == 0)
}

@Test func topKAccuracyRanksTiesByIndex() {
    let labels = Tensor([1, 2, 0, 1] as [Int64])
    // Rank of each label (0-based, ties to the lower index):
    //   sample 0, label 1 (0.7): first -> rank 0
    //   sample 1, label 2 (0.2): behind 0.5 and 0.3 -> rank 2
    //   sample 2, label 0 (0.4): tied with class 2, lower index -> rank 0
    //   sample 3, label 1 (0.3): behind 0.6 -> rank 1
    // top-1: 2/4, top-2: 3/4, top-3: 4/4.
    #expect(topKAccuracy(scores: scores, labels: labels, k: 1) == 0.5)
    #expect(topKAccuracy(scores: scores, labels: labels, k: 2) == 0.75)
    #expect(topKAccuracy(scores: scores, labels: labels, k: 3) == 1)
    // The tied class 2 of sample 2 is ranked behind class 0, so it needs k = 2.
    let tiedLabels = Tensor([1, 0, 2, 2] as [Int64])
    #expect(topKAccuracy(scores: scores, labels: tiedLabels, k: 1) == 0.75)
    #expect(topKAccuracy(scores: scores, labels: tiedLabels, k: 2) == 1)
}

@Test func topOneAccuracyEqualsAccuracy() {
    let generator = RandomGenerator(seed: 7)
    let logits = Tensor.normal([50, 5], generator: generator)
    let labels = Tensor((0..<50).map { Int64($0 * 7 % 5) })
    #expect(topKAccuracy(scores: logits, labels: labels, k: 1) == accuracy(scores: logits, labels: labels))
}
