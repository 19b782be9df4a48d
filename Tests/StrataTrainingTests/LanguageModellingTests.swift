import Foundation
import Strata
import StrataData
import StrataNN
import StrataOptimizers
import StrataTraining
import Testing

/// Embedding, one LSTM layer and a linear head over a small vocabulary.
private struct TinyLanguageModel: LanguageModel {
    var embedding: Embedding
    var lstm: LSTM
    var head: Linear

    init(vocabulary: Int, seed: UInt64) {
        let generator = RandomGenerator(seed: seed)
        embedding = Embedding(count: vocabulary, embeddingSize: 8, generator: generator)
        lstm = LSTM(inputSize: 8, hiddenSize: 16, generator: generator)
        head = Linear(inputSize: 16, outputSize: vocabulary, generator: generator)
    }

    mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("embedding", &embedding)
        visitor.visit("lstm", &lstm)
        visitor.visit("head", &head)
    }

    func callAsFunction(_ tokens: Tensor, state: [Tensor]) -> (logits: Tensor, state: [Tensor]) {
        let result = lstm(embedding(tokens), hidden: state.isEmpty ? nil : state[0], cell: state.isEmpty ? nil : state[1])
        return (head(result.output), [result.hidden, result.cell])
    }
}

/// `0 1 2 3 0 1 2 3 ...`: each token determines the next.
private func cycle(_ count: Int) -> [Int64] { (0..<count).map { Int64($0 % 4) } }

private func makeTrainer(modelSeed: UInt64 = 1, callbacks: [any TrainingCallback] = [])
    -> Trainer<LanguageModelling<TinyLanguageModel>, TokenWindows> {
    Trainer(task: LanguageModelling(), model: TinyLanguageModel(vocabulary: 4, seed: modelSeed),
            optimizer: Optimizer(Adam(), learningRate: 0.05),
            trainingData: TokenWindows(TokenStreams(cycle(400), streams: 4), window: 10),
            validationData: TokenWindows(TokenStreams(cycle(81), streams: 2), window: 7, includePartial: true),
            maxGradientNorm: 5, callbacks: callbacks, randomSeed: 3)
}

/// Asks the trainer to stop after the given step of the first epoch.
private final class StopAfter: TrainingCallback {
    let step: Int
    init(step: Int) { self.step = step }
    func stepEnded(_ summary: StepSummary, context: TrainingContext) throws -> TrainingAction {
        summary.step == step ? .stopAfterStep : .proceed
    }
}

@Suite struct LanguageModellingTests {
    @Test func theModelLearnsADeterministicSequence() throws {
        var trainer = makeTrainer()
        let before = trainer.evaluate(on: trainer.validationData!)
        try trainer.fit(epochs: 6)
        let after = try #require(trainer.history.last)
        // 400 tokens in 4 streams of 100: windows of 10 over the 99 positions with a target, the
        // partial last one left out: 9 steps of 4 x 10 tokens.
        #expect(after.stepCount == 9 && after.sampleCount == 360)
        #expect(after.validationAccuracy == 1)
        #expect(after.validationLoss! < before.loss / 10)
        #expect(after.validationMetrics[LanguageModelling<TinyLanguageModel>.perplexityKey] == Foundation.exp(after.validationLoss!))
        // The carried state is the last window's, detached: [layers, streams, hidden].
        #expect(trainer.task.state.map(\.shape) == [[1, 4, 16], [1, 4, 16]])
        #expect(trainer.task.state.allSatisfy { !$0.isTrackingGradient })
    }

    // Carrying the state from window to window computes what one pass over the whole streams
    // computes: the evaluation over windows of 7 (the last partial) equals the cross-entropy of
    // a single window spanning all 39 positions.
    @Test func evaluationCarriesTheStateAcrossWindows() {
        let trainer = makeTrainer()
        let streams = TokenStreams(cycle(81), streams: 2)
        let windowed = trainer.evaluate(on: TokenWindows(streams, window: 7, includePartial: true))
        let whole = trainer.evaluate(on: TokenWindows(streams, window: 39))
        #expect(windowed.sampleCount == 78 && whole.sampleCount == 78)
        #expect(abs(windowed.loss - whole.loss) < 1e-5)
        #expect(windowed.accuracy == whole.accuracy)
        let (inputs, targets) = streams.batch(0..<39)
        let logits = withTrainingMode(false) { withoutGradients { trainer.model(inputs, state: []).logits } }
        let direct = crossEntropy(logits: logits.reshaped(to: [-1, 4]), labels: targets.reshaped(to: [-1])).cast(to: .float64)
        #expect(abs(whole.loss - direct.scalar(as: Double.self)) < 1e-6)
    }

    @Test func predictionsAreProbabilitiesOverTheVocabulary() {
        let trainer = makeTrainer()
        let probabilities = trainer.predict(Tensor(cycle(6), shape: [3, 2])).cast(to: .float64)
        #expect(probabilities.shape == [3, 2, 4])
        let sums = probabilities.sum(alongAxes: [2]).scalars(as: Double.self)
        #expect(sums.allSatisfy { abs($0 - 1) < 1e-6 })
    }

    @Test func resumingMatchesUninterruptedTrainingBitForBit() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var uninterrupted = makeTrainer()
        try uninterrupted.fit(epochs: 3)
        let saver = try CheckpointSaver(directory: directory)
        var interrupted = makeTrainer(callbacks: [saver])
        try interrupted.fit(epochs: 1)
        var resumed = makeTrainer(modelSeed: 9)
        try resumed.resume(from: saver.url(forEpoch: 0))
        let continued = try resumed.fit(epochs: 3)
        #expect(continued == Array(uninterrupted.history[1...]))
        #expect(bitwiseEqual(resumed.model.stateDictionary(), uninterrupted.model.stateDictionary()))
    }

    @Test func stopAfterStepEndsTheEpochEarlyAndStopsTraining() throws {
        var trainer = makeTrainer(callbacks: [StopAfter(step: 1)])
        let summaries = try trainer.fit(epochs: 5)
        #expect(summaries.count == 1)
        #expect(summaries[0].stepCount == 2 && summaries[0].sampleCount == 80)
        #expect(summaries[0].validationLoss != nil)
        #expect(trainer.nextEpoch == 1)
    }
}
