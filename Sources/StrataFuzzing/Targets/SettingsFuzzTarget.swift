import ArgumentParser
import Foundation
import StrataCLI

/// The `strata resume` settings path: `TrainingSettings.read(from:)` reads a run's
/// `settings.json`, then `validate()` checks it against the model it builds (what
/// `TrainingRun.run` does before loading any data). Seeds are the files `strata train` writes
/// for a plain run and for a fine-tuning run with classes and freezes.
///
/// Independent check of accepted settings: positive epochs, batch size and limit, a finite
/// positive learning rate, a positive early-stopping patience, and an image model.
public final class SettingsFuzzTarget: FuzzTarget {
    public let name = "settings"
    public let isText = true
    public let seeds: [[UInt8]]
    private let scratch = FuzzScratch("settings")

    public init() throws {
        let arguments = [
            ["--model", "mlp", "--epochs", "3", "--batch-size", "32", "--lr", "0.01", "--limit", "500",
             "--early-stopping", "2", "--schedule", "cosine"],
            ["--model", "lenet", "--classes", "5,6,7", "--images-per-class", "40", "--replace-head", "3",
             "--freeze", "*", "--unfreeze", "9", "--backbone-lr", "0.001"],
        ]
        var seeds: [[UInt8]] = []
        for (index, list) in arguments.enumerated() {
            let directory = scratch.directory.appendingPathComponent("seed-\(index)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try TrainCommand.parse(list).settings.write(to: directory)
            seeds.append(try [UInt8](Data(contentsOf: directory.appendingPathComponent(TrainingSettings.fileName))))
        }
        self.seeds = seeds
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        _ = scratch.write(input, to: TrainingSettings.fileName)
        let settings: TrainingSettings
        do {
            settings = try TrainingSettings.read(from: scratch.directory)
            guard settings.model != .wideDeep else { return .rejected("this target covers the image models' settings") }
            try settings.validate()
        } catch {
            return classify(error, typed: [CLIError.self])
        }
        guard settings.epochs > 0, settings.batchSize > 0 else {
            return .silentAcceptance("epochs \(settings.epochs), batch size \(settings.batchSize)")
        }
        guard settings.learningRate.isFinite, settings.learningRate > 0 else {
            return .silentAcceptance("learning rate \(settings.learningRate)")
        }
        if let limit = settings.limit, limit <= 0 { return .silentAcceptance("limit \(limit)") }
        if let patience = settings.earlyStoppingPatience, patience <= 0 {
            return .silentAcceptance("early-stopping patience \(patience)")
        }
        return .accepted
    }
}
