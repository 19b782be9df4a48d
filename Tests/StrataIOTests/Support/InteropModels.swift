import Foundation
import Strata
import StrataNN

/// Embedding -> LSTM or GRU -> linear head on the last time step: the twin of
/// `RecurrentClassifier` in Tools/torch_models.py, under the same names.
///
/// input: int64 tokens `[time, batch]` (`[batch, time]` when the recurrent layer is batch first);
/// returns logits `[batch, classes]`.
struct RecurrentClassifier<Recurrent: Layer>: Layer {
    var embedding: Embedding
    var recurrent: Recurrent
    var head: Linear
    let batchFirst: Bool

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("embedding", &embedding)
        visitor.visit("recurrent", &recurrent)
        visitor.visit("head", &head)
    }

    func callAsFunction(_ tokens: Tensor) -> Tensor {
        let output = recurrent(embedding(tokens))
        let timeAxis = batchFirst ? 1 : 0
        let steps = output.shape[timeAxis]
        return head(output.sliced(axis: timeAxis, start: steps - 1, end: steps).squeezed(axis: timeAxis))
    }
}

/// The seven models of the PyTorch interop fixtures (`INTEROP_MODELS` in Tools/torch_models.py),
/// named as the fixture files are.
enum InteropModel: String, CaseIterable, Sendable, CustomStringConvertible {
    case mlp, lenet, resnetSmall = "resnet_small", resnet18, lstm, gru, googlenet

    var description: String { rawValue }

    /// Strata's twin of the PyTorch model, its weights drawn from `seed`.
    func makeModel(seed: UInt64) -> any Layer {
        let generator = RandomGenerator(seed: seed)
        switch self {
        case .mlp:
            // The CLI's `mlp` (ModelName.makeModel).
            return Sequential {
                Flatten()
                Linear(inputSize: 28 * 28, outputSize: 256, generator: generator)
                ReLU()
                Linear(inputSize: 256, outputSize: 10, generator: generator)
            }
        case .lenet: return LeNet(generator: generator)
        case .resnetSmall: return ResNet.small(generator: generator)
        case .resnet18: return ResNet.resnet18(classes: 10, generator: generator)
        case .lstm:
            return RecurrentClassifier(embedding: Embedding(count: 40, embeddingSize: 12, generator: generator),
                                       recurrent: LSTM(inputSize: 12, hiddenSize: 16, layers: 2, generator: generator),
                                       head: Linear(inputSize: 16, outputSize: 5, generator: generator), batchFirst: false)
        case .gru:
            return RecurrentClassifier(embedding: Embedding(count: 40, embeddingSize: 12, generator: generator),
                                       recurrent: GRU(inputSize: 12, hiddenSize: 16, batchFirst: true, bidirectional: true,
                                                      generator: generator),
                                       head: Linear(inputSize: 32, outputSize: 5, generator: generator), batchFirst: true)
        case .googlenet: return GoogLeNet(classes: 10, transformInput: true, generator: generator)
        }
    }

    /// A batch of inputs for the model, drawn from `seed`: images, or tokens of a 40-word vocabulary.
    func exampleInput(seed: UInt64) -> Tensor {
        let generator = RandomGenerator(seed: seed)
        switch self {
        case .mlp: return Tensor.normal([4, 1, 28, 28], generator: generator)
        case .lenet, .resnetSmall: return Tensor.normal([2, 1, 28, 28], generator: generator)
        case .resnet18: return Tensor.normal([1, 3, 64, 64], generator: generator)
        case .googlenet: return Tensor.normal([2, 3, 64, 64], generator: generator)
        case .lstm, .gru:
            let shape = self == .lstm ? [7, 3] : [3, 7]
            // Casting truncates: uniform draws in [0, 40) become tokens 0..<40.
            return Tensor.uniform(shape, low: 0, high: 40, generator: generator).cast(to: .int64)
        }
    }

    /// Whether the model holds batch norm layers, whose running statistics a training pass moves.
    var hasBatchNorm: Bool { self == .resnetSmall || self == .resnet18 || self == .googlenet }
}
