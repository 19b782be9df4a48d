import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataOptimizers
import Testing

// Exact resumption: training interrupted by a checkpoint and continued in fresh objects ends
// bit for bit where uninterrupted training ends.
//
// What makes it exact:
// - Data order. Epoch e's shuffle draws from counters [e * 2^40, e * 2^40 + count) of the data
//   seed's stream (`epochBatches`), so it is a function of (seed, epoch) alone: a resumed run
//   rebuilds the interrupted epoch's batches and skips the `batch` already trained on.
// - Dropout masks come from a second generator whose (seed, position) the checkpoint stores.
// - Model tensors and Adam's moments and step count travel in the `model` and `optimizer`
//   sections; the kernels are deterministic (fixed static chunks, no timing-dependent sums).

private let dataSeed: UInt64 = 2024
private let dropoutSeed: UInt64 = 99
private let batchSize = 8
private let epochs = 2

/// 60 samples of 4 features in 3 classes (the class is the argmax of a fixed linear map plus
/// noise), drawn from seed 5.
private func syntheticData() -> TensorDataset {
    let generator = RandomGenerator(seed: 5)
    let inputs = Tensor.normal([60, 4], generator: generator)
    let map = Tensor([1, -1, 0.5, 0, 0.5, 1, -1, 1, 0, -0.5, 1, 1] as [Float], shape: [4, 3])
    let labels = (matmul(inputs, map) + Tensor.normal([60, 3], standardDeviation: 0.3, generator: generator)).argmax(axis: 1)
    return TensorDataset(inputs: inputs, labels: labels)
}

/// A small MLP with dropout, initialized from `seed`.
private func makeModel(seed: UInt64) -> Sequential {
    let generator = RandomGenerator(seed: seed)
    return Sequential {
        Linear(inputSize: 4, outputSize: 16, generator: generator)
        ReLU()
        Dropout(probability: 0.25)
        Linear(inputSize: 16, outputSize: 3, generator: generator)
    }
}

private func makeOptimizer() -> Optimizer { Optimizer(Adam(), learningRate: 0.01) }

/// The shuffled mini-batches of `epoch`: a function of (`seed`, `epoch`) only, whatever ran before.
private func epochBatches(_ data: TensorDataset, seed: UInt64, epoch: Int) -> [(inputs: Tensor, labels: Tensor)] {
    data.batches(size: batchSize, shuffle: true, generator: RandomGenerator(seed: seed, counter: UInt64(epoch) << 40))
}

/// Trains on `epoch`'s batches from index `first` up to (not including) `end` (all when nil).
private func train(_ model: inout Sequential, _ optimizer: inout Optimizer, data: TensorDataset,
                   epoch: Int, from first: Int = 0, to end: Int? = nil, dropout: RandomGenerator) {
    let batches = epochBatches(data, seed: dataSeed, epoch: epoch)
    for batch in batches[first..<(end ?? batches.count)] {
        let (_, gradients) = withRandomGenerator(dropout) {
            valueAndGradient(at: model) { model in crossEntropy(logits: model(batch.inputs), labels: batch.labels) }
        }
        optimizer.update(&model, along: gradients)
    }
}

/// True when both dictionaries hold the same keys with bit-identical float32 tensors.
private func bitwiseEqual<Key: Comparable>(_ a: [Key: Tensor], _ b: [Key: Tensor]) -> Bool {
    a.keys.sorted() == b.keys.sorted() && a.allSatisfy { key, tensor in
        guard let other = b[key], other.shape == tensor.shape, other.dtype == tensor.dtype else { return false }
        return switch tensor.dtype {
        case .float32: tensor.scalars(as: Float.self).map(\.bitPattern) == other.scalars(as: Float.self).map(\.bitPattern)
        case .int64: tensor.scalars(as: Int64.self) == other.scalars(as: Int64.self)
        default: false
        }
    }
}

@Test func resumingFromACheckpointMatchesUninterruptedTrainingBitForBit() throws {
    let data = syntheticData()
    let batchesPerEpoch = epochBatches(data, seed: dataSeed, epoch: 0).count  // 8: seven of 8, one of 4
    #expect(batchesPerEpoch == 8)

    // Run A: two epochs, uninterrupted.
    var modelA = makeModel(seed: 1)
    var optimizerA = makeOptimizer()
    let dropoutA = RandomGenerator(seed: dropoutSeed)
    for epoch in 0..<epochs { train(&modelA, &optimizerA, data: data, epoch: epoch, dropout: dropoutA) }

    // Run B: one and a half epochs, then a checkpoint.
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("checkpoint.safetensors")
    do {
        var model = makeModel(seed: 1)
        var optimizer = makeOptimizer()
        let dropout = RandomGenerator(seed: dropoutSeed)
        train(&model, &optimizer, data: data, epoch: 0, dropout: dropout)
        train(&model, &optimizer, data: data, epoch: 1, to: batchesPerEpoch / 2, dropout: dropout)
        let checkpoint = Checkpoint(
            sections: ["model": model.stateDictionary().keyedByName, "optimizer": optimizer.exportState()],
            metadata: ["data.seed": "\(dataSeed)", "epoch": "1", "batch": "\(batchesPerEpoch / 2)",
                       "step": "\(optimizer.stepCount)",
                       "dropout.seed": "\(dropout.seed)", "dropout.position": "\(dropout.position)"])
        try checkpoint.write(to: url)
    }

    // Run B continued: new objects, as in a new process, restored from the file alone.
    let checkpoint = try Checkpoint.read(contentsOf: url)
    var model = makeModel(seed: 12345)  // a different initialization, overwritten by the load
    try model.loadStateDictionary(checkpoint.section("model"))
    var optimizer = makeOptimizer()
    try optimizer.importState(checkpoint.section("optimizer"), for: model)
    #expect(optimizer.stepCount == (try checkpoint.metadata("step", as: Int.self)))
    let dropout = RandomGenerator(seed: try checkpoint.metadata("dropout.seed"),
                                  counter: try checkpoint.metadata("dropout.position"))
    let startEpoch: Int = try checkpoint.metadata("epoch")
    let startBatch: Int = try checkpoint.metadata("batch")
    #expect(try checkpoint.metadata("data.seed", as: UInt64.self) == dataSeed)
    let resumedFrom = model.stateDictionary()
    for epoch in startEpoch..<epochs {
        train(&model, &optimizer, data: data, epoch: epoch, from: epoch == startEpoch ? startBatch : 0, dropout: dropout)
    }

    #expect(optimizer.stepCount == optimizerA.stepCount)
    #expect(bitwiseEqual(model.stateDictionary(), modelA.stateDictionary()))
    #expect(bitwiseEqual(optimizer.exportState(), optimizerA.exportState()))
    #expect(dropout.position == dropoutA.position)

    // Control: the same continuation with the dropout stream restarted at position 0 diverges,
    // so the comparison above is sensitive to the restored state.
    var control = makeModel(seed: 12345)
    try control.loadStateDictionary(checkpoint.section("model"))
    var controlOptimizer = makeOptimizer()
    try controlOptimizer.importState(checkpoint.section("optimizer"), for: control)
    #expect(bitwiseEqual(control.stateDictionary(), resumedFrom))
    train(&control, &controlOptimizer, data: data, epoch: startEpoch, from: startBatch,
          dropout: RandomGenerator(seed: dropoutSeed))
    #expect(!bitwiseEqual(control.stateDictionary(), modelA.stateDictionary()))
}
