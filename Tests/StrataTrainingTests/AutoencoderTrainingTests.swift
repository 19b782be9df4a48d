import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import Testing

// Both autoencoders learn to reconstruct real Fashion-MNIST images from a small subset, in
// seconds in a debug build.
//
// The bound. A model that ignores its input can at best output one constant image c; for any c,
//     E ||x - c||^2 = E ||x - mu||^2 + ||mu - c||^2,        mu = E x (the per-pixel mean image),
// since the cross term 2 (mu - c) . E(x - mu) vanishes. So the lowest mean squared error without
// looking at the input is the per-pixel variance averaged over pixels, reached by predicting mu:
//     L0 = (1 / P) sum_p Var(x_p).
// The test estimates mu on the training subset and L0 on held-out images (so L0 also pays for
// the error in that estimate). An autoencoder whose held-out MSE falls below L0 reconstructs
// something of each particular image through its code. loss / L0 is the fraction of the
// variation around the mean image left unexplained; the tests ask for below L0 / 2, half of it
// explained through the code (measured after 3 epochs: convolutional 0.015, dense 0.030, with
// L0 = 0.088).

private let fashionMNISTIsInstalled = FileManager.default.fileExists(
    atPath: FashionMNIST.defaultDirectory.appendingPathComponent("train-images-idx3-ubyte.gz").path)

/// The first 2,560 images of the real test split (the smaller file, read once), pixels in [0, 1].
private let images: Result<Tensor, any Error> = Result {
    try FashionMNIST.load(.test).normalized(scale: 255).inputs[0..<2560].contiguous()
}

/// 2,048 training and 512 held-out images.
private func subsets() throws -> (train: Tensor, heldOut: Tensor) {
    let images = try images.get()
    return (images[0..<2048], images[2048..<2560])
}

/// L0: the held-out MSE of predicting the training subset's per-pixel mean image (see above).
private func meanImageLoss(train: Tensor, heldOut: Tensor) -> Double {
    let mean = train.mean(alongAxes: [0], keepDims: true)
    return meanSquaredError(mean.expanded(to: heldOut.shape), heldOut).scalar(as: Double.self)
}

/// Trains `model` with Adam (learning rate 2e-3) for 3 epochs of shuffled batches of 64 and
/// returns its held-out MSE and L0.
private func trainedLoss<Model: Layer>(_ model: Model, seed: UInt64) throws -> (loss: Double, bound: Double) {
    let (train, heldOut) = try subsets()
    var model = model
    var optimizer = Optimizer(Adam(), learningRate: 2e-3)
    let data = TensorDataset(inputs: train, labels: Tensor.zeros([train.shape[0]], dtype: .int64))
    let generator = RandomGenerator(seed: seed)
    for _ in 0..<3 {
        for batch in data.batches(size: 64, shuffle: true, generator: generator) {
            let (_, gradients) = withStatisticsUpdates(of: &model) { model in
                valueAndGradient(at: model) { model in meanSquaredError(model(batch.inputs), batch.inputs) }
            }
            optimizer.update(&model, along: gradients)
        }
    }
    let loss = withTrainingMode(false) { withoutGradients { meanSquaredError(model(heldOut), heldOut).scalar(as: Double.self) } }
    return (loss, meanImageLoss(train: train, heldOut: heldOut))
}

@Suite(.enabled(if: fashionMNISTIsInstalled,
                "Fashion-MNIST is not installed (apt-get install -y dataset-fashion-mnist); the autoencoder tests need real images"))
struct AutoencoderTrainingTests {
    @Test func theDenseAutoencoderBeatsTheMeanImage() throws {
        let (loss, bound) = try trainedLoss(DenseAutoencoder(generator: RandomGenerator(seed: 1)), seed: 2)
        print("DenseAutoencoder: held-out MSE \(loss), mean-image MSE L0 \(bound)")
        #expect(loss < bound / 2, "held-out MSE \(loss) vs mean-image MSE \(bound)")
    }

    @Test func theConvolutionalAutoencoderBeatsTheMeanImage() throws {
        let (loss, bound) = try trainedLoss(ConvolutionalAutoencoder(generator: RandomGenerator(seed: 1)), seed: 2)
        print("ConvolutionalAutoencoder: held-out MSE \(loss), mean-image MSE L0 \(bound)")
        #expect(loss < bound / 2, "held-out MSE \(loss) vs mean-image MSE \(bound)")
    }

    @Test func theMeanImageIsTheBestConstantPrediction() throws {
        // The identity above, checked on the data: shifting the mean image raises the loss by ||shift||^2 / P.
        let (train, heldOut) = try subsets()
        let mean = train.mean(alongAxes: [0], keepDims: true)
        let shifted = meanSquaredError((mean + 0.1).expanded(to: heldOut.shape), heldOut).scalar(as: Double.self)
        let heldOutMean = heldOut.mean(alongAxes: [0], keepDims: true)
        let best = meanSquaredError(heldOutMean.expanded(to: heldOut.shape), heldOut).scalar(as: Double.self)
        let gap = meanSquaredError(mean, heldOutMean).scalar(as: Double.self)
        #expect(abs(meanImageLoss(train: train, heldOut: heldOut) - (best + gap)) < 1e-5)
        #expect(abs(shifted - (best + meanSquaredError(mean + 0.1, heldOutMean).scalar(as: Double.self))) < 1e-5)
    }
}
