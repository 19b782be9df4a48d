import ArgumentParser
import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

/// The ONNX path through the commands: train an MLP, `export --format onnx`, `inspect` the file,
/// `evaluate` and `predict` with `--weights model.onnx` (the same accuracy as the safetensors
/// weights: the graph computes the same function), then fine-tune the ONNX classifier with
/// `train --model onnx --init-from model.onnx --replace-head 5`.
@Test func onnxExportInspectEvaluatePredictAndFineTune() throws {
    let data = try writeSyntheticFashionMNIST(count: 60)
    let (run, tuned) = (temporaryDirectory(), temporaryDirectory())
    defer { for url in [data, run, tuned] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "1", "--batch-size", "16",
                            "--output", run.path]).run()
    let weights = run.appendingPathComponent("model.safetensors").path
    let onnx = run.appendingPathComponent("model.onnx").path

    let summary = try ExportCommand.parse(["--model", "mlp", "--weights", weights, "--format", "onnx", "--output", onnx]).export()
    #expect(summary.contains("10 outputs"))
    let report = try InspectCommand.parse([onnx]).report()
    #expect(report.contains("opset 17") && report.contains("Gemm") && report.contains("head: 3.weight + 3.bias (10 outputs)"))

    let native = try EvaluateCommand.parse(["--model", "mlp", "--weights", weights, "--dataset", data.path]).evaluate()
    let imported = try EvaluateCommand.parse(["--model", "onnx", "--weights", onnx, "--dataset", data.path]).evaluate()
    #expect(imported.total == native.total)
    #expect((0..<10).map { imported[$0, $0] } == (0..<10).map { native[$0, $0] })

    try TrainCommand.parse(["--model", "onnx", "--dataset", data.path, "--epochs", "1", "--batch-size", "8",
                            "--init-from", onnx, "--replace-head", "5", "--classes", "5,6,7,8,9", "--freeze", "1",
                            "--output", tuned.path]).run()
    let final = try Safetensors.read(contentsOf: tuned.appendingPathComponent("model.safetensors")).tensors
    #expect(final["3.weight"]?.shape == [5, 256])
    let initial = try Safetensors.read(contentsOf: URL(fileURLWithPath: weights)).tensors
    #expect(final["1.weight"]?.scalars(as: Float.self) == initial["1.weight"]?.scalars(as: Float.self))

    // The fine-tuned weights back into the ONNX graph, then evaluated on classes 5-9 as ONNX.
    let tunedWeights = tuned.appendingPathComponent("model.safetensors").path
    let tunedONNX = tuned.appendingPathComponent("tuned.onnx").path
    #expect(throws: CLIError.self) { try EvaluateCommand.parse(["--model", "onnx", "--weights", tunedWeights]).evaluate() }
    let written = try ExportCommand.parse(["--model", "onnx", "--graph", onnx, "--weights", tunedWeights, "--output", tunedONNX]).export()
    #expect(written.contains("5 outputs"))
    let fromONNX = try EvaluateCommand.parse(["--model", "onnx", "--weights", tunedONNX, "--dataset", data.path,
                                              "--classes", "5,6,7,8,9"]).evaluate()
    #expect(fromONNX.classCount == 5 && fromONNX.total == 30)
    let prediction = try PredictCommand.parse(["--model", "onnx", "--weights", tunedONNX, "--dataset", data.path, "--count", "3",
                                               "--classes", "5,6,7,8,9"])
    try prediction.run()
}

@Test func onnxErrorsAreTypedInTheCommands() throws {
    let folder = temporaryDirectory()
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let broken = folder.appendingPathComponent("broken.onnx")
    try Data([0x0A, 0x7F, 0x01]).write(to: broken)
    #expect(throws: CLIError.self) { try InspectCommand.parse([broken.path]).report() }
    #expect(throws: CLIError.self) {
        try EvaluateCommand.parse(["--model", "onnx", "--weights", broken.path]).evaluate()
    }
    // --model onnx trains only what --init-from gives it.
    #expect(throws: CLIError.self) { try ModelName.onnx.makeModel(seed: 1) }
}
