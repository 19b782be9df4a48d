import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining

/// The `strata resume` checkpoint path: `Trainer.resume(from:)` reads a checkpoint's model and
/// optimizer sections and its epoch and learning-rate metadata into a trainer. The seed is the
/// checkpoint a real `CheckpointSaver` writes after one epoch of a small model (2 -> 4 -> 2).
///
/// Independent check of an accepted checkpoint: finite parameters and optimizer state, a
/// finite, non-negative learning rate (a cosine schedule ends at 0) and a next epoch of at least 1.
public final class CheckpointFuzzTarget: FuzzTarget {
    public let name = "checkpoint"
    /// The safetensors header is JSON text: its numbers (shapes, offsets, metadata values) get
    /// numeric-token replacement too.
    public let isText = true
    public let seeds: [[UInt8]]
    private let scratch = FuzzScratch("checkpoint")

    public init() throws {
        var trainer = Self.makeTrainer()
        let directory = scratch.directory.appendingPathComponent("checkpoints")
        let saver = try CheckpointSaver(directory: directory)
        trainer.callbacks = [saver]
        try trainer.fit(epochs: 1)
        seeds = [try [UInt8](Data(contentsOf: saver.url(forEpoch: 0)))]
    }

    /// The trainer a checkpoint is resumed into: the same model and optimizer as the seed's.
    static func makeTrainer() -> ClassifierTrainer<Sequential, TensorDataset> {
        let generator = RandomGenerator(seed: 1)
        let inputs = Tensor.normal([16, 2], generator: generator)
        let labels = Tensor((0..<16).map { Int64($0 % 2) }, shape: [16])
        let model = Sequential([Linear(inputSize: 2, outputSize: 4, generator: generator), ReLU(),
                                Linear(inputSize: 4, outputSize: 2, generator: generator)])
        return Trainer(model: model, optimizer: Optimizer(Adam(), learningRate: 0.01),
                       trainingData: DataLoader(TensorDataset(inputs: inputs, labels: labels), batchSize: 8))
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        let url = scratch.write(input, to: "epoch-0000.safetensors")
        var trainer = Self.makeTrainer()
        do {
            try trainer.resume(from: url)
        } catch {
            // Trainer.resume documents no error type of its own: anything it throws is typed by
            // the layer that found it (file, checkpoint layout, state dictionary, optimizer state).
            return .rejected(String(describing: error))
        }
        for (path, tensor) in trainer.model.stateDictionary() where !Self.isFinite(tensor) {
            return .silentAcceptance("parameter \(path) holds a non-finite value")
        }
        for (key, tensor) in trainer.optimizer.exportState() where !Self.isFinite(tensor) {
            return .silentAcceptance("optimizer state \(key) holds a non-finite value")
        }
        let rate = trainer.optimizer.learningRate
        guard rate.isFinite, rate >= 0 else { return .silentAcceptance("learning rate \(rate)") }
        guard trainer.nextEpoch >= 1 else { return .silentAcceptance("next epoch \(trainer.nextEpoch)") }
        return .accepted
    }

    /// Whether every element of a float tensor is finite (integer tensors always are).
    static func isFinite(_ tensor: Tensor) -> Bool {
        switch tensor.dtype {
        case .float32, .float64: tensor.cast(to: .float64).scalars(as: Double.self).allSatisfy(\.isFinite)
        default: true
        }
    }
}
