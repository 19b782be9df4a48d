import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

/// A trained wide-deep `model.safetensors` (one epoch on a small table) and the CSV it read.
private func trainWideDeep(in output: URL) throws -> (weights: URL, data: URL) {
    var lines = ["color,x,label"]
    for row in 0..<40 {
        lines.append("\(["red", "green", "blue"][row % 3]),\(Double(row % 7) / 7),\(row % 2 == 0 ? "yes" : "no")")
    }
    let data = output.appendingPathComponent("table.csv")
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    try (lines.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
    var run = TrainingRun(settings: try TrainCommand.parse(["--model", "wide-deep", "--dataset", data.path, "--target", "label",
                                                            "--epochs", "1", "--output", output.path]).settings,
                          directory: output)
    run.output = { _ in }
    try run.run()
    return (run.weightsURL, data)
}

/// Rewrites the JSON object in metadata entry `key` of the weights file with `change`.
private func rewrite(_ url: URL, key: String, to target: URL, _ change: (inout [String: Any]) -> Void) throws {
    var file = try Safetensors.read(contentsOf: url)
    var object = try JSONSerialization.jsonObject(with: Data(file.metadata[key]!.utf8)) as! [String: Any]
    change(&object)
    file.metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    try Safetensors.write(file.tensors, metadata: file.metadata, to: target)
}

@Test func wideDeepMetadataIsCheckedBeforeAnythingIsBuilt() throws {
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: output) }
    let (weights, data) = try trainWideDeep(in: output)
    let damaged = output.appendingPathComponent("damaged.safetensors")
    let configuration = "wide_deep.configuration", encoder = "wide_deep.encoder"
    func expect(_ key: String, _ reason: String, _ change: (inout [String: Any]) -> Void) throws {
        try rewrite(weights, key: key, to: damaged, change)
        let error = CLIError.invalidMetadata(path: damaged.path, key: key, reason: reason)
        #expect(throws: error) { try TabularRunTask.evaluate(weights: damaged.path, dataset: data.path) }
        #expect(throws: error) { try TabularRunTask.predict(weights: damaged.path, input: data.path, count: 3) }
    }
    // The color column: 3 colors and the missing and unknown buckets.
    try expect(configuration, "wide-deep configuration: categoryCounts[0] is -1, outside 1...16777216") {
        $0["categoryCounts"] = [-1]
    }
    // 10^9 hidden units would be an 80 GB allocation.
    try expect(configuration, "wide-deep configuration: hiddenSizes[0] is 1000000000, outside 1...65536") {
        $0["hiddenSizes"] = [1_000_000_000]
    }
    try expect(configuration, "wide-deep configuration: the model would have more than 268435456 parameters") {
        $0["hiddenSizes"] = [65536, 65536]
    }
    try expect(configuration, "wide-deep configuration: 0 embedding sizes for 1 categorical columns") {
        $0["embeddingSizes"] = [Int]()
    }
    try expect(configuration, "wide-deep configuration: dropout 1.0 is outside [0, 1)") { $0["dropout"] = 1.0 }
    let saved = try JSONSerialization.jsonObject(with: Data(Safetensors.read(contentsOf: weights).metadata[configuration]!.utf8))
    let wideIDs = (saved as! [String: Any])["wideFeatureCount"] as! Int
    try expect(configuration, "wideFeatureCount \(wideIDs + 1) is not the encoder's \(wideIDs) wide ids") {
        $0["wideFeatureCount"] = wideIDs + 1
    }
    try expect(configuration, "categoryCounts [6] are not the encoder's [5]") { $0["categoryCounts"] = [6] }
    try expect(encoder, "tabular: the saved encoder's bucketBoundaries[0] must be finite and strictly increasing") {
        $0["bucketBoundaries"] = [[0.25, 0.25]]
    }
    try expect(encoder, "tabular: the saved encoder's categories[0] holds a label twice") {
        $0["categories"] = [["blue", "blue", "red"]]
    }
    try expect(encoder, "tabular: the saved encoder's standardDeviations[0] is 0.0, not finite and positive") {
        $0["standardDeviations"] = [0.0]
    }
    try expect(encoder, "tabular: the saved encoder's labels holds \"yes\" twice") { $0["labels"] = ["yes", "yes"] }
}

@Test func theModelNamedInTheMetadataMustBeTheOneAskedFor() throws {
    let data = try writeSyntheticFashionMNIST(count: 10)
    let output = temporaryDirectory()
    try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    let url = output.appendingPathComponent("lenet.safetensors")
    try Safetensors.write(try ModelName.lenet.makeModel(seed: 1).stateDictionary(), metadata: ["model": "resnet"], to: url)
    let error = CLIError.wrongModel(path: url.path, expected: "lenet", found: "resnet")
    #expect(throws: error) {
        try EvaluateCommand.parse(["--model", "lenet", "--weights", url.path, "--dataset", data.path]).evaluate()
    }
    #expect(error.description == "\(url.path) holds a resnet model, not lenet: pass --model resnet, or the weights of a lenet model")
    #expect(throws: CLIError.wrongModel(path: url.path, expected: "wide-deep", found: "resnet")) {
        try TabularRunTask.evaluate(weights: url.path, dataset: data.path)
    }
    // Without the entry (a PyTorch export) the tensors alone decide.
    try Safetensors.write(try ModelName.lenet.makeModel(seed: 1).stateDictionary(), to: url)
    #expect(try EvaluateCommand.parse(["--model", "lenet", "--weights", url.path, "--dataset", data.path]).evaluate().total == 10)
}

/// Checkpoints name their model too, so that `evaluate` of another model's checkpoint says so.
@Test func checkpointsNameTheirModel() throws {
    let data = try writeSyntheticFashionMNIST(count: 16)
    let output = temporaryDirectory()
    defer { for url in [data, output] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--dataset", data.path, "--epochs", "1", "--batch-size", "16", "--output", output.path]).run()
    let best = output.appendingPathComponent("checkpoints/best.safetensors")
    #expect(try Checkpoint.read(contentsOf: best).metadata["model"] == "mlp")
    #expect(throws: CLIError.wrongModel(path: best.path, expected: "lenet", found: "mlp")) {
        try EvaluateCommand.parse(["--model", "lenet", "--weights", best.path, "--dataset", data.path]).evaluate()
    }
}
