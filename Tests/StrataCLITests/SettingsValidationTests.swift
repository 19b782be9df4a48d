import ArgumentParser
import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

/// A negative number after a flag is its value, refused as out of range (exit 64), not taken
/// for an unknown flag ("Missing value for '--epochs'").
@Test(arguments: [
    (["--epochs", "-1"], "--epochs must be positive, got -1"),
    (["--batch-size", "-8"], "--batch-size must be positive, got -8"),
    (["--lr", "-1"], "--lr must be positive, got -1.0"),
    (["--limit", "-1"], "--limit must be positive, got -1"),
    (["--early-stopping", "-2"], "--early-stopping must be positive, got -2"),
    (["--epochs", "16777217"], "--epochs must be at most 16777216, got 16777217"),
    (["--batch-size", "9223372036854775807"], "--batch-size must be at most 16777216, got 9223372036854775807"),
    (["--model", "wide-deep", "--target", "y", "--cross", "a:b@99999999999"],
     "--cross tabular: bad cross: \"a:b@99999999999\": the bucket count must be in 1...16777216"),
    (["--replace-head", "100000"], "--replace-head must be at most 65536, got 100000"),
])
func negativeAndHugeNumbersSayWhatIsWrong(_ flags: [String], _ message: String) {
    do {
        _ = try TrainCommand.parse(flags)
        Issue.record("\(flags) parsed")
    } catch {
        #expect(TrainCommand.exitCode(for: error).rawValue == 64, "\(flags)")
        #expect(TrainCommand.message(for: error) == message)
    }
}

@Test func resumeAndEvaluateTakeNegativeNumbersAsValues() {
    for (command, flags) in [("resume", ["dir", "--epochs", "-3"]), ("evaluate", ["--model", "mlp", "--weights", "w", "--limit", "-1"])] {
        do {
            _ = try StrataCommand.parseAsRoot([command] + flags)
            Issue.record("\(flags) parsed")
        } catch {
            #expect(StrataCommand.exitCode(for: error).rawValue == 64)
            #expect(StrataCommand.message(for: error).contains("must be positive"), "\(StrataCommand.message(for: error))")
        }
    }
}

/// `settings.json` passes the checks of the flags that wrote it; a bad value stops `resume` with
/// one line naming the file (exit 1) instead of a trap.
@Test(arguments: [
    ("epochs", "-1", "--epochs must be positive, got -1"),
    ("learningRate", "-1", "--lr must be positive, got -1.0"),
    ("limit", "-1", "--limit must be positive, got -1"),
    ("batchSize", "0", "--batch-size must be positive, got 0"),
    ("earlyStoppingPatience", "0", "--early-stopping must be positive, got 0"),
    ("imagesPerClass", "-5", "--images-per-class must be positive, got -5"),
    ("classes", "[3, 3]", "--classes must be distinct labels in 0...9, got [3, 3]"),
])
func resumeChecksSavedSettingsAsTheFlags(_ key: String, _ value: String, _ reason: String) throws {
    let directory = temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try TrainingSettings(model: .mlp, dataset: "unused", epochs: 1, batchSize: 8, optimizer: .adam, learningRate: 0.1,
                         seed: 0, limit: 8).write(to: directory)
    let url = directory.appendingPathComponent(TrainingSettings.fileName)
    var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    json[key] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
    try JSONSerialization.data(withJSONObject: json).write(to: url)
    let error = CLIError.invalidSettings(path: url.path, reason: reason)
    #expect(throws: error) { try ResumeCommand.parse([directory.path]).run() }
    #expect(ResumeCommand.exitCode(for: error).rawValue == 1)
    #expect(error.description == "invalid settings in \(url.path): \(reason)")
}

@Test func theSharedValidatorChecksTabularSettings() throws {
    var settings = TrainingSettings(model: .wideDeep, dataset: "table.csv", epochs: 1, batchSize: 8, optimizer: .adam,
                                    learningRate: 0.1, seed: 0, limit: nil)
    #expect(throws: CLIError.invalidSetting("--model wide-deep needs --target COLUMN")) { try settings.validate() }
    settings.tabular = try TrainCommand.parse(["--model", "wide-deep", "--target", "label"]).settings.tabular
    settings.tabular!.categorical = ["a"]
    settings.tabular!.numeric = ["a"]
    #expect(throws: CLIError.invalidSetting("column a is given as both --categorical and --numeric")) { try settings.validate() }
    settings.tabular!.numeric = []
    settings.tabular!.l1Strength = -1
    #expect(throws: CLIError.invalidSetting("--l1 must not be negative, got -1.0")) { try settings.validate() }
    settings.tabular!.l1Strength = 0
    settings.tabular!.wideOptimizer = "adam"
    #expect(throws: CLIError.invalidSetting("--wide-optimizer must be ftrl or proximal, got adam")) { try settings.validate() }
    settings.tabular!.wideOptimizer = "ftrl"
    try? settings.validate()
    settings.classes = [1, 2]
    #expect(throws: CLIError.invalidSetting("--classes applies to the image models, not wide-deep")) { try settings.validate() }
}

/// A trained run's latest checkpoint, rewritten by `change`, stops `resume` with a typed error
/// naming the checkpoint and the exact problem.
@Test func resumeRefusesCheckpointsOutOfRangeOrMissingOptimizerState() throws {
    let data = try writeSyntheticFashionMNIST(count: 32)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--dataset", data.path, "--epochs", "1", "--batch-size", "16", "--optimizer", "adam",
                            "--output", output.path]).run()
    let url = output.appendingPathComponent("checkpoints/epoch-0000.safetensors")
    let original = try Checkpoint.read(contentsOf: url)
    func resume(after change: (inout Checkpoint) -> Void, reason: String) throws {
        var checkpoint = original
        change(&checkpoint)
        try checkpoint.write(to: url)
        #expect(throws: CLIError.unreadableFile(path: url.path, reason: reason)) {
            try ResumeCommand.parse([output.path, "--epochs", "2"]).run()
        }
    }
    try resume(after: { $0.setMetadata(String(Int64.max), for: "epoch") },
               reason: "checkpoint: epoch \(Int64.max) is outside 0..<16777216")
    try resume(after: { $0.setMetadata("-1", for: "epoch") }, reason: "checkpoint: epoch -1 is outside 0..<16777216")
    try resume(after: { $0.setMetadata("nan", for: "learning_rate") },
               reason: "checkpoint: learning rate nan is not a finite non-negative number")
    // Adam's moments of one parameter deleted: resuming would restart them from zero.
    try resume(after: { checkpoint in
        for slot in ["exp_avg", "exp_avg_sq", "step"] { checkpoint["optimizer"]!["state.1.bias.\(slot)"] = nil }
    }, reason: "optimizer state: 1.bias.step is missing")
    try resume(after: { $0["optimizer"]!["state.3.weight.exp_avg_sq"] = nil },
               reason: "optimizer state: 3.weight.exp_avg_sq is missing")
    try resume(after: { $0["optimizer"]!["step_count"] = Tensor(Int64.max) },
               reason: "optimizer state: step_count is \(Int64.max), outside 0...\(1 << 53)")
}
