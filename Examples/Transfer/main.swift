// Transfer learning on the real Fashion-MNIST: LeNet (or with `--model resnet` the small ResNet)
// is pretrained on classes 0-4 (T-shirt, trouser, pullover, dress, coat); classes 5-9 (sandal,
// shirt, sneaker, bag, ankle boot) are then learned from only 100 labelled images each, four ways:
//
//   scratch                  a fresh model, every layer trained
//   frozen features + head   the pretrained model's features frozen (LeNet's convolutions; all of
//                            the ResNet but `fc`, its batch normalization on its running
//                            statistics), with a new 5-class head
//   full fine-tune           the pretrained model with a new head; the features at a tenth of the rate
//   autoencoder + head       a convolutional autoencoder's encoder, trained without labels on all
//                            60,000 training images, frozen, with a new linear head
//
// on three draws of the labelled images, and the test accuracy on the 5,000 test images of
// classes 5-9 is printed as a table.
//
//     Tools/install-system-packages.sh dataset-fashion-mnist && swift run -c release Transfer [--model resnet]
import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

import ArgumentParser

/// The pretrained model's family.
enum Architecture: String, ExpressibleByArgument, CaseIterable {
    case lenet, resnet
}

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Transfer",
        abstract: "Pretrains on Fashion-MNIST classes 0-4, then learns classes 5-9 from a few labels four ways.")

    @Option(name: .customLong("model"), help: "The pretrained model: lenet or resnet.")
    var architecture: Architecture = .lenet
    @Option(help: "Labelled training images of each new class.")
    var labelsPerClass = 100
    @Option(help: "Draws of the labelled images.")
    var draws = 3
    @Option(help: "Seed of the draws and the weights.")
    var seed: UInt64 = 1

    func validate() throws {
        if labelsPerClass <= 0 { throw ValidationError("--labels-per-class needs a positive integer") }
        if draws <= 0 { throw ValidationError("--draws needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let architecture = options.architecture, labelsPerClass = options.labelsPerClass
let draws = options.draws, seed = options.seed
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

/// Prints `message` to standard error and exits with `status`.
@MainActor func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    exit(status)
}

let train: TensorDataset, test: TensorDataset
do {
    // Pixels in [0, 1], which the autoencoder's sigmoid output needs as its target.
    train = try FashionMNIST.load(.train).normalized(scale: 255)
    test = try FashionMNIST.load(.test).normalized(scale: 255)
} catch {
    fail("\(error)", status: 1)
}
let source = [0, 1, 2, 3, 4], target = [5, 6, 7, 8, 9]
let pretraining = train.selectingClasses(source)
let targetTest = test.selectingClasses(target)
let sourceTest = test.selectingClasses(source)
let start = Date()

/// Prints a phase line with the seconds since the start.
@MainActor func phase(_ text: String) {
    print(String(format: "[%5.1f s] ", Date().timeIntervalSince(start)) + text)
}

/// Trains `model` on `data` for `epochs` with `optimizer` (whose frozen parameters the trainer
/// leaves alone), shuffling by `seed`, and returns it with its accuracy on `evaluation` and its
/// training accuracy in the last epoch.
func fit<Model: Layer>(_ model: Model, optimizer: Optimizer, on data: TensorDataset, epochs: Int, batchSize: Int,
                       seed: UInt64, evaluation: TensorDataset,
                       progress: Bool = false) throws -> (model: Model, accuracy: Double, trainingAccuracy: Double) {
    var trainer = Trainer(model: model, optimizer: optimizer,
                          trainingData: DataLoader(data, batchSize: batchSize, shuffle: true, seed: seed),
                          randomSeed: seed)
    if progress { trainer.callbacks = [ProgressReporter(logInterval: 100)] }
    try trainer.fit(epochs: epochs)
    return (trainer.model, trainer.evaluate(on: evaluation.batches(size: 500)).accuracy,
            trainer.history.last?.trainingAccuracy ?? 0)
}

/// Each row's name, trained parameter count and test accuracy per draw, in order.
var rows: [(name: String, trained: Int, accuracies: [Double])] = []

/// Records one row's test accuracy and prints it with the row's last-epoch training accuracy.
@MainActor func record<Model>(_ name: String, trainable: Int,
                              _ result: (model: Model, accuracy: Double, trainingAccuracy: Double)) {
    let accuracy = result.accuracy
    if let index = rows.firstIndex(where: { $0.name == name }) {
        rows[index].accuracies.append(accuracy)
    } else {
        rows.append((name, trainable, [accuracy]))
    }
    phase(name + String(format: ": test accuracy %.4f (last epoch's training accuracy %.4f)", accuracy, result.trainingAccuracy))
}

/// The number of scalars `optimizer` trains in `model`.
func trainableCount<Model: Layer>(_ model: Model, _ optimizer: Optimizer) -> Int {
    model.parameters.filter { !optimizer.isFrozen($0.key) }.values.reduce(0) { $0 + $1.scalarCount }
}

/// How one model family is built, which of its parameters are the pretrained features, and how
/// long it pretrains.
struct Recipe<Model: HeadReplaceable> {
    var name: String
    var make: (_ classes: Int, _ generator: RandomGenerator) -> Model
    /// Everything below the classifier that the frozen-features row keeps fixed and the
    /// fine-tuning row trains at a tenth of the rate.
    var features: [ParameterPattern]
    var pretrainEpochs: Int
}

let lenet = Recipe(name: "LeNet", make: { LeNet(classes: $0, generator: $1) },
                   features: ["0", "3"],   // the two convolutions; the two hidden linear layers stay trainable
                   pretrainEpochs: 2)
let resnet = Recipe(name: "the small ResNet", make: { ResNet.small(classes: $0, generator: $1) },
                    features: ["conv1", "bn1", "layer1", "layer2", "layer3"],   // all but `fc`
                    pretrainEpochs: 2)

@MainActor func runAll<Model: HeadReplaceable>(_ recipe: Recipe<Model>) throws {
    // 1. Supervised pretraining on the 30,000 training images of classes 0-4.
    let pretrainEpochs = recipe.pretrainEpochs
    phase("pretraining \(recipe.name) on classes 0-4: \(pretraining.count) images, \(pretrainEpochs) epochs, Adam 1e-3, batch 64")
    let (pretrained, sourceAccuracy, _) = try fit(recipe.make(5, RandomGenerator(seed: seed)),
                                               optimizer: Optimizer(Adam(), learningRate: 1e-3), on: pretraining,
                                               epochs: pretrainEpochs, batchSize: 64, seed: seed, evaluation: sourceTest,
                                               progress: true)
    phase(String(format: "pretrained: test accuracy on classes 0-4 %.4f", sourceAccuracy))

    // 2. Unsupervised pretraining: a convolutional autoencoder on all 60,000 training images, no labels.
    let autoencoderEpochs = 2
    phase("pretraining the autoencoder on all \(train.count) training images without labels, \(autoencoderEpochs) epochs")
    var autoencoder = ConvolutionalAutoencoder(generator: RandomGenerator(seed: seed))
    var autoencoderOptimizer = Optimizer(Adam(), learningRate: 2e-3)
    let shuffle = RandomGenerator(seed: seed)
    for epoch in 1...autoencoderEpochs {
        var totalLoss = 0.0
        let batches = train.batches(size: 128, shuffle: true, generator: shuffle)
        for batch in batches {
            let (loss, gradients) = withStatisticsUpdates(of: &autoencoder) { model in
                valueAndGradient(at: model) { model in meanSquaredError(model(batch.inputs), batch.inputs) }
            }
            autoencoderOptimizer.update(&autoencoder, along: gradients)
            totalLoss += loss.scalar(as: Double.self)
        }
        phase(String(format: "autoencoder epoch %d: reconstruction MSE %.5f", epoch, totalLoss / Double(batches.count)))
    }

    // 3. The few-label task, four ways, with the same data, epochs, batch size and base rate, on
    //    `draws` different draws of the labelled images (and of the new layers' weights).
    for draw in 0..<draws {
        let drawSeed = seed + 100 * UInt64(draw)
        let fewLabels = train.selectingClasses(target, limitPerClass: labelsPerClass, seed: drawSeed)
        phase("draw \(draw + 1) of \(draws): learning classes 5-9 from \(fewLabels.count) labelled images")
        try learnFewLabels(fewLabels, recipe: recipe, pretrained: pretrained, encoder: autoencoder.encoder, seed: drawSeed)
    }
}

/// Learns `fewLabels` four ways and records the test accuracies.
@MainActor func learnFewLabels<Model: HeadReplaceable>(_ fewLabels: TensorDataset, recipe: Recipe<Model>, pretrained: Model,
                                                       encoder: Sequential, seed: UInt64) throws {
    let epochs = 30, batchSize = 32, learningRate = 1e-3
    // (a) From scratch.
    let scratch = recipe.make(5, RandomGenerator(seed: seed + 1))
    let scratchOptimizer = Optimizer(Adam(), learningRate: learningRate)
    record("scratch", trainable: trainableCount(scratch, scratchOptimizer),
           try fit(scratch, optimizer: scratchOptimizer, on: fewLabels, epochs: epochs, batchSize: batchSize,
                   seed: seed, evaluation: targetTest))

    // (b) The pretrained features frozen (a frozen batch normalization normalizes with its
    //     running statistics); what lies above them trains, the last layer replaced by a new
    //     5-class head.
    let features = recipe.features
    let headless = pretrained.replacingHead(classes: 5, generator: RandomGenerator(seed: seed + 2))
    var frozenOptimizer = Optimizer(Adam(), learningRate: learningRate)
    for pattern in features { try frozenOptimizer.freeze(pattern, in: headless) }
    record("frozen features + new head", trainable: trainableCount(headless, frozenOptimizer),
           try fit(headless, optimizer: frozenOptimizer, on: fewLabels, epochs: epochs, batchSize: batchSize,
                   seed: seed, evaluation: targetTest))

    // (c) Full fine-tuning: every layer trains, the pretrained features at a tenth of the rate.
    let fineTuneOptimizer = Optimizer(Adam(), learningRate: learningRate,
                                      groups: features.map { .matching($0, learningRate: learningRate / 10) })
    record("full fine-tune (features at lr / 10)", trainable: trainableCount(headless, fineTuneOptimizer),
           try fit(headless, optimizer: fineTuneOptimizer, on: fewLabels, epochs: epochs, batchSize: batchSize,
                   seed: seed, evaluation: targetTest))

    // (d) The autoencoder's encoder, frozen, under a new classifier of LeNet's shape on its
    //     [32, 7, 7] code.
    let generator = RandomGenerator(seed: seed + 3)
    let encoderClassifier = Sequential {
        encoder
        Flatten()
        Linear(inputSize: 32 * 7 * 7, outputSize: 512, generator: generator)
        ReLU()
        Linear(inputSize: 512, outputSize: 5, generator: generator)
    }
    var encoderOptimizer = Optimizer(Adam(), learningRate: learningRate)
    try encoderOptimizer.freeze("0", in: encoderClassifier)
    record("autoencoder features (frozen) + new head", trainable: trainableCount(encoderClassifier, encoderOptimizer),
           try fit(encoderClassifier, optimizer: encoderOptimizer, on: fewLabels, epochs: epochs,
                   batchSize: batchSize, seed: seed, evaluation: targetTest))
}

do {
    switch architecture {
    case .lenet: try runAll(lenet)
    case .resnet: try runAll(resnet)
    }
} catch {
    fail("\(error)", status: 1)
}

print("\ntest accuracy on classes 5-9 (\(targetTest.count) images), \(labelsPerClass) labels per class, \(draws) draws:")
print("| model | trained parameters | mean | each draw |")
print("|---|---|---|---|")
for row in rows {
    let mean = row.accuracies.reduce(0, +) / Double(row.accuracies.count)
    let each = row.accuracies.map { String(format: "%.4f", $0) }.joined(separator: ", ")
    print("| \(row.name) | \(row.trained) | " + String(format: "%.4f", mean) + " | \(each) |")
}
phase("done")
