import ArgumentParser
import Foundation
import Strata
import StrataCLI
import StrataIO
import StrataNN
import StrataTraining

/// The `strata evaluate --model wide-deep` path: a `model.safetensors` whose metadata holds the
/// model's configuration and the fitted encoder, read by `TabularRunTask.evaluate` (tensors,
/// metadata, encoder and configuration, the state dictionary, then a forward pass over a small
/// labelled CSV). The seed is the file a real one-epoch wide-deep `TrainingRun` writes.
///
/// Independent check of an accepted file: a finite loss, accuracy and AUC in [0, 1], one
/// result per row.
public final class SafetensorsFuzzTarget: FuzzTarget {
    public let name = "safetensors"
    /// The safetensors header is JSON text: its numbers (shapes, offsets, metadata values) get
    /// numeric-token replacement too.
    public let isText = true
    public let seeds: [[UInt8]]
    private let scratch = FuzzScratch("safetensors")
    private let table: URL
    private let rowCount = 40

    public init() throws {
        var lines = ["color,size,x,label"]
        for row in 0..<rowCount {
            let color = ["red", "green", "blue"][row % 3], size = row % 4 < 2 ? "small" : "large"
            lines.append("\(color),\(size),\(Double(row) * 0.1),\((color == "red") != (size == "large") ? "yes" : "no")")
        }
        table = scratch.write(Array((lines.joined(separator: "\n") + "\n").utf8), to: "rows.csv")
        let output = scratch.directory.appendingPathComponent("run")
        let command = try TrainCommand.parse(["--model", "wide-deep", "--dataset", table.path, "--target", "label",
                                              "--cross", "color:size", "--epochs", "1", "--batch-size", "8",
                                              "--output", output.path])
        var run = TrainingRun(settings: command.settings, directory: output)
        run.output = { _ in }
        try run.run()
        seeds = [try Self.canonical(run.weightsURL)]
    }

    /// The file with its configuration JSON re-encoded with sorted keys: `JSONEncoder` orders
    /// keys by the process's hash seed, and a case must make the same input in every process.
    static func canonical(_ url: URL) throws -> [UInt8] {
        let file = try Safetensors.read(contentsOf: url)
        var metadata = file.metadata
        let key = "wide_deep.configuration"
        if let text = metadata[key] {
            let configuration = try JSONDecoder().decode(WideDeepConfiguration.self, from: Data(text.utf8))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            metadata[key] = String(decoding: try encoder.encode(configuration), as: UTF8.self)
        }
        return [UInt8](try Safetensors.encode(file.tensors, metadata: metadata))
    }

    public func run(_ input: [UInt8], seed: Int) -> FuzzOutcome {
        let weights = scratch.write(input, to: "model.safetensors")
        let result: Evaluation
        do {
            result = try TabularRunTask.evaluate(weights: weights.path, dataset: table.path)
        } catch {
            return classify(error, typed: [CLIError.self])
        }
        guard result.loss.isFinite else { return .silentAcceptance("loss \(result.loss)") }
        guard (0...1).contains(result.accuracy), result.sampleCount == rowCount else {
            return .silentAcceptance("accuracy \(result.accuracy) over \(result.sampleCount) rows")
        }
        if let auc = result.rocAUC, !(0...1).contains(auc) { return .silentAcceptance("AUC \(auc)") }
        return .accepted
    }
}
