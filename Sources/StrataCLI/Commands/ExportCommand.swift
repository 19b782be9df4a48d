import ArgumentParser
import Foundation
import Strata
import StrataNN
import StrataONNX

/// `strata export --model NAME --weights model.safetensors --format onnx --output model.onnx`:
/// writes a trained image classifier as an ONNX graph (opset 17, a symbolic batch dimension)
/// that onnxruntime and other runtimes load. With `--model onnx --graph ORIGINAL.onnx`, the
/// weights of a fine-tuned ONNX classifier (`train --model onnx`) go back into its own graph.
public struct ExportCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write a Strata weights file as an ONNX model.")

    @Option(help: "The model the weights belong to: \(ModelName.imageModels.map(\.rawValue).joined(separator: ", ")), or onnx with --graph.")
    var model: ModelName
    @Option(help: "With --model onnx: the .onnx file the weights were fine-tuned from (`train --init-from`).")
    var graph: String?
    @Option(help: "`model.safetensors` or a checkpoint written by `strata train`.")
    var weights: String
    @Option(help: "The output format: onnx.")
    var format = "onnx"
    @Option(help: "The file to write.")
    var output: String
    @Option(help: "Image channels of the model's input (1 gray, 3 RGB).")
    var channels = 1
    @Option(help: "Image height and width of the model's input.")
    var imageSize = 28

    public init() {}

    public func validate() throws {
        guard format == "onnx" else { throw ValidationError("--format must be onnx, got \(format)") }
        guard ModelName.imageModels.contains(model) || model == .onnx else {
            throw ValidationError("--model must be an image model or onnx, got \(model.rawValue)")
        }
        guard (model == .onnx) == (graph != nil) else { throw ValidationError("--graph goes with --model onnx, and only with it") }
        guard [1, 3].contains(channels), (4...4096).contains(imageSize) else {
            throw ValidationError("--channels must be 1 or 3 and --image-size in 4...4096")
        }
    }

    public func run() throws {
        print(try export())
    }

    /// Writes the file and returns a one-line summary.
    /// - Throws: `CLIError` for unreadable weights, weights that do not fit, an unwritable output
    ///   or a model without an ONNX form.
    public func export() throws(CLIError) -> String {
        if model == .onnx, let graph { return try exportFineTuned(graph: graph) }
        let (classifier, outputCount) = try WeightsFile.loadClassifier(model, from: weights, channels: channels, imageSize: imageSize)
        let data: Data
        do {
            data = try ONNXExport.serialize(classifier, inputShape: [channels, imageSize, imageSize])
        } catch {
            throw .unsupported(error.description)
        }
        do {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw .unwritableOutput(path: output, reason: FileProblem.reason(error))
        }
        return "wrote \(output): \(model.rawValue), input [batch, \(channels), \(imageSize), \(imageSize)], \(outputCount) outputs, "
            + "\(classifier.parameterCount) parameters (ONNX opset 17)"
    }

    /// The fine-tuned tensors of `--weights` in the graph of `graph`, checked by running the
    /// written file once.
    private func exportFineTuned(graph: String) throws(CLIError) -> String {
        let original = try ONNXClassifier.read(graph)
        let tuned: ONNXModel
        do {
            tuned = try original.replacingInitializers(with: WeightsFile.readState(from: weights))
        } catch let error as CLIError {
            throw error
        } catch {
            throw .weightsDoNotFit(path: weights, reason: "\(error) (the graph is \(graph))")
        }
        do {
            try tuned.serialized().write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw .unwritableOutput(path: output, reason: FileProblem.reason(error))
        }
        let (_, outputCount) = try ONNXClassifier.load(output, channels: channels, imageSize: imageSize)
        return "wrote \(output): the graph of \(graph) with the weights of \(weights), \(outputCount) outputs"
    }
}
