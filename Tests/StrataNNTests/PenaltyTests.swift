import Strata
import StrataNN
import Testing

// Penalties on a model with hand-picked weights; every expected number is worked out beside it.

private func model() -> Sequential {
    Sequential {
        Linear(weight: Tensor([[1, -2], [3, -4]] as [[Float]]), bias: Tensor([5, -6] as [Float]))
        LayerNorm(normalizedShape: [2])
        Linear(weight: Tensor([[0.5, -0.5]] as [[Float]]))
    }
}

@Test func penaltiesCoverWeightMatricesByDefault() {
    // Weight matrices only (biases and the LayerNorm's vectors excluded):
    // l1: 0.1 * (1 + 2 + 3 + 4 + 0.5 + 0.5) = 1.1
    // l2: 0.1 / 2 * (1 + 4 + 9 + 16 + 0.25 + 0.25) = 1.525
    #expect(Swift.abs(l1Penalty(model(), strength: 0.1).scalar(as: Float.self) - 1.1) < 1e-6)
    #expect(Swift.abs(l2Penalty(model(), strength: 0.1).scalar(as: Float.self) - 1.525) < 1e-6)
}

@Test func l2PenaltyGradientIsStrengthTimesTheSelectedWeights() {
    let strength = 0.1
    let gradients = gradient(at: model()) { l2Penalty($0, strength: strength) }
    // d/dw (s / 2 * w^2) = s * w on the selected matrices; the rest do not enter the penalty.
    #expect(gradients["0.weight"]!.isApproximatelyEqual(to: Tensor([[0.1, -0.2], [0.3, -0.4]] as [[Float]])))
    #expect(gradients["2.weight"]!.isApproximatelyEqual(to: Tensor([[0.05, -0.05]] as [[Float]])))
    for path: ParameterPath in ["0.bias", "1.weight", "1.bias"] {
        #expect(gradients[path]!.scalars(as: Float.self).allSatisfy { $0 == 0 }, "\(path)")
    }
}

@Test func l1PenaltyGradientIsStrengthTimesTheSign() {
    let gradients = gradient(at: model()) { l1Penalty($0, strength: 0.5) }
    // d/dw (s |w|) = s sign(w).
    #expect(gradients["0.weight"]!.scalars(as: Float.self) == [0.5, -0.5, 0.5, -0.5])
    #expect(gradients["0.bias"]!.scalars(as: Float.self) == [0, 0])
}

@Test func aSelectionChoosesWhichParametersArePenalized() {
    // Biases only: 0.1 / 2 * (25 + 36) = 3.05, gradient 0.1 * b = [0.5, -0.6].
    let biases: ParameterSelection = { path, _ in path.description.hasSuffix("bias") }
    let (value, gradients) = valueAndGradient(at: model()) { l2Penalty($0, strength: 0.1, selecting: biases) }
    #expect(Swift.abs(value.scalar(as: Float.self) - 3.05) < 1e-6)
    // The LayerNorm bias is zero, so its term and gradient are zero too.
    #expect(gradients["0.bias"]!.isApproximatelyEqual(to: Tensor([0.5, -0.6] as [Float])))
    #expect(gradients["1.bias"]!.scalars(as: Float.self) == [0, 0])
    #expect(gradients["0.weight"]!.scalars(as: Float.self).allSatisfy { $0 == 0 })
    // Selecting nothing gives a zero penalty.
    #expect(l1Penalty(model(), strength: 1, selecting: { _, _ in false }).scalar(as: Float.self) == 0)
}
