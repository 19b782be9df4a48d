import Strata
import StrataNN
import StrataOptimizers
import Testing

/// The README's API tour, verbatim, so the documentation cannot drift from the code.
@Test func readmeTourRunsAndLearns() throws {
    var model = Sequential {
        Linear(inputSize: 784, outputSize: 256)
        ReLU()
        Linear(inputSize: 256, outputSize: 10)
    }
    var optimizer = Optimizer(Adam(), learningRate: 1e-3)
    let x = Tensor.normal([64, 784]), labels = Tensor((0..<64).map { Int64($0 % 10) })
    let (loss, gradients) = valueAndGradient(at: model) { model in
        crossEntropy(logits: model(x), labels: labels)
    }
    optimizer.update(&model, along: gradients)          // gradients are keyed by path: "0.weight", ...
    try model.loadStateDictionary(model.stateDictionary())
    #expect(Set(gradients.keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
    // A second step on the same batch lowers the loss.
    let after = crossEntropy(logits: model(x), labels: labels)
    #expect(after.scalar(as: Float.self) < loss.scalar(as: Float.self))
}
