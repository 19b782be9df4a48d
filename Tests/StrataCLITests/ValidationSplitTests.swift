import ArgumentParser
import Foundation
import Strata
import StrataCLI
import StrataData
import StrataIO
import Testing

@Test func validationSplitsParseAsCountsFractionsAndPercentages() throws {
    #expect(ValidationSplit("5000") == .count(5000))
    #expect(ValidationSplit("0") == .count(0))
    #expect(ValidationSplit("0.1") == .fraction(0.1))
    #expect(ValidationSplit("25%") == .fraction(0.25))
    for bad in ["-1", "1.5", "100%", "-5%", "ten", ""] { #expect(ValidationSplit(bad) == nil, "\(bad)") }
    expectUsageError(TrainCommand.self, ["--validation-split", "1.5"], message: "The value '1.5' is invalid for '--validation-split")
    expectUsageError(TrainCommand.self, ["--validation-split", "0", "--early-stopping", "2"],
                     message: "--early-stopping 2 needs validation data, but --validation-split is 0")
    // The default: 5,000 of Fashion-MNIST's 60,000, a tenth of a smaller set (rounded).
    let (full, small) = try (ValidationSplit.defaultImages(trainingCount: 60_000).validationCount(of: 60_000),
                             ValidationSplit.defaultImages(trainingCount: 64).validationCount(of: 64))
    #expect(full == 5_000 && small == 6)
    #expect(throws: CLIError.invalidSetting("--validation-split 64 holds out 64 of 64 training samples, leaving none to train on")) {
        try ValidationSplit.count(64).validationCount(of: 64)
    }
}

/// The two parts are disjoint, cover every sample, keep the dataset's order, depend only on the
/// seed, and differ from the first samples the model's own seed would shuffle to the front.
@Test func aValidationSplitPartitionsTheSamplesBySeed() throws {
    let dataset = TensorDataset(inputs: Tensor((0..<100).map(Float.init)).reshaped(to: [100, 1]),
                                labels: Tensor((0..<100).map(Int64.init)))
    let (training, validation) = try ValidationSplit.count(20).split(dataset, seed: 7)
    let trainingLabels = training.labels.scalars(as: Int64.self)
    let validationLabels = try #require(validation).labels.scalars(as: Int64.self)
    #expect(trainingLabels.count == 80 && validationLabels.count == 20)
    #expect(Set(trainingLabels).isDisjoint(with: validationLabels))
    #expect(Set(trainingLabels + validationLabels) == Set((0..<100).map(Int64.init)))
    #expect(trainingLabels == trainingLabels.sorted() && validationLabels == validationLabels.sorted())
    let again = try ValidationSplit.count(20).split(dataset, seed: 7).validation?.labels.scalars(as: Int64.self)
    let otherSeed = try ValidationSplit.count(20).split(dataset, seed: 8).validation?.labels.scalars(as: Int64.self)
    #expect(again == validationLabels && otherSeed != validationLabels)
    let none = try ValidationSplit.count(0).split(dataset, seed: 7)
    #expect(none.validation == nil && none.training.count == 100)
}

/// `--validation-split 0` trains on every training image: no validation metrics and no best
/// checkpoint, and the test split still gives the summary's accuracy; the split is saved for resume.
@Test func noValidationSplitTrainsOnEveryImageAndKeepsNoBest() throws {
    let data = try writeSyntheticFashionMNIST(count: 40)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    var lines: [String] = []
    var run = TrainingRun(settings: try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "1",
                                                            "--validation-split", "0", "--output", output.path]).settings,
                          directory: output)
    run.output = { lines.append($0) }
    let summary = try run.run()
    #expect(lines.first == "mlp: 40 training, 0 validation and 40 test images\n")
    #expect(summary.epochs.map(\.validationAccuracy) == [nil])
    #expect(summary.confusionMatrix.joined().reduce(0, +) == 40)
    #expect(!FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoints/best.safetensors").path))
    #expect(try TrainingSettings.read(from: output).validationSplit == .count(0))
}

/// Each use of randomness in a run draws from its own stream: the weights keep the run's seed, and
/// every other seed differs from it and from the others (the SplitMix64 finalizer is a bijection,
/// so distinct inputs give distinct seeds).
@Test func aRunsRandomStreamsAreDistinct() {
    for seed: UInt64 in [0, 1, 42, .max] {
        let seeds = RunSeeds(seed)
        #expect(seeds.model == seed)
        let all = [seeds.model, seeds.shuffle, seeds.epochDraws, seeds.validation, seeds.selection]
        #expect(Set(all).count == all.count, "\(seed): \(all)")
    }
    // The first epoch's order is not the permutation the weights' own stream would give.
    #expect(shuffledOrder(count: 100, seed: RunSeeds(42).shuffle, epoch: 0) != shuffledOrder(count: 100, seed: 42, epoch: 0))
}
