import Foundation
import Strata
import StrataData
import StrataIO
import StrataNN
import StrataOptimizers
import StrataTraining
import Testing

@Test func aSmallMLPLearnsASeparableProblem() throws {
    var trainer = makeTrainer()
    let summaries = try trainer.fit(epochs: 15)
    #expect(summaries.count == 15)
    #expect(trainer.history == summaries)
    #expect(summaries.map(\.epoch) == Array(0..<15))
    let last = try #require(summaries.last)
    #expect(last.stepCount == 4 && last.sampleCount == 64)
    #expect(last.trainingAccuracy > 0.9)
    #expect(try #require(last.validationAccuracy) > 0.9)
    #expect(last.trainingLoss < summaries[0].trainingLoss)
    // The confusion matrix counts every validation sample once, and its diagonal is the accuracy.
    let matrix = try #require(last.confusionMatrix)
    #expect(matrix.total == 32)
    #expect(Double(matrix[0, 0] + matrix[1, 1]) / 32 == last.validationAccuracy)
}

@Test func evaluationMatchesTheSummaryAndLeavesTheModelsModeAlone() throws {
    var trainer = makeTrainer(dropout: true)
    try trainer.fit(epochs: 2)
    let evaluation = trainer.evaluate(on: DataLoader(separableData(count: 32, seed: 11), batchSize: 16))
    #expect(evaluation.loss == trainer.history.last?.validationLoss)
    #expect(evaluation.accuracy == trainer.history.last?.validationAccuracy)
    #expect(evaluation.sampleCount == 32)
}

/// Records the learning rate of every step, and stops after `stopAfterSteps` steps when set.
private final class StepRecorder: TrainingCallback {
    var rates: [Double] = []
    var norms: [Double?] = []
    let stopAfterSteps: Int?
    init(stopAfterSteps: Int? = nil) { self.stopAfterSteps = stopAfterSteps }

    func stepEnded(_ step: StepSummary, context: TrainingContext) throws -> TrainingAction {
        rates.append(step.learningRate)
        norms.append(step.gradientNorm)
        return rates.count == stopAfterSteps ? .stop : .proceed
    }
}

@Test func schedulesStepPerEpochOrPerStep() throws {
    // StepDecay(0.1, stepSize 2, gamma 0.5) is 0.1, 0.1, 0.05, 0.05, 0.025, ... at indices 0, 1, 2, ...
    let schedule = StepDecay(baseLearningRate: 0.1, stepSize: 2, gamma: 0.5)
    let perEpoch = StepRecorder()
    var trainer = makeTrainer(callbacks: [perEpoch])
    trainer.schedule = schedule
    try trainer.fit(epochs: 3)
    #expect(perEpoch.rates == [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05])
    #expect(trainer.history.map(\.learningRate) == [0.1, 0.1, 0.05])

    let perStep = StepRecorder()
    trainer = makeTrainer(callbacks: [perStep])
    trainer.schedule = schedule
    trainer.scheduleInterval = .step
    try trainer.fit(epochs: 2)
    // Global steps 0..<8 across two epochs of 4.
    #expect(perStep.rates == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125])
}

@Test func clippingReportsTheNormAndAStepCallbackCanStopTraining() throws {
    let recorder = StepRecorder(stopAfterSteps: 2)
    var trainer = makeTrainer(callbacks: [recorder])
    trainer.maxGradientNorm = 1e-3
    try trainer.fit(epochs: 5)
    // The stop takes effect once the current epoch is evaluated: one epoch of four steps.
    #expect(trainer.history.count == 1)
    #expect(recorder.norms.count == 4)
    #expect(recorder.norms.allSatisfy { ($0 ?? 0) > 0 })
}

@Test func tensorBoardLoggerWritesEpochScalars() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let writer = try TensorBoardWriter(directory: directory, clock: { 1_700_000_000 })
    var trainer = makeTrainer(callbacks: [TensorBoardLogger(writer: writer, logsSteps: true)])
    try trainer.fit(epochs: 2)
    try writer.close()
    let scalars = try TensorBoardEvents.read(contentsOf: writer.url).scalars
    #expect(scalars.filter { $0.tag == "loss/step" }.map(\.step) == Array(0..<8))
    let epochLoss = scalars.filter { $0.tag == "loss/training" }
    #expect(epochLoss.map(\.step) == [1, 2])
    // simple_value is a float32.
    #expect(epochLoss.map { Double($0.value) } == trainer.history.map { Double(Float($0.trainingLoss)) })
    #expect(scalars.filter { $0.tag == "learning_rate" }.map(\.value) == [0.05, 0.05])
    #expect(scalars.filter { $0.tag == "accuracy/validation" }.count == 2)
}

/// The trainer differentiates and moves only what the optimizer does not freeze: the first layer
/// stays bit-identical over two epochs while the head learns.
@Test func theTrainerLeavesFrozenLayersBitIdentical() throws {
    var trainer = makeTrainer()
    try trainer.optimizer.freeze("0", in: trainer.model)
    let before = trainer.model.stateDictionary()
    try trainer.fit(epochs: 2)
    let after = trainer.model.stateDictionary()
    #expect(bitwiseEqual(before.filter { $0.key.description.hasPrefix("0.") }, after.filter { $0.key.description.hasPrefix("0.") }))
    #expect(!bitwiseEqual(before.filter { $0.key.description.hasPrefix("2.") }, after.filter { $0.key.description.hasPrefix("2.") }))
    #expect(trainer.optimizer.state.keys.sorted() == ["2.bias", "2.weight"])
}
