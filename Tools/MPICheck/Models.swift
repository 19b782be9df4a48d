import Strata
import StrataNN

/// The models the equivalence checks train, in float64 so that the only difference between
/// one process and several is the order of floating-point sums (float64 rounding, ~1e-16).
enum CheckModel: String, CaseIterable {
    case mlp, lenet, resnet

    /// Whether the model has batch normalization, so that data parallelism equals one process
    /// only with synchronized batch normalization.
    var hasBatchNorm: Bool { self == .resnet }

    /// The model built from `seed`, cast to float64.
    func build(seed: UInt64) -> Sequential {
        let generator = RandomGenerator(seed: seed)
        var model: Sequential
        switch self {
        case .mlp:
            model = Sequential([Linear(inputSize: 6, outputSize: 16, generator: generator), Tanh(),
                                Linear(inputSize: 16, outputSize: 3, generator: generator)])
        case .lenet:
            // 8x8 inputs keep LeNet's layers while the float64 reference convolution stays quick.
            model = LeNet(inChannels: 1, classes: 3, imageSize: 8, generator: generator)
        case .resnet:
            // The CLI's `resnet` (ResNet.small: 16, 32, 64 channels, twelve batch norms) on 8x8 inputs.
            model = Sequential([ResNet.small(inChannels: 1, classes: 3, generator: generator)])
        }
        model.visitParameters(path: .root) { _, tensor, _ in tensor = tensor.cast(to: .float64) }
        return model
    }

    /// The global batch of every step: inputs and labels drawn from `seed`, the same on every rank.
    /// The MLP's 7 samples split 4 + 3 over two ranks (an uneven split); LeNet's 6 split 3 + 3;
    /// the ResNet's 7 split 4 + 3 (uneven: the synchronized batch norm's gradient weighting).
    func batch(seed: UInt64) -> (inputs: Tensor, labels: Tensor) {
        let generator = RandomGenerator(seed: seed)
        let shape = switch self {
        case .mlp: [7, 6]
        case .lenet: [6, 1, 8, 8]
        case .resnet: [7, 1, 8, 8]
        }
        let inputs = Tensor.normal(shape, dtype: .float64, generator: generator)
        let draws = Tensor.uniform([shape[0]], low: 0, high: 3, dtype: .float64, generator: generator)
        let labels = draws.scalars(as: Double.self).map { Int64($0) }
        return (inputs, Tensor(labels, shape: [shape[0]]))
    }
}
