// Trains an autoencoder, and a denoising one, on the real Fashion-MNIST (convolutional, or fully
// connected with `--model dense`); prints the reconstruction error and writes a PNG grid of
// inputs, noisy inputs and reconstructions.
//
//     Tools/install-system-packages.sh dataset-fashion-mnist && swift run -c release Autoencoder [--model dense] [--epochs N] [--output DIR]
import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataOptimizers

import ArgumentParser
import StrataTraining

/// The command line; `--help` prints it.
struct Options: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Autoencoder",
        abstract: "Trains an autoencoder and a denoising one on Fashion-MNIST and writes a PNG grid of reconstructions.")

    enum Model: String, ExpressibleByArgument, CaseIterable { case convolutional, dense }

    @Option(help: "Training epochs.")
    var epochs = 2
    @Option(help: "The autoencoder: convolutional or dense.")
    var model: Model = .convolutional
    @Option(help: "The directory the PNG grids are written to.")
    var output = "autoencoder-output"

    func validate() throws {
        if epochs <= 0 { throw ValidationError("--epochs needs a positive integer") }
    }
}

let options = Options.parseOrExit()
let epochs = options.epochs, dense = options.model == .dense
let output = URL(fileURLWithPath: options.output)
// Line-buffered output, so progress shows up live when piped to a file or another program.
StandardOutput.useLineBuffering()

var train: TensorDataset, test: TensorDataset
let validation: TensorDataset
do {
    // Pixels in [0, 1]: the decoder ends in a sigmoid.
    train = try FashionMNIST.load(.train).normalized(scale: 255)
    // 5,000 training images are held out to watch each epoch; the test images are used once, at the end.
    (train, validation) = train.holdingOut(5_000, seed: 7)
    test = try FashionMNIST.load(.test).normalized(scale: 255)
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

let noiseLevel = 0.3
let generator = RandomGenerator(seed: 7)

/// Gaussian noise of standard deviation `noiseLevel`, clamped back into [0, 1].
func noisy(_ images: Tensor) -> Tensor {
    let noise = Tensor.normal(images.shape, standardDeviation: noiseLevel, generator: generator)
    return minimum(maximum(images + noise, Tensor(0, dtype: .float32)), Tensor(1, dtype: .float32))
}

/// Mean squared reconstruction error on `images` (validation or test), from clean or noisy inputs.
func reconstructionError(_ model: some Layer, on images: TensorDataset, denoising: Bool) -> Double {
    withoutGradients {
        var total = 0.0
        let batches = images.batches(size: 1000)
        for batch in batches {
            let input = denoising ? noisy(batch.inputs) : batch.inputs
            total += meanSquaredError(model(input), batch.inputs).scalar(as: Double.self)
        }
        return total / Double(batches.count)
    }
}

/// A fresh autoencoder of the chosen kind: `DenseAutoencoder` (784 -> 256 -> 32 and back) or
/// `ConvolutionalAutoencoder`.
@MainActor func makeAutoencoder() -> any Layer {
    dense ? DenseAutoencoder(generator: generator) : ConvolutionalAutoencoder(generator: generator)
}

@MainActor func trainAutoencoder<Model: Layer>(_ model: Model, denoising: Bool) -> Model {
    var model = model
    var optimizer = Optimizer(Adam(), learningRate: 2e-3)
    let name = (dense ? "dense " : "convolutional ") + (denoising ? "denoising autoencoder" : "autoencoder")
    print("\(name): \(model.parameterCount) parameters, \(epochs) epochs, Adam lr 2e-3, batch 128")
    for epoch in 1...epochs {
        let start = Date()
        var totalLoss = 0.0
        let batches = train.batches(size: 128, shuffle: true, generator: generator)
        for batch in batches {
            let input = denoising ? noisy(batch.inputs) : batch.inputs
            let (loss, gradients) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model) { model in meanSquaredError(model(input), batch.inputs) }
            }
            optimizer.update(&model, along: gradients)
            totalLoss += loss.scalar(as: Double.self)
        }
        print(String(format: "  epoch %d  train MSE %.5f  validation MSE %.5f  %.1f s", epoch, totalLoss / Double(batches.count),
                     reconstructionError(model, on: validation, denoising: denoising), Date().timeIntervalSince(start)))
    }
    print(String(format: "  test MSE %.5f", reconstructionError(model, on: test, denoising: denoising)))
    return model
}

let plain = trainAutoencoder(makeAutoencoder(), denoising: false)
let denoiser = trainAutoencoder(makeAutoencoder(), denoising: true)

// The grid: rows of 10 test images: originals, plain reconstructions, noisy inputs, denoised.
let samples = test.inputs[0..<10]
let noisySamples = withoutGradients { noisy(samples) }
let rows = withoutGradients { [samples, plain(samples), noisySamples, denoiser(noisySamples)] }
let grid = Tensor.concat(rows.map { row in
    // [10, 1, 28, 28] -> [28, 10 * 28] with a 2-pixel white gap around each image.
    Tensor.concat((0..<10).map { (index: Int) in row[.index(index), 0].padded([(1, 1), (1, 1)], value: 1) }, axis: 1)
}, axis: 0)
let path = output.appendingPathComponent("reconstructions.png")
do {
    try PNG.writeGrayscale(grid, to: path)
    print("wrote \(path.path): rows are originals, reconstructions, noisy inputs, denoised")
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
