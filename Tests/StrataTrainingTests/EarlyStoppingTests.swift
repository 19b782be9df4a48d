import StrataNN
import StrataOptimizers
import StrataTraining
import Testing

@Test func earlyStoppingStopsWhenTheValidationLossStalls() throws {
    // Learning rate 0 leaves the model as it is, so every epoch's validation loss (unshuffled
    // batches, same model) is bit-identical: epoch 0 sets the best, epochs 1 and 2 fail to beat
    // it, and patience 2 stops after epoch 2.
    let stopping = EarlyStopping(monitor: .validationLoss, patience: 2)
    var trainer = makeTrainer(learningRate: 0, callbacks: [stopping])
    try trainer.fit(epochs: 10)
    #expect(trainer.history.count == 3)
    #expect(trainer.nextEpoch == 3)
    #expect(stopping.bestEpoch == 0)
    #expect(stopping.epochsWithoutImprovement == 2)
}

@Test func earlyStoppingCountsOnlyImprovementsBeyondTheMinimumDelta() throws {
    let stopping = EarlyStopping(monitor: .validationAccuracy, patience: 2, minimumDelta: 0.01)
    let context = TrainingContext(model: Linear(inputSize: 1, outputSize: 1), optimizer: .init(SGD(), learningRate: 0.1),
                                  epochCount: 10, stepsPerEpoch: 1, history: [])
    func summary(_ epoch: Int, _ accuracy: Double) -> EpochSummary {
        EpochSummary(epoch: epoch, trainingLoss: 1, trainingAccuracy: 0, validationLoss: 1, validationAccuracy: accuracy,
                     confusionMatrix: nil, learningRate: 0.1, stepCount: 1, sampleCount: 1)
    }
    // 0.50 best; 0.505 is within the delta (no improvement, wait 1); 0.52 improves (wait 0);
    // 0.525 and 0.529 are within 0.01 of 0.52 (wait 1, wait 2: stop).
    let actions: [TrainingAction] = try [0.5, 0.505, 0.52, 0.525, 0.529].enumerated().map {
        try stopping.epochEnded(summary($0.offset, $0.element), context: context)
    }
    #expect(actions == [.proceed, .proceed, .proceed, .proceed, .stop])
    #expect(stopping.bestValue == 0.52 && stopping.bestEpoch == 2)
}
