// Transfer learning on the real Fashion-MNIST: LeNet is pretrained on classes 0-4 (T-shirt,
// trouser, pullover, dress, coat); classes 5-9 (sandal, shirt, sneaker, bag, ankle boot) are then
// learned from only 100 labelled images each, four ways:
//
//   scratch                  a fresh LeNet, every layer trained
//   frozen features + head   the pretrained LeNet, frozen, with a new 5-class head
//   full fine-tune           the pretrained LeNet with a new head; the backbone at a tenth of the rate
//   autoencoder + head       a convolutional autoencoder's encoder, trained without labels on all
//                            60,000 training images, frozen, with a new linear head
//
// on three draws of the labelled images, and the test accuracy on the 5,000 test images of
// classes 5-9 is printed as a table.
//
//     Tools/install-system-packages.sh dataset-fashion-mnist && swift run -c release Transfer
import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

@MainActor func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("error: \(message)\nusage: Transfer [--labels-per-class N] [--draws D] [--seed S]\n".utf8))
    exit(status)
}

var labelsPerClass = 100
var draws = 3
var seed: UInt64 = 1
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--labels-per-class":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else { fail("--labels-per-class needs a positive integer") }
        labelsPerClass = value
    case "--draws":
        guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else { fail("--draws needs a positive integer") }
        draws = value
    case "--seed":
        guard let value = arguments.popFirst().flatMap(UInt64.init) else { fail("--seed needs a non-negative integer") }
        seed = value
    default:
        fail("unknown argument \(argument)")
    }
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
/// leaves alone), shuffling by `seed`, and returns it with its accuracy on `evaluation`.
func fit<Model: Layer>(_ model: Model, optimizer: Optimizer, on data: TensorDataset, epochs: Int, batchSize: Int,
                       seed: UInt64, evaluation: TensorDataset,
                       progress: Bool = false) throws -> (model: Model, accuracy: Double) {
    var trainer = Trainer(model: model, optimizer: optimizer,
                          trainingData: DataLoader(data, batchSize: batchSize, shuffle: true, seed: seed),
                          randomSeed: seed)
    if progress { trainer.callbacks = [ProgressReporter(logInterval: 100)] }
    try trainer.fit(epochs: epochs)
    return (trainer.model, trainer.evaluate(on: evaluation.batches(size: 500)).accuracy)
}

/// Each row's name, trained parameter count and test accuracy per draw, in order.
var rows: [(name: String, trained: Int, accuracies: [Double])] = []

@MainActor func record(_ name: String, trainable: Int, accuracy: Double) {
    if let index = rows.firstIndex(where: { $0.name == name }) {
        rows[index].accuracies.append(accuracy)
    } else {
        rows.append((name, trainable, [accuracy]))
    }
    phase(name + String(format: ": test accuracy %.4f", accuracy))
}

/// The number of scalars `optimizer` trains in `model`.
func trainableCount<Model: Layer>(_ model: Model, _ optimizer: Optimizer) -> Int {
    model.parameters.filter { !optimizer.isFrozen($0.key) }.values.reduce(0) { $0 + $1.scalarCount }
}

@MainActor func runAll() throws {
    // 1. Supervised pretraining on the 30,000 training images of classes 0-4.
    let pretrainEpochs = 2
    phase("pretraining LeNet on classes 0-4: \(pretraining.count) images, \(pretrainEpochs) epochs, Adam 1e-3, batch 64")
    let (pretrained, sourceAccuracy) = try fit(LeNet(classes: 5, generator: RandomGenerator(seed: seed)),
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
            let (loss, gradients) = valueAndGradient(at: autoencoder) { model in meanSquaredError(model(batch.inputs), batch.inputs) }
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
        try learnFewLabels(fewLabels, pretrained: pretrained, encoder: autoencoder.encoder, seed: drawSeed)
    }
}

/// Learns `fewLabels` four ways and records the test accuracies.
@MainActor func learnFewLabels(_ fewLabels: TensorDataset, pretrained: Sequential, encoder: Sequential, seed: UInt64) throws {
    let epochs = 30, batchSize = 32, learningRate = 1e-3
    // (a) From scratch.
    let scratch = LeNet(classes: 5, generator: RandomGenerator(seed: seed + 1))
    let scratchOptimizer = Optimizer(Adam(), learningRate: learningRate)
    record("scratch", trainable: trainableCount(scratch, scratchOptimizer),
           accuracy: try fit(scratch, optimizer: scratchOptimizer, on: fewLabels, epochs: epochs, batchSize: batchSize,
                             seed: seed, evaluation: targetTest).accuracy)

    // (b) The pretrained convolutional features frozen; the classifier above them trains, its
    //     last layer replaced by a new 5-class head.
    let features: [ParameterPattern] = ["0", "3"]   // LeNet's two convolutions
    let headless = pretrained.replacingHead(classes: 5, generator: RandomGenerator(seed: seed + 2))
    var frozenOptimizer = Optimizer(Adam(), learningRate: learningRate)
    for pattern in features { try frozenOptimizer.freeze(pattern, in: headless) }
    record("frozen features + new head", trainable: trainableCount(headless, frozenOptimizer),
           accuracy: try fit(headless, optimizer: frozenOptimizer, on: fewLabels, epochs: epochs, batchSize: batchSize,
                             seed: seed, evaluation: targetTest).accuracy)

    // (c) Full fine-tuning: every layer trains, the pretrained features at a tenth of the rate.
    let fineTuneOptimizer = Optimizer(Adam(), learningRate: learningRate,
                                      groups: features.map { .matching($0, learningRate: learningRate / 10) })
    record("full fine-tune (features at lr / 10)", trainable: trainableCount(headless, fineTuneOptimizer),
           accuracy: try fit(headless, optimizer: fineTuneOptimizer, on: fewLabels, epochs: epochs, batchSize: batchSize,
                             seed: seed, evaluation: targetTest).accuracy)

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
           accuracy: try fit(encoderClassifier, optimizer: encoderOptimizer, on: fewLabels, epochs: epochs,
                             batchSize: batchSize, seed: seed, evaluation: targetTest).accuracy)
}

do {
    try runAll()
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
