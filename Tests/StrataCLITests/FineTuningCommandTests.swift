import ArgumentParser
import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

/// Bit patterns of a float32 tensor, for exact comparisons.
private func bits(_ tensor: Tensor?) -> [UInt32] { tensor?.scalars(as: Float.self).map(\.bitPattern) ?? [] }

/// A pretrained MLP (one epoch on all ten synthetic classes) is fine-tuned on classes 5-9 with
/// 4 images each: the frozen first layer equals the file bit for bit, the new head has 5 outputs,
/// and the settings that `resume` needs are saved.
@Test func trainInitializesFromWeightsFreezesAndReplacesTheHead() throws {
    let data = try writeSyntheticFashionMNIST(count: 60)
    let (pretrained, tuned) = (temporaryDirectory(), temporaryDirectory())
    defer { for url in [data, pretrained, tuned] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "1", "--batch-size", "16",
                            "--output", pretrained.path]).run()
    let weights = pretrained.appendingPathComponent("model.safetensors")
    let initial = try Safetensors.read(contentsOf: weights).tensors

    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "2", "--batch-size", "8",
                            "--init-from", weights.path, "--replace-head", "5", "--classes", "5,6,7,8,9",
                            "--images-per-class", "4", "--freeze", "1", "--backbone-lr", "0.0001",
                            "--output", tuned.path]).run()
    let final = try Safetensors.read(contentsOf: tuned.appendingPathComponent("model.safetensors")).tensors
    #expect(bits(final["1.weight"]) == bits(initial["1.weight"]))
    #expect(bits(final["1.bias"]) == bits(initial["1.bias"]))
    #expect(final["3.weight"]?.shape == [5, 256])
    let summary = try RunSummary.read(from: tuned)
    #expect(summary.settings.classes == [5, 6, 7, 8, 9])
    #expect(summary.settings.fineTuning == FineTuningSettings(initialWeights: weights.path, headClasses: 5, freeze: ["1"],
                                                              backboneLearningRate: 0.0001))
    // Synthetic test image i is of class i % 10: 30 of the 60 are in classes 5-9, relabelled 0-4.
    #expect(summary.confusionMatrix.count == 5)
    #expect(summary.confusionMatrix.joined().reduce(0, +) == 30)

    // Resuming rebuilds the frozen layer from the settings, without the initial weights file.
    try FileManager.default.removeItem(at: pretrained)
    try ResumeCommand.parse([tuned.path, "--epochs", "3"]).run()
    let resumed = try Safetensors.read(contentsOf: tuned.appendingPathComponent("model.safetensors")).tensors
    #expect(bits(resumed["1.weight"]) == bits(initial["1.weight"]))
    #expect(bits(resumed["3.weight"]) != bits(final["3.weight"]))
}

/// Without `--replace-head` every tensor comes from the file; freezing all of them keeps it exact.
/// A file saved by PyTorch from a DataParallel or compiled model carries wrapper names, which
/// `--init-from` removes.
@Test(arguments: ["", "module.", "_orig_mod.module."])
func initFromLoadsEveryTensorWhenTheHeadStays(wrapperPrefix: String) throws {
    let data = try writeSyntheticFashionMNIST(count: 20)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    let weights = output.appendingPathComponent("start.safetensors")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    let start = try ModelName.mlp.makeModel(seed: 99).stateDictionary().keyedByName
    try PyTorchWeights.write(Dictionary(uniqueKeysWithValues: start.map { (wrapperPrefix + $0.key, $0.value) }), to: weights)
    try TrainCommand.parse(["--dataset", data.path, "--epochs", "1", "--init-from", weights.path, "--freeze", "*",
                            "--output", output.appendingPathComponent("run").path]).run()
    let final = try Safetensors.read(contentsOf: output.appendingPathComponent("run/model.safetensors")).tensors
    #expect(final.keys.sorted() == start.keys.sorted())
    for (key, tensor) in start { #expect(bits(final[key]) == bits(tensor), "\(key)") }
}

@Test(arguments: [
    ["--freeze", "layer*"],                         // malformed pattern
    ["--freeze", "fc"],                             // matches nothing in the MLP (0-3)
    ["--unfreeze", "9"],
    ["--replace-head", "0"],
    ["--replace-head", "5"],                        // 10 classes in the data, 5 outputs
    ["--classes", "5,5"],
    ["--classes", "4,10"],
    ["--classes", "a,b"],
    ["--images-per-class", "0"],
    ["--backbone-lr", "-1"],
])
func badFineTuningFlagsExitWithUsageStatus(_ flags: [String]) {
    do {
        _ = try TrainCommand.parse(["--model", "mlp"] + flags)
        Issue.record("\(flags) parsed")
    } catch {
        #expect(TrainCommand.exitCode(for: error).rawValue == 64, "\(flags): \(error)")
    }
}

@Test func weightsThatDoNotFitAreTypedErrors() throws {
    let data = try writeSyntheticFashionMNIST(count: 10)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    let missing = output.appendingPathComponent("missing.safetensors").path
    let train = try TrainCommand.parse(["--dataset", data.path, "--init-from", missing, "--output", output.path])
    let error = #expect(throws: CLIError.self) { try train.run() }
    guard case .unreadableFile(let path, _) = error else { Issue.record("\(String(describing: error))"); return }
    #expect(path == missing)

    // LeNet's weights do not fit the MLP, also with its head replaced.
    let lenet = output.appendingPathComponent("lenet.safetensors")
    try Safetensors.write(try ModelName.lenet.makeModel(seed: 1).stateDictionary(), to: lenet)
    let mismatched = try TrainCommand.parse(["--dataset", data.path, "--init-from", lenet.path, "--replace-head", "10",
                                             "--output", output.path])
    let fit = #expect(throws: CLIError.self) { try mismatched.run() }
    guard case .weightsDoNotFit = fit else { Issue.record("\(String(describing: fit))"); return }
}

/// Settings read back from `settings.json` are checked as the flags are, with a typed error.
@Test func savedSettingsWithABadPatternAreATypedError() {
    let settings = TrainingSettings(model: .lenet, dataset: "unused", epochs: 1, batchSize: 8, optimizer: .sgd,
                                    learningRate: 0.1, seed: 0, limit: 8,
                                    fineTuning: FineTuningSettings(freeze: ["layer1"]))
    #expect(throws: CLIError.invalidSetting(
        #"the parameter pattern "layer1" matches nothing in the model, whose top-level names are 0, 3, 7, 9"#)) {
        try TrainingRun(settings: settings, directory: temporaryDirectory()).run()
    }
}
