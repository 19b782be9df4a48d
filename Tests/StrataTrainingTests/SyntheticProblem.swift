import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

/// `count` points of two standard-normal features from `seed`, labelled 1 when x0 + x1 > 0 and 0
/// otherwise: two classes separated by a line through the origin, which a small MLP learns.
func separableData(count: Int, seed: UInt64) -> TensorDataset {
    let inputs = Tensor.normal([count, 2], generator: RandomGenerator(seed: seed))
    let x = inputs.scalars(as: Float.self)
    let labels = (0..<count).map { Int64(x[2 * $0] + x[2 * $0 + 1] > 0 ? 1 : 0) }
    return TensorDataset(inputs: inputs, labels: Tensor(labels, shape: [count]))
}

/// 2 -> 16 -> 2 with ReLU; `dropout` adds a dropout layer, whose masks come from the trainer's
/// per-epoch generator.
func makeMLP(seed: UInt64, dropout: Bool = false) -> Sequential {
    let generator = RandomGenerator(seed: seed)
    var layers: [any Layer] = [Linear(inputSize: 2, outputSize: 16, generator: generator), ReLU()]
    if dropout { layers.append(Dropout(probability: 0.2)) }
    layers.append(Linear(inputSize: 16, outputSize: 2, generator: generator))
    return Sequential(layers)
}

/// A trainer over 64 training and 32 validation samples in shuffled batches of 16 (4 steps an epoch).
func makeTrainer(modelSeed: UInt64 = 1, dropout: Bool = false, learningRate: Double = 0.05,
                 callbacks: [any TrainingCallback] = []) -> ClassifierTrainer<Sequential, TensorDataset> {
    Trainer(model: makeMLP(seed: modelSeed, dropout: dropout),
            optimizer: Optimizer(Adam(), learningRate: learningRate),
            trainingData: DataLoader(separableData(count: 64, seed: 10), batchSize: 16, shuffle: true, seed: 3),
            validationData: DataLoader(separableData(count: 32, seed: 11), batchSize: 16),
            callbacks: callbacks, randomSeed: 7)
}

/// A fresh empty directory under the system's temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-training-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// True when both dictionaries hold the same keys with bit-identical float32 or int64 tensors.
func bitwiseEqual<Key: Comparable>(_ a: [Key: Tensor], _ b: [Key: Tensor]) -> Bool {
    a.keys.sorted() == b.keys.sorted() && a.allSatisfy { key, tensor in
        guard let other = b[key], other.shape == tensor.shape, other.dtype == tensor.dtype else { return false }
        return switch tensor.dtype {
        case .float32: tensor.scalars(as: Float.self).map(\.bitPattern) == other.scalars(as: Float.self).map(\.bitPattern)
        case .int64: tensor.scalars(as: Int64.self) == other.scalars(as: Int64.self)
        default: false
        }
    }
}
