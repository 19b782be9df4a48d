import Foundation
import Strata
import StrataIO
import StrataNN
import StrataOptimizers
import Testing

/// The README's API tour, verbatim apart from the checks, so the documentation cannot drift.
@Test func readmeTourTrainsSavesLoadsAndPredicts() throws {
    func makeModel() -> Sequential {
        Sequential {
            Linear(inputSize: 784, outputSize: 256)
            ReLU()
            Linear(inputSize: 256, outputSize: 10)
        }
    }
    var model = makeModel()
    var optimizer = Optimizer(Adam(), learningRate: 1e-3)
    let x = Tensor.normal([64, 784]), labels = Tensor((0..<64).map { Int64($0 % 10) })
    var losses: [Float] = []
    for step in 1...20 {
        let (loss, gradients) = valueAndGradient(at: model) { model in
            crossEntropy(logits: model(x), labels: labels)
        }
        optimizer.update(&model, along: gradients)      // gradients are keyed by path: "0.weight", ...
        if step % 10 == 0 { print("step \(step): loss \(loss.scalar(as: Float.self))") }
        losses.append(loss.scalar(as: Float.self))
        #expect(Set(gradients.keys) == ["0.weight", "0.bias", "2.weight", "2.bias"])
    }
    let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("mlp-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: file) }
    try Safetensors.write(model.stateDictionary(), to: file)       // PyTorch's safetensors reads it too
    var restored = makeModel()
    try restored.loadStateDictionary(Safetensors.read(contentsOf: file).tensors)
    let predictions = withoutGradients { restored(x).argmax(axis: 1) }
    // Training lowers the loss, and the restored model predicts exactly as the trained one.
    #expect(losses.last! < losses.first!)
    #expect(predictions.scalars(as: Int64.self) == withoutGradients { model(x).argmax(axis: 1) }.scalars(as: Int64.self))
}
