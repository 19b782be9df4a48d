import Strata
import StrataNN
import Testing

@Test func rocAUCByHand() {
    // Scores 0.1, 0.4, 0.35, 0.8 with labels 0, 0, 1, 1 (scikit-learn's documented example):
    // of the 4 (positive, negative) pairs, only (0.35, 0.4) is ordered wrong: 3/4.
    let auc = rocAUC(scores: Tensor([0.1, 0.4, 0.35, 0.8] as [Float]), labels: Tensor([0, 0, 1, 1] as [Int64]))
    #expect(auc == 0.75)
    // Ties count one half: positives {0.5, 0.9}, negatives {0.5, 0.2}. Pairs: (0.5, 0.5) 1/2,
    // (0.5, 0.2) 1, (0.9, 0.5) 1, (0.9, 0.2) 1: 3.5 / 4.
    let tied = rocAUC(scores: Tensor([0.5, 0.9, 0.5, 0.2] as [Double]), labels: Tensor([true, true, false, false]))
    #expect(tied == 0.875)
    // A perfect ranking is 1, a reversed one 0.
    #expect(rocAUC(scores: Tensor([1, 2, 3] as [Float]), labels: Tensor([0, 1, 1] as [Int32])) == 1)
    #expect(rocAUC(scores: Tensor([3, 2, 1] as [Float]), labels: Tensor([0, 1, 1] as [Int32])) == 0)
}

@Test(arguments: rocAUCFixtures.map(\.name))
func rocAUCMatchesScikitLearn(name: String) {
    let fixture = rocAUCFixtures.first { $0.name == name }!
    let auc = rocAUC(scores: Tensor(fixture.scores), labels: Tensor(fixture.labels))
    // Both are sums of pair counts over n+ n-; only the last bits of the division may differ.
    #expect(abs(auc - fixture.expected) < 1e-12, "\(name): \(auc) vs scikit-learn \(fixture.expected)")
}
