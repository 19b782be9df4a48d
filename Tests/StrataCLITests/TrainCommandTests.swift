import ArgumentParser
import Foundation
import StrataCLI
import StrataIO
import Testing

/// One epoch of the MLP on 64 synthetic images writes every output; `resume` adds a second epoch;
/// `evaluate` and `predict` read the final weights and a checkpoint.
@Test func trainWritesEveryOutputAndResumeContinues() throws {
    let data = try writeSyntheticFashionMNIST(count: 64)
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: output) }
    let train = try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "1",
                                        "--batch-size", "16", "--optimizer", "momentum", "--lr", "0.05",
                                        "--seed", "3", "--output", output.path, "--limit", "64"])
    try train.run()

    for name in ["settings.json", "summary.json", "model.safetensors", "loss.svg", "accuracy.svg",
                 "confusion-matrix.svg", "checkpoints/epoch-0000.safetensors", "checkpoints/best.safetensors"] {
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), "\(name)")
    }
    let logs = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("logs").path)
    #expect(logs.filter { $0.hasPrefix("events.out.tfevents.") }.count == 1)

    let summary = try RunSummary.read(from: output)
    #expect(summary.settings.model == .mlp)
    #expect(summary.settings.optimizer == .momentum)
    #expect(summary.settings.limit == 64)
    #expect(summary.epochs.map(\.epoch) == [0])
    // The test split is evaluated once, on all 64 test images; validation holds out a tenth
    // (6, rounded) of the 64 training images, so its accuracy is a multiple of 1/6.
    #expect(summary.confusionMatrix.joined().reduce(0, +) == 64)
    let validationAccuracy = try #require(summary.epochs.last?.validationAccuracy)
    #expect(abs(validationAccuracy * 6 - (validationAccuracy * 6).rounded()) < 1e-9)
    let svg = try String(contentsOf: output.appendingPathComponent("loss.svg"), encoding: .utf8)
    #expect(svg.contains("<svg"))

    let weights = try Safetensors.read(contentsOf: output.appendingPathComponent("model.safetensors"))
    #expect(weights.tensors["1.weight"]?.shape == [256, 784])
    #expect(weights.metadata["model"] == "mlp")

    try ResumeCommand.parse([output.path, "--epochs", "2"]).run()
    let resumed = try RunSummary.read(from: output)
    #expect(resumed.epochs.map(\.epoch) == [0, 1])
    #expect(resumed.epochs[0] == summary.epochs[0])
    #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoints/epoch-0001.safetensors").path))

    let evaluate = try EvaluateCommand.parse(["--model", "mlp", "--dataset", data.path, "--limit", "30",
                                              "--weights", output.appendingPathComponent("model.safetensors").path])
    #expect(try evaluate.evaluate().total == 30)
    let predict = try PredictCommand.parse(["--model", "mlp", "--dataset", data.path, "--count", "5", "--weights",
                                            output.appendingPathComponent("checkpoints/best.safetensors").path])
    let predictions = try predict.predictions()
    // Synthetic image i is of class i % 10.
    #expect(predictions.map(\.truth) == [0, 1, 2, 3, 4])
    #expect(predictions.allSatisfy { $0.probability > 0 && $0.probability <= 1 })
}

@Test func unknownModelsOptimizersAndBadNumbersAreRejectedByTheParser() {
    expectUsageError(TrainCommand.self, ["--model", "vgg"], message: "The value 'vgg' is invalid for '--model <model>'")
    expectUsageError(TrainCommand.self, ["--optimizer", "lbfgs"], message: "The value 'lbfgs' is invalid for '--optimizer <optimizer>'")
    expectUsageError(TrainCommand.self, ["--epochs", "0"], message: "--epochs must be positive, got 0")
    expectUsageError(StrataCommand.self, ["summary", "--model", "alexnet"], message: "The value 'alexnet' is invalid for '--model <model>'")
    // Parser errors exit with status 64 (EX_USAGE), command errors with 1.
    #expect(TrainCommand.exitCode(for: ValidationError("x")).rawValue == 64)
    #expect(TrainCommand.exitCode(for: CLIError.noCheckpoint(directory: "d")).rawValue == 1)
}

