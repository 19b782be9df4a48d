import ArgumentParser
import Foundation
import StrataCLI
import Testing

/// With a learning rate far below float32's resolution the weights never move, so the
/// validation loss never improves after epoch 0: patience 2 stops after epochs 0, 1, 2.
@Test func earlyStoppingStopsOnAFlatValidationLossAndIsSaved() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: output) }
    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "10", "--batch-size", "16",
                            "--optimizer", "sgd", "--lr", "1e-20", "--early-stopping", "2", "--output", output.path]).run()
    let summary = try RunSummary.read(from: output)
    #expect(summary.epochs.map(\.epoch) == [0, 1, 2])
    let settings = try TrainingSettings.read(from: output)
    #expect(settings.earlyStoppingPatience == 2)
    #expect(settings.schedule == ScheduleName.none)
    expectUsageError(TrainCommand.self, ["--early-stopping", "0"], message: "--early-stopping must be positive, got 0")
    expectUsageError(TrainCommand.self, ["--schedule", "linear"], message: "The value 'linear' is invalid for '--schedule <schedule>'")
}

/// Cosine over E epochs from 0.1: 0.1 * (1 + cos(pi * e / E)) / 2; step over 6 epochs: 0.1 for
/// epochs 0-1, 0.01 for 2-3, 0.001 for 4-5. `resume` reads the schedule back from settings.json.
@Test func schedulesSetEachEpochsRateAndResumeReusesThem() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let cosine = temporaryDirectory(), step = temporaryDirectory()
    defer { for url in [data, cosine, step] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "2", "--batch-size", "16",
                            "--optimizer", "sgd", "--lr", "0.1", "--schedule", "cosine", "--output", cosine.path]).run()
    // Epochs 0-1 ran a cosine over 2 epochs; resuming to 4 reads the cosine back from settings.json
    // and spans the new 4 epochs for epochs 2-3.
    var settings = try TrainingSettings.read(from: cosine)
    #expect(settings.schedule == .cosine)
    settings.epochs = 4
    try settings.write(to: cosine)
    try ResumeCommand.parse([cosine.path]).run()
    let rates = try RunSummary.read(from: cosine).epochs.map(\.learningRate)
    let expected = [0.1, 0.05] + (2..<4).map { 0.1 * (1 + cos(Double.pi * Double($0) / 4)) / 2 }
    #expect(rates.count == 4)
    for (rate, want) in zip(rates, expected) { #expect(abs(rate - want) < 1e-9, "\(rates)") }

    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "6", "--batch-size", "16",
                            "--optimizer", "sgd", "--lr", "0.1", "--schedule", "step", "--output", step.path]).run()
    let stepRates = try RunSummary.read(from: step).epochs.map(\.learningRate)
    let want = [0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    #expect(stepRates.count == 6)
    for (rate, w) in zip(stepRates, want) { #expect(abs(rate - w) < 1e-12, "\(stepRates)") }
    #expect(try TrainingSettings.read(from: step).schedule == .step)
}

/// settings.json written before these options existed still reads, as no early stopping and no schedule.
@Test func oldSettingsWithoutTheNewKeysStillRead() throws {
    let directory = temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let json = #"{"model":"mlp","dataset":"fashion-mnist","epochs":2,"batchSize":64,"optimizer":"adam","learningRate":0.001,"seed":42}"#
    try Data(json.utf8).write(to: directory.appendingPathComponent(TrainingSettings.fileName))
    let settings = try TrainingSettings.read(from: directory)
    #expect(settings.earlyStoppingPatience == nil && settings.schedule == nil)
}

/// At a rate of 1e-7 the weights barely move, so the validation loss never falls by PyTorch's
/// relative threshold 1e-4: epoch 0 sets the best, epochs 1-3 are three epochs without
/// improvement (more than patience 2), so epoch 4 runs at 1e-8. A run resumed after epoch 2
/// replays the validation losses and reaches the same rates.
@Test func plateauDividesTheRateWhenTheValidationLossStallsAndResumes() throws {
    let data = try writeSyntheticFashionMNIST(count: 40)
    let whole = temporaryDirectory(), split = temporaryDirectory()
    defer { for url in [data, whole, split] { try? FileManager.default.removeItem(at: url) } }
    let flags = ["--model", "mlp", "--dataset", data.path, "--batch-size", "16", "--optimizer", "sgd", "--lr", "1e-7",
                 "--schedule", "plateau"]
    try TrainCommand.parse(flags + ["--epochs", "5", "--output", whole.path]).run()
    let rates = try RunSummary.read(from: whole).epochs.map(\.learningRate)
    #expect(rates.count == 5)
    #expect(zip(rates, [1e-7, 1e-7, 1e-7, 1e-7, 1e-8]).allSatisfy { abs($0 - $1) < 1e-20 }, "\(rates)")

    try TrainCommand.parse(flags + ["--epochs", "3", "--output", split.path]).run()
    try ResumeCommand.parse([split.path, "--epochs", "5"]).run()
    #expect(try RunSummary.read(from: split).epochs.map(\.learningRate) == rates)
    expectUsageError(TrainCommand.self, ["--schedule", "plateau", "--validation-split", "0"],
                     message: "--schedule plateau needs validation data, but --validation-split is 0")
}
