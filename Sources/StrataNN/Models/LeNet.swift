import Strata

/// The LeNet-style CNN of the shared benchmarks (after LeCun et al., 1998) for 28x28 inputs:
/// conv 5x5 (32, padding 2) + ReLU + max-pool 2, conv 5x5 (64, padding 2) + ReLU + max-pool 2,
/// linear 3136 -> 512 + ReLU, linear 512 -> classes. Square inputs of another `imageSize` (at
/// least 4) change only the first linear layer's inputs: 64 * (imageSize / 4)^2.
///
/// input: `[batch, inChannels, imageSize, imageSize]`; returns logits `[batch, classes]`. Parameter
/// names are those of the same `nn.Sequential` in PyTorch (`0.weight`, `3.weight`, `7.weight`, `9.weight`).
public func LeNet(inChannels: Int = 1, classes: Int = 10, imageSize: Int = 28, generator: RandomGenerator = .current) -> Sequential {
    precondition(imageSize >= 4, "LeNet: imageSize must be at least 4 (two 2x2 max-pools), got \(imageSize)")
    let pooledSize = imageSize / 4
    return Sequential {
        Conv2d(inChannels: inChannels, outChannels: 32, kernelSize: 5, padding: 2, generator: generator)
        ReLU()
        MaxPool2d(2)
        Conv2d(inChannels: 32, outChannels: 64, kernelSize: 5, padding: 2, generator: generator)
        ReLU()
        MaxPool2d(2)
        Flatten()
        Linear(inputSize: 64 * pooledSize * pooledSize, outputSize: 512, generator: generator)
        ReLU()
        Linear(inputSize: 512, outputSize: classes, generator: generator)
    }
}