@Test func aMissingDatasetSaysHowToInstallIt() throws {
    let train = try TrainCommand.parse(["--dataset", temporaryDirectory().path, "--output", temporaryDirectory().path])
    let error = #expect(throws: CLIError.self) { try train.run() }
    guard case .datasetNotFound(let message) = error else { Issue.record("\(String(describing: error))"); return }
    #expect(message.contains("apt-get install -y dataset-fashion-mnist"))
}

@Test func aCorruptDatasetIsATypedError() throws {
    let data = try writeSyntheticFashionMNIST(count: 10)
    defer { try? FileManager.default.removeItem(at: data) }
    try Data("not an idx file".utf8).write(to: data.appendingPathComponent("t10k-images-idx3-ubyte"))
    let evaluate = try EvaluateCommand.parse(["--model", "mlp", "--weights", "unused", "--dataset", data.path])
    let error = #expect(throws: CLIError.self) { try evaluate.evaluate() }
    guard case .unreadableFile = error else { Issue.record("\(String(describing: error))"); return }
}

@Test func resumeNeedsSettingsAndACheckpoint() throws {
    let directory = temporaryDirectory()
    let error = #expect(throws: CLIError.self) { try ResumeCommand.parse([directory.path]).run() }
    guard case .unreadableFile(let path, _) = error else { Issue.record("\(String(describing: error))"); return }
    #expect(path.hasSuffix("settings.json"))

    // A settings file without its model is named in the error, not a crash.
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data(#"{"epochs": 1}"#.utf8).write(to: directory.appendingPathComponent("settings.json"))
    #expect(throws: CLIError.unreadableFile(path: directory.appendingPathComponent("settings.json").path,
                                            reason: "missing key model")) {
        try ResumeCommand.parse([directory.path]).run()
    }

    let settings = TrainingSettings(model: .mlp, dataset: "fashion-mnist", epochs: 1, batchSize: 8,
                                    optimizer: .sgd, learningRate: 0.1, seed: 0, limit: 8)
    #expect(throws: CLIError.noCheckpoint(directory: directory.appendingPathComponent("checkpoints").path)) {
        try TrainingRun(settings: settings, directory: directory).latestCheckpoint()
    }
}

/// Training one epoch, deleting the summary (as a run cut short leaves none) and resuming to two
/// gives the weights and records of two uninterrupted epochs: the trainer's per-epoch generator
/// and the checkpointed optimizer state make the runs equal bit for bit.
@Test func resumeAfterAnInterruptionEqualsAnUninterruptedRun() throws {
    let data = try writeSyntheticFashionMNIST(count: 48)
    let (whole, split) = (temporaryDirectory(), temporaryDirectory())
    defer { for url in [data, whole, split] { try? FileManager.default.removeItem(at: url) } }
    func train(_ output: URL, epochs: Int) throws {
        try TrainCommand.parse(["--dataset", data.path, "--epochs", String(epochs), "--batch-size", "16",
                                "--optimizer", "adamw", "--output", output.path]).run()
    }
    try train(whole, epochs: 2)
    try train(split, epochs: 1)
    try FileManager.default.removeItem(at: split.appendingPathComponent("summary.json"))
    try ResumeCommand.parse([split.path, "--epochs", "2"]).run()

    let expected = try Safetensors.read(contentsOf: whole.appendingPathComponent("model.safetensors")).tensors
    let resumed = try Safetensors.read(contentsOf: split.appendingPathComponent("model.safetensors")).tensors
    #expect(resumed.keys.sorted() == expected.keys.sorted())
    for (name, tensor) in expected {
        #expect(resumed[name]?.scalars(as: Float.self) == tensor.scalars(as: Float.self), "\(name)")
    }
    let (wholeEpochs, splitEpochs) = try (RunSummary.read(from: whole).epochs, RunSummary.read(from: split).epochs)
    // Checkpoint metadata keeps Swift's shortest round-tripping decimal, so the values are exact.
    #expect(splitEpochs == wholeEpochs)
}
