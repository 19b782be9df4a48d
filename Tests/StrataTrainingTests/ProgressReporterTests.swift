import StrataNN
import StrataOptimizers
import StrataTraining
import Testing

/// Returns the given times in order, one per call.
private final class ScriptedClock {
    private var times: [Double]
    init(_ times: [Double]) { self.times = times }
    func now() -> Double { times.removeFirst() }
}

private final class OutputRecorder {
    var pieces: [String] = []
    func write(_ text: String) { pieces.append(text) }
}

private func makeContext() -> TrainingContext {
    TrainingContext(model: Linear(inputSize: 1, outputSize: 1),
                                      optimizer: Optimizer(SGD(), learningRate: 0.01),
                                      epochCount: 3, stepsPerEpoch: 4, history: [])
}

private func step(_ index: Int, runningLoss: Double) -> StepSummary {
    StepSummary(epoch: 0, step: index, batchSize: 8, loss: runningLoss, runningLoss: runningLoss, learningRate: 0.01)
}

private let summary = EpochSummary(epoch: 0, trainingLoss: 0.4, trainingAccuracy: 0.75, validationLoss: 0.45,
                                   validationAccuracy: 0.7, confusionMatrix: nil, learningRate: 0.01,
                                   stepCount: 4, sampleCount: 32)

@Test func plainModeLogsEveryIntervalAndOnceAnEpoch() throws {
    let output = OutputRecorder()
    let context = makeContext()
    // Read at the epoch's start, at steps 2 and 4 (the interval), and at its end.
    let clock = ScriptedClock([10, 11, 12, 13])
    let reporter = ProgressReporter(isTerminal: false, logInterval: 2, output: output.write, clock: clock.now)
    try reporter.epochBegan(0, context: context)
    for index in 0..<4 { _ = try reporter.stepEnded(step(index, runningLoss: 0.5), context: context) }
    _ = try reporter.epochEnded(summary, context: context)
    // Step 2: 16 samples in 1 s, 0.5 s per step for 2 more steps. Step 4: 32 samples in 2 s, none left.
    // The epoch: 32 samples trained in the 2 s to its last step, 3 s in all.
    #expect(output.pieces == [
        "epoch 1/3 step 2/4 | 16.0 samples/s | loss 0.5000 | ETA 0:01\n",
        "epoch 1/3 step 4/4 | 16.0 samples/s | loss 0.5000 | ETA 0:00\n",
        "epoch 1/3: loss 0.4000, accuracy 0.7500, validation loss 0.4500, validation accuracy 0.7000, learning rate 0.01, 16.0 samples/s, 3.0s\n",
    ])
}

@Test func terminalModeRedrawsOneLine() throws {
    let output = OutputRecorder()
    let context = makeContext()
    let clock = ScriptedClock([0, 2, 3, 5])
    let reporter = ProgressReporter(isTerminal: true, barWidth: 8, output: output.write, clock: clock.now)
    try reporter.epochBegan(0, context: context)
    _ = try reporter.stepEnded(step(0, runningLoss: 0.7), context: context)
    _ = try reporter.stepEnded(step(1, runningLoss: 0.65), context: context)
    _ = try reporter.epochEnded(summary, context: context)
    // Step 1: 8 samples in 2 s, 2 s per step for 3 more. Step 2: 16 in 3 s, 1.5 s per step for 2 more.
    // The epoch (stopped after 2 steps): 16 samples in the 3 s to its last step, 5 s in all.
    #expect(output.pieces == [
        "\repoch 1/3 [##------] 1/4 | 4.0 samples/s | loss 0.7000 | ETA 0:06\u{1B}[K",
        "\repoch 1/3 [####----] 2/4 | 5.3 samples/s | loss 0.6500 | ETA 0:03\u{1B}[K",
        "\repoch 1/3: loss 0.4000, accuracy 0.7500, validation loss 0.4500, validation accuracy 0.7000, learning rate 0.01, 5.3 samples/s, 5.0s\u{1B}[K\n",
    ])
}

@Test func durationsShowMinutesAndHours() {
    #expect(ProgressReporter.durationText(59.4) == "0:59")
    #expect(ProgressReporter.durationText(3725) == "1:02:05")
}

@Test func plainModeTimesTheEpochsLastStepOffTheInterval() throws {
    let output = OutputRecorder()
    let context = makeContext()
    // Interval 3 over 4 steps: read at the start, at step 3 (printed), at step 4 (the last, not
    // printed, read for the throughput) and at the end (after validation).
    let clock = ScriptedClock([0, 3, 4, 10])
    let reporter = ProgressReporter(isTerminal: false, logInterval: 3, output: output.write, clock: clock.now)
    try reporter.epochBegan(0, context: context)
    for index in 0..<4 { _ = try reporter.stepEnded(step(index, runningLoss: 0.5), context: context) }
    _ = try reporter.epochEnded(summary, context: context)
    // Step 3: 24 samples in 3 s, 1 s per step for 1 more. The epoch: 32 samples in 4 s, 10 s in all.
    #expect(output.pieces == [
        "epoch 1/3 step 3/4 | 8.0 samples/s | loss 0.5000 | ETA 0:01\n",
        "epoch 1/3: loss 0.4000, accuracy 0.7500, validation loss 0.4500, validation accuracy 0.7000, learning rate 0.01, 8.0 samples/s, 10.0s\n",
    ])
}
