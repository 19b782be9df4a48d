// Trains an MLP 784-512-256-10 on the real Fashion-MNIST and reports the test accuracy.
//
//     Tools/install-system-packages.sh dataset-fashion-mnist && swift run -c release MLPFashion
//     swift run -c release MLPFashion --optimizer adam --epochs 2
//     swift run -c release MLPFashion --compare          # every optimizer, one table
import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers

import ArgumentParser
import StrataTraining

/// The optimizers this example knows, with learning rates that suit this model at batch 64.
let optimizers: [(name: String, learningRate: Double, make: () -> any OptimizerRule)] = [
    ("sgd", 0.05, { SGD() }),
    ("momentum", 0.02, { SGD(momentum: 0.9) }),
    ("nesterov", 0.02, { SGD(momentum: 0.9, nesterov: true) }),
    ("adagrad", 0.01, { Adagrad() }),
    ("rmsprop", 0.0005, { RMSprop() }),
    ("adam", 0.001, { Adam() }),
    ("adamw", 0.001, { AdamW() }),
    ("adadelta", 1.0, { Adadelta() }),
]

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "MLPFashion",
        abstract: "Trains an MLP 784-512-256-10 on Fashion-MNIST with one optimizer, or compares them all.")

    /// The names of `optimizers`, in its order.
    enum OptimizerChoice: String, ExpressibleByArgument, CaseIterable {
        case sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, adadelta
    }

    @Option(help: "Training epochs.")
    var epochs = 2
    @Option(help: "The optimizer, with the learning rate this example gives it.")
    var optimizer: OptimizerChoice = .momentum
    @Flag(help: "Train once with every optimizer and print one table.")
    var compare = false

    func validate() throws {
        if epochs <= 0 { throw ValidationError("--epochs needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let epochs = options.epochs, chosen = options.optimizer.rawValue, compare = options.compare
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

let train: TensorDataset, test: TensorDataset
do {
    let (mean, std) = (FashionMNIST.mean, FashionMNIST.standardDeviation)
    train = try FashionMNIST.load(.train).normalized(scale: 255, mean: mean, standardDeviation: std)
    test = try FashionMNIST.load(.test).normalized(scale: 255, mean: mean, standardDeviation: std)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
print("Fashion-MNIST: \(train.count) training and \(test.count) test images")

func makeModel(generator: RandomGenerator) -> Sequential {
    Sequential {
        Flatten()
        Linear(inputSize: 784, outputSize: 512, generator: generator)
        ReLU()
        Linear(inputSize: 512, outputSize: 256, generator: generator)
        ReLU()
        Linear(inputSize: 256, outputSize: 10, generator: generator)
    }
}

/// The fraction of `dataset` the model classifies correctly.
func accuracy(of model: Sequential, on dataset: TensorDataset) -> Double {
    withoutGradients {
        var correct: Int64 = 0
        for batch in dataset.batches(size: 1000) {
            let predictions = model(batch.inputs).argmax(axis: 1)
            correct += (predictions .== batch.labels).cast(to: .int64).sum().scalar(as: Int64.self)
        }
        return Double(correct) / Double(dataset.count)
    }
}

/// Trains a fresh model (same seed every time) and returns the last epoch's mean loss, the test
/// accuracy and the training time.
@MainActor func run(_ name: String, verbose: Bool) -> (loss: Double, accuracy: Double, seconds: Double) {
    let entry = optimizers.first { $0.name == name }!
    let generator = RandomGenerator(seed: 42)
    var model = makeModel(generator: generator)
    var optimizer = Optimizer(entry.make(), learningRate: entry.learningRate)
    if verbose {
        print("model: \(model.parameterCount) parameters; \(name) lr \(entry.learningRate), batch 64, \(epochs) epochs")
    }
    var lastLoss = 0.0
    var totalSeconds = 0.0
    for epoch in 1...epochs {
        let start = Date()
        var totalLoss = 0.0
        let batches = train.batches(size: 64, shuffle: true, generator: generator)
        for batch in batches {
            let (loss, gradients) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model) { model in crossEntropy(logits: model(batch.inputs), labels: batch.labels) }
            }
            optimizer.update(&model, along: gradients)
            totalLoss += loss.scalar(as: Double.self)
        }
        let seconds = Date().timeIntervalSince(start)
        totalSeconds += seconds
        lastLoss = totalLoss / Double(batches.count)
        if verbose {
            print(String(format: "epoch %d  loss %.4f  %.1f s  (%.0f samples/s)", epoch, lastLoss, seconds, Double(train.count) / seconds))
        }
    }
    return (lastLoss, accuracy(of: model, on: test), totalSeconds)
}

if compare {
    print("optimizer   final loss   test accuracy   time")
    for entry in optimizers {
        let result = run(entry.name, verbose: false)
        print(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)
              + String(format: "%10.4f   %13.4f   %5.1f s", result.loss, result.accuracy, result.seconds))
    }
} else {
    let result = run(chosen, verbose: true)
    print(String(format: "test accuracy %.4f", result.accuracy))
}
