// Trains an MLP 784-512-256-10 on the real Fashion-MNIST with mini-batch SGD with momentum and
// reports the test accuracy.
//
//     Tools/install-system-packages.sh dataset-fashion-mnist && swift run -c release MLPFashion [--epochs N]
import Foundation
import Strata
import StrataData
import StrataNN

var epochs = 2
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--epochs":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
            FileHandle.standardError.write(Data("error: --epochs needs a positive integer\n".utf8))
            exit(2)
        }
        epochs = value
    default:
        FileHandle.standardError.write(Data("error: unknown argument \(argument); usage: MLPFashion [--epochs N]\n".utf8))
        exit(2)
    }
}

let batchSize = 64
let learningRate = 0.02
let momentum = 0.9

let train: TensorDataset, test: TensorDataset
do {
    train = try FashionMNIST.load(.train).normalized(scale: 255, mean: FashionMNIST.mean, standardDeviation: FashionMNIST.standardDeviation)
    test = try FashionMNIST.load(.test).normalized(scale: 255, mean: FashionMNIST.mean, standardDeviation: FashionMNIST.standardDeviation)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
print("Fashion-MNIST: \(train.count) training and \(test.count) test images")

let generator = RandomGenerator(seed: 42)
var model = Sequential {
    Flatten()
    Linear(inputSize: 784, outputSize: 512, generator: generator)
    ReLU()
    Linear(inputSize: 512, outputSize: 256, generator: generator)
    ReLU()
    Linear(inputSize: 256, outputSize: 10, generator: generator)
}
print("model: \(model.parameterCount) parameters; SGD lr \(learningRate), momentum \(momentum), batch \(batchSize)")

/// The fraction of `dataset` the model classifies correctly.
func accuracy(of model: Sequential, on dataset: TensorDataset) -> Double {
    withoutGradients {
        var correct = 0
        for batch in dataset.batches(size: 1000) {
            let predictions = model(batch.inputs).argmax(axis: 1)
            correct += (predictions .== batch.labels).cast(to: .int64).sum().scalar(as: Int64.self).asInt
        }
        return Double(correct) / Double(dataset.count)
    }
}

var velocity: [String: Tensor] = [:]
for epoch in 1...epochs {
    let start = Date()
    var totalLoss = 0.0
    let batches = train.batches(size: batchSize, shuffle: true, generator: generator)
    for batch in batches {
        let (loss, gradients) = valueAndGradient(at: model) { model in
            crossEntropy(logits: model(batch.inputs), labels: batch.labels)
        }
        // SGD with momentum as PyTorch: v = momentum * v + g; w = w - lr * v.
        model.updateParameters { path, weight in
            let step = velocity[path].map { $0 * momentum + gradients[path]! } ?? gradients[path]!
            velocity[path] = step
            return weight - step * learningRate
        }
        totalLoss += loss.scalar(as: Double.self)
    }
    let seconds = Date().timeIntervalSince(start)
    print(String(format: "epoch %d  loss %.4f  %.1f s  (%.0f samples/s)", epoch, totalLoss / Double(batches.count),
                 seconds, Double(train.count) / seconds))
}
let testAccuracy = accuracy(of: model, on: test)
print(String(format: "test accuracy %.4f", testAccuracy))

extension Int64 {
    var asInt: Int { Int(self) }
}
