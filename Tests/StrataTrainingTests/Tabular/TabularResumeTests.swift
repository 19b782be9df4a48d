import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataTraining
import Testing

private func makeTabularTrainer(data: (training: TabularData, validation: TabularData), encoder: TabularEncoder,
                                modelSeed: UInt64 = 5, callbacks: [any TrainingCallback] = [])
    -> Trainer<BinaryTabularPrediction, TabularBatches> {
    let configuration = WideDeepConfiguration(parts: .both, wideFeatureCount: encoder.wideFeatureCount,
                                              categoryCounts: encoder.categoryCounts,
                                              numericCount: encoder.schema.numeric.count, hiddenSizes: [16])
    return Trainer(task: BinaryTabularPrediction(), model: WideDeep(configuration, generator: RandomGenerator(seed: modelSeed)),
                   optimizer: BinaryTabularPrediction.optimizer(deepLearningRate: 1e-2, wide: WideOptimizerSettings(.ftrl)),
                   trainingData: TabularBatches(data.training, batchSize: 32, seed: 5), validationData: data.validation,
                   callbacks: callbacks)
}

@Suite struct TabularTrainingTests {
    // The checkpoint carries FTRL's per-coordinate state beside Adam's moments; the batches of
    // epoch e are a function of (seed, e).
    @Test func resumingMatchesUninterruptedTrainingBitForBit() throws {
        let (encoder, training, test) = try SyntheticTable.encoded(crosses: [FeatureCross(["color", "shape"])])
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var uninterrupted = makeTabularTrainer(data: (training, test), encoder: encoder)
        try uninterrupted.fit(epochs: 3)
        let saver = try CheckpointSaver(directory: directory, keepBest: .validationAccuracy)
        var interrupted = makeTabularTrainer(data: (training, test), encoder: encoder, callbacks: [saver])
        try interrupted.fit(epochs: 1)
        var resumed = makeTabularTrainer(data: (training, test), encoder: encoder, modelSeed: 77)
        try resumed.resume(from: saver.url(forEpoch: 0))
        let continued = try resumed.fit(epochs: 3)
        #expect(continued == Array(uninterrupted.history[1...]))
        #expect(bitwiseEqual(resumed.model.stateDictionary(), uninterrupted.model.stateDictionary()))
        #expect(bitwiseEqual(resumed.optimizer.exportState(), uninterrupted.optimizer.exportState()))
        // The task's further metric reaches the summary and the checkpoint's metadata.
        let auc = try #require(interrupted.history[0].validationMetrics[Evaluation.rocAUCKey])
        let saved = try Checkpoint.read(contentsOf: saver.url(forEpoch: 0))
        #expect(try saved.metadata(TrainingCheckpoint.validationMetricKey(Evaluation.rocAUCKey), as: Double.self) == auc)
    }

    // The epoch's training loss is the mean of the batches' mean losses weighted by their rows
    // (600 rows: 18 batches of 32 and one of 24), as the steps report them.
    @Test func theEpochLossWeighsEachBatchByItsRows() throws {
        let (encoder, training, test) = try SyntheticTable.encoded(crosses: [])
        final class Steps: TrainingCallback {
            var seen: [StepSummary] = []
            func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
                seen.append(step)
                return .proceed
            }
        }
        let steps = Steps()
        var trainer = makeTabularTrainer(data: (training, test), encoder: encoder, callbacks: [steps])
        let summary = try trainer.fit(epochs: 1)[0]
        #expect(steps.seen.map(\.batchSize) == Array(repeating: 32, count: 18) + [24])
        let weighted = steps.seen.reduce(0.0) { $0 + $1.loss * Double($1.batchSize) } / 600
        #expect(summary.trainingLoss == weighted && summary.sampleCount == 600 && summary.stepCount == 19)
        #expect((0...1).contains(summary.trainingAccuracy))
    }
}
