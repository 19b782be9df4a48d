import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining
import Testing

/// 2 -> 8 -> batch norm -> 2: a model whose training step must apply running statistics.
private func batchNormTrainer(freezingNorm: Bool) throws -> ClassifierTrainer<Sequential, TensorDataset> {
    let generator = RandomGenerator(seed: 1)
    var trainer = Trainer(model: Sequential {
                              Linear(inputSize: 2, outputSize: 8, generator: generator)
                              BatchNorm1d(featureCount: 8)
                              ReLU()
                              Linear(inputSize: 8, outputSize: 2, generator: generator)
                          },
                          optimizer: Optimizer(Adam(), learningRate: 0.05),
                          trainingData: DataLoader(separableData(count: 64, seed: 10), batchSize: 16, shuffle: true, seed: 3),
                          validationData: DataLoader(separableData(count: 32, seed: 11), batchSize: 16), randomSeed: 7)
    if freezingNorm { try trainer.optimizer.freeze("1", in: trainer.model) }
    return trainer
}

@Test func theTrainerAppliesEveryStepsRunningStatistics() throws {
    var trainer = try batchNormTrainer(freezingNorm: false)
    let before = trainer.model.stateDictionary()
    try trainer.fit(epochs: 2)
    // 64 samples in batches of 16: 4 steps an epoch, each one update of the statistics; the
    // validation passes run in inference and add none.
    #expect(trainer.model.stateDictionary()["1.num_batches_tracked"]!.scalar(as: Int64.self) == 8)
    #expect(trainer.model.stateDictionary()["1.running_mean"]!.scalars(as: Float.self)
        != before["1.running_mean"]!.scalars(as: Float.self))
}

@Test func theTrainerKeepsFrozenBatchNormOnItsStatistics() throws {
    var trainer = try batchNormTrainer(freezingNorm: true)
    let before = trainer.model.stateDictionary()
    try trainer.fit(epochs: 1)
    let after = trainer.model.stateDictionary()
    for path: ParameterPath in ["1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"] {
        #expect(after[path]!.cast(to: .float64).scalars(as: Double.self) == before[path]!.cast(to: .float64).scalars(as: Double.self),
                "\(path)")
    }
    #expect(after["3.weight"]!.scalars(as: Float.self) != before["3.weight"]!.scalars(as: Float.self))
}

@Test func aStepOutsideFitAppliesItsRunningStatisticsAndKeepsFrozenOnes() throws {
    for freezingNorm in [false, true] {
        var trainer = try batchNormTrainer(freezingNorm: freezingNorm)
        let before = trainer.model.stateDictionary()
        var batches = trainer.trainingData.batches(forEpoch: 0).makeIterator()
        trainer.step(on: batches.next()!)
        let after = trainer.model.stateDictionary()
        // One training-mode step: one update of the statistics, none where the norm is frozen.
        #expect(after["1.num_batches_tracked"]!.scalar(as: Int64.self) == (freezingNorm ? 0 : 1))
        #expect((after["1.running_mean"]!.scalars(as: Float.self) == before["1.running_mean"]!.scalars(as: Float.self))
            == freezingNorm)
    }
}
