import Foundation
import Strata
import StrataNN
import StrataONNX

/// ONNX image classifiers in the commands: `--weights model.onnx` (evaluate, predict, export's
/// counterpart), `--init-from model.onnx` (train), and `inspect model.onnx`.
enum ONNXClassifier {
    /// Whether `path` names an ONNX file (by its `.onnx` extension).
    static func isONNX(_ path: String) -> Bool { path.lowercased().hasSuffix(".onnx") }

    /// The model in `path`.
    /// - Throws: `CLIError.unreadableFile` with the importer's reason.
    static func read(_ path: String) throws(CLIError) -> ONNXModel {
        guard isONNX(path) else {
            throw .unreadableFile(path: path, reason: "not an .onnx file; the weights of a fine-tuned ONNX model become one with "
                                  + "`strata export --model onnx --graph ORIGINAL.onnx --weights FILE --output FILE.onnx`")
        }
        do {
            return try ONNXModel(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadableFile(path: path, reason: error.description)
        }
    }

    /// The classifier in `path` for `[batch, channels, imageSize, imageSize]` images and its
    /// number of outputs, checked by running it once on a batch of one (so that later calls,
    /// which trap on a graph error, cannot fail on the shape).
    /// - Throws: `CLIError.unreadableFile`, or `.weightsDoNotFit` when the model does not take one
    ///   such image batch to `[batch, classes]`.
    static func load(_ path: String, channels: Int, imageSize: Int) throws(CLIError) -> (model: ONNXModel, outputCount: Int) {
        let model = try read(path)
        guard model.inputs.count == 1, let input = model.inputs.first, let output = model.outputs.first else {
            throw .weightsDoNotFit(path: path, reason: "an image classifier takes one input and returns its scores, "
                                   + "the graph has \(model.inputs.count) inputs and \(model.outputs.count) outputs")
        }
        do {
            for batch in [1, 2] {
                let scores = try model.run([input.name: Tensor.zeros([batch, channels, imageSize, imageSize], dtype: input.dtype ?? .float32)])
                guard let result = scores[output.name], result.rank == 2, result.shape[0] == batch, result.shape[1] > 0 else {
                    throw CLIError.weightsDoNotFit(path: path, reason: "output \(output.name) is \(scores[output.name]?.shape ?? []) "
                                                   + "for \(batch) images, not [\(batch), classes]")
                }
                if batch == 2 {
                    return (model, result.shape[1])
                }
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw .weightsDoNotFit(path: path, reason: "\(error) (for images of \(channels) x \(imageSize) x \(imageSize))")
        }
        throw .weightsDoNotFit(path: path, reason: "no output")
    }

    /// `strata inspect model.onnx`: producer, opset, inputs and outputs with their shapes,
    /// operator counts, the head, and the parameters.
    static func report(_ path: String) throws(CLIError) -> String {
        let model = try read(path)
        var lines = ["ONNX model \(path)", "producer: \(model.producer.isEmpty ? "-" : model.producer), IR version \(model.irVersion), opset \(model.opset)"]
        lines.append("inputs:")
        lines += model.inputs.map { "  \($0)" }
        lines.append("outputs:")
        lines += model.outputs.map { "  \($0)" }
        lines.append("operators:")
        for (op, count) in model.operatorCounts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            lines.append("  \(op.padding(toLength: 24, withPad: " ", startingAt: 0)) \(count)")
        }
        if let head = model.head {
            lines.append("head: \(head.weight)\(head.bias.map { " + \($0)" } ?? "") (\(model.headOutputCount ?? 0) outputs)")
        }
        let buffers = model.initializers.filter { model.bufferNames.contains($0.key) }.values.reduce(0) { $0 + $1.scalarCount }
        lines.append("\(model.initializers.count) initializers: \(model.parameterCount) parameters, \(buffers) buffer elements")
        return lines.joined(separator: "\n")
    }
}
