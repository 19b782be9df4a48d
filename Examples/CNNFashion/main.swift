// Trains a convolutional network on the real Fashion-MNIST, watching the accuracy on 5,000 held-out
// training images each epoch, and reports the test accuracy once, at the end.
//
//     Tools/install-system-packages.sh dataset-fashion-mnist
//     swift run -c release CNNFashion --model lenet            # 2 epochs, Adam 1e-3, batch 64
//     swift run -c release CNNFashion --model resnet --epochs 3
//     swift run -c release CNNFashion --model inception
import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers

import ArgumentParser
import StrataTraining

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "CNNFashion",
        abstract: "Trains LeNet, the small ResNet or the small Inception network on Fashion-MNIST.")

    enum Model: String, ExpressibleByArgument, CaseIterable { case lenet, resnet, inception }

    @Option(help: "The network: lenet, resnet or inception.")
    var model: Model = .lenet
    @Option(help: "Training epochs (default: 3 for resnet, else 2).")
    var epochs: Int?
    @Option(help: "Images per training step.")
    var batchSize = 64
    @Option(name: .customLong("lr"), help: "Adam's learning rate.")
    var learningRate = 1e-3
    @Option(help: "Use only the first N images of each split (a quick smoke run).")
    var limit: Int?

    func validate() throws {
        if let epochs, epochs <= 0 { throw ValidationError("--epochs needs a positive integer") }
        if batchSize <= 0 { throw ValidationError("--batch-size needs a positive integer") }
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--lr needs a positive number") }
        if let limit, limit <= 0 { throw ValidationError("--limit needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let modelName = options.model.rawValue, epochs = options.epochs, batchSize = options.batchSize
let learningRate = options.learningRate, limit = options.limit
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

var train: TensorDataset, test: TensorDataset
do {
    // Pixels / 255, as the PyTorch accuracy anchor of the shared benchmarks.
    train = try FashionMNIST.load(.train).normalized(scale: 255)
    test = try FashionMNIST.load(.test).normalized(scale: 255)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
if let limit {
    // A quick smoke run on the first `limit` images of each split.
    train = TensorDataset(inputs: train.inputs[0..<min(limit, train.count)], labels: train.labels[0..<min(limit, train.count)])
    test = TensorDataset(inputs: test.inputs[0..<min(limit, test.count)], labels: test.labels[0..<min(limit, test.count)])
}
// 5,000 training images (a tenth under --limit) are held out to watch each epoch, so the test
// images are used once, at the end.
let validation: TensorDataset
(train, validation) = train.holdingOut(train.count >= 50_000 ? 5_000 : train.count / 10, seed: 7)
print("Fashion-MNIST: \(train.count) training, \(validation.count) validation and \(test.count) test images")

/// The fraction of `dataset` that `model` classifies correctly, in inference mode.
func accuracy<Model: Layer>(of model: Model, on dataset: TensorDataset) -> Double {
    withTrainingMode(false) { withoutGradients {
        var correct: Int64 = 0
        for batch in dataset.batches(size: 500) {
            correct += (model(batch.inputs).argmax(axis: 1) .== batch.labels).cast(to: .int64).sum().scalar(as: Int64.self)
        }
        return Double(correct) / Double(dataset.count)
    } }
}

/// Trains with Adam, printing the loss every 100 steps and a summary per epoch.
@MainActor func run<Model: Layer>(_ model: Model, epochs: Int, generator: RandomGenerator) {
    var model = model
    var optimizer = Optimizer(Adam(), learningRate: learningRate)
    print("model \(modelName): \(model.parameterCount) parameters; Adam lr \(learningRate), batch \(batchSize), \(epochs) epochs")
    for epoch in 1...epochs {
        let start = Date()
        var totalLoss = 0.0
        let batches = train.batches(size: batchSize, shuffle: true, generator: generator)
        for (step, batch) in batches.enumerated() {
            // Training mode is the default; the forward pass's batch-norm statistics are applied to `model`.
            let (loss, gradients) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model) { model in crossEntropy(logits: model(batch.inputs), labels: batch.labels) }
            }
            optimizer.update(&model, along: gradients)
            totalLoss += loss.scalar(as: Double.self)
            if (step + 1) % 100 == 0 {
                let rate = Double((step + 1) * batchSize) / Date().timeIntervalSince(start)
                print(String(format: "  epoch %d step %4d/%d  loss %.4f  %.0f samples/s", epoch, step + 1, batches.count,
                             totalLoss / Double(step + 1), rate))
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "epoch %d  loss %.4f  %.1f s (%.0f samples/s)  validation accuracy %.4f", epoch,
                     totalLoss / Double(batches.count), seconds, Double(train.count) / seconds, accuracy(of: model, on: validation)))
    }
    print(String(format: "test accuracy %.4f", accuracy(of: model, on: test)))
}

let generator = RandomGenerator(seed: 42)
switch modelName {
case "resnet": run(ResNet.small(generator: generator), epochs: epochs ?? 3, generator: generator)
case "inception": run(SmallGoogLeNet(generator: generator), epochs: epochs ?? 2, generator: generator)
default: run(LeNet(generator: generator), epochs: epochs ?? 2, generator: generator)
}
