import Strata
import StrataNN
import Testing

// Loss behaviour beyond the PyTorch fixtures (FidelityTests): edge inputs, derived by hand.

@Test func binaryCrossEntropyStaysFiniteAtSaturatedProbabilities() {
    // A float32 sigmoid returns exactly 0 or 1 beyond |x| ≈ 17 (and 88). PyTorch clamps each log
    // at -100, so a confident wrong answer costs -(1 * -100) = 100 and a confident right one 0.
    let probabilities = Tensor([0, 1, 0, 1] as [Float])
    let targets = Tensor([1, 0, 0, 1] as [Float])
    let loss = binaryCrossEntropy(probabilities: probabilities, targets: targets, reduction: .none)
    #expect(loss.scalars(as: Float.self) == [100, 100, 0, 0])
    // The clamped log is flat where it clamps, so those elements pass gradient 0; for the
    // right answers d/dp -log p = -1 at p = 1 and d/dp -log(1 - p) = 1 at p = 0.
    // (PyTorch's hand-written backward gives ±1e12 for the first two, from its 1e-12 epsilon.)
    let slope = gradient(at: probabilities) { binaryCrossEntropy(probabilities: $0, targets: targets, reduction: .sum) }
    #expect(slope.scalars(as: Float.self).allSatisfy { $0.isFinite })
    #expect(slope.scalars(as: Float.self).map(Swift.abs) == [0, 0, 1, 1])
}

@Test func crossEntropyAcceptsInt32AndInt64Labels() {
    let logits = Tensor([[1, 2, 3], [0, -1, 2]] as [[Float]])
    let fromInt32 = crossEntropy(logits: logits, labels: Tensor([2, 0] as [Int32]))
    let fromInt64 = crossEntropy(logits: logits, labels: Tensor([2, 0] as [Int64]))
    #expect(fromInt32.scalars(as: Float.self) == fromInt64.scalars(as: Float.self))
    // By hand: mean of logSumExp - picked = (log(e + e^2 + e^3) - 3 + log(1 + e^-1 + e^2) - 0) / 2.
    let first = Float.log(Float.exp(1) + Float.exp(2) + Float.exp(3)) - 3
    let second = Float.log(1 + Float.exp(-1) + Float.exp(2))
    #expect(Swift.abs(fromInt64.scalar(as: Float.self) - (first + second) / 2) < 1e-6)
}
