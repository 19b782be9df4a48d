import Foundation
import Strata
import StrataNN

/// Writes Strata models as ONNX graphs (opset 17): Sequential stacks of Linear, Conv2d,
/// ConvTranspose2d, BatchNorm, pooling, Flatten, Dropout/Identity and the activation layers
/// (the MLPs and LeNet), ResNet with basic or bottleneck blocks, the convolutional autoencoder,
/// and LSTM/GRU/RNN layers. Initializers keep the model's parameter paths as names
/// (`layer1.0.conv1.weight`), so the exported file imports back into the same state dictionary;
/// recurrent weights are stored in ONNX's gate order under `<path>.onnx.W_l<layer>` and the like.
///
///     let data = try ONNXExport.serialize(LeNet(), inputShape: [1, 28, 28])
///     try data.write(to: URL(fileURLWithPath: "lenet.onnx"))
public enum ONNXExport {
    /// The serialized model of `model` in inference mode for inputs `[batch] + inputShape`,
    /// with a symbolic batch dimension, input `input` and output `output`.
    /// - Throws: `ONNXError.unsupportedExport` for a layer without an ONNX form.
    public static func serialize(_ model: any Layer, inputShape: [Int], dtype: DType = .float32) throws(ONNXError) -> Data {
        var exporter = ONNXExporter(model: model)
        let input = exporter.builder.addInput("input", dtype: dtype, shape: [.symbolic("batch")] + inputShape.map { .fixed($0) })
        let result = try exporter.emit(model, input: ONNXExporter.Value(name: input, rank: inputShape.count + 1), path: "")
        exporter.builder.addNode("Identity", [result.name], outputs: ["output"], name: "output")
        // onnx.checker wants a declared shape: the batch, then sizes left to shape inference.
        exporter.builder.addOutput("output", dtype: dtype,
                                   shape: [.symbolic("batch")] + Array(repeating: .unknown, count: max(result.rank - 1, 0)))
        return exporter.builder.serialized()
    }
}

/// The walk of a model that `ONNXExport` runs: one `emit` per layer type, reading tensors from
/// the model's state dictionary by path (so it depends only on the parameter names).
struct ONNXExporter {
    /// A value of the graph being written and its rank.
    struct Value {
        let name: String
        let rank: Int
    }

    var builder = ONNXGraphBuilder(opset: 17)
    let state: [String: Tensor]

    init(model: any Layer) {
        state = model.stateDictionary().keyedByName
    }

    static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

    /// The initializer for the tensor at `path` (added once, named by its path).
    mutating func tensor(_ path: String) throws(ONNXError) -> String {
        guard let tensor = state[path] else { throw .unsupportedExport(reason: "no tensor \(path) in the model's state") }
        if !addedInitializers.contains(path) {
            builder.addInitializer(path, tensor)
            addedInitializers.insert(path)
        }
        return path
    }

    private var addedInitializers: Set<String> = []

    mutating func node(_ opType: String, _ inputs: [String], _ attributes: [String: ONNXGraphBuilder.Attribute] = [:],
                       rank: Int) -> Value {
        Value(name: builder.addNode(opType, inputs, attributes: attributes), rank: rank)
    }

    /// Writes `layer` applied to `input`; `path` is the layer's parameter path.
    mutating func emit(_ layer: any Layer, input: Value, path: String) throws(ONNXError) -> Value {
        switch layer {
        case let sequential as Sequential:
            var value = input
            for (index, child) in sequential.layers.enumerated() {
                value = try emit(child, input: value, path: Self.join(path, "\(index)"))
            }
            return value
        case let linear as Linear: return try emitLinear(linear, input: input, path: path)
        case let conv as Conv2d: return try emitConv(conv, input: input, path: path)
        case let conv as ConvTranspose2d: return try emitConvTranspose(conv, input: input, path: path)
        case let norm as BatchNorm: return try emitBatchNorm(norm, input: input, path: path)
        case let pool as MaxPool2d:
            let stride = pool.stride ?? pool.kernelSize
            return node("MaxPool", [input.name], [
                "kernel_shape": .ints([pool.kernelSize.height, pool.kernelSize.width]), "strides": .ints([stride.height, stride.width]),
                "pads": .ints([pool.padding.height, pool.padding.width, pool.padding.height, pool.padding.width]),
                "dilations": .ints([pool.dilation.height, pool.dilation.width]), "ceil_mode": .int(pool.ceilMode ? 1 : 0),
            ], rank: input.rank)
        case let pool as AvgPool2d:
            let stride = pool.stride ?? pool.kernelSize
            return node("AveragePool", [input.name], [
                "kernel_shape": .ints([pool.kernelSize.height, pool.kernelSize.width]), "strides": .ints([stride.height, stride.width]),
                "pads": .ints([pool.padding.height, pool.padding.width, pool.padding.height, pool.padding.width]),
                "ceil_mode": .int(pool.ceilMode ? 1 : 0), "count_include_pad": .int(pool.countIncludePad ? 1 : 0),
            ], rank: input.rank)
        case let flatten as Flatten:
            let end = flatten.endAxis < 0 ? flatten.endAxis + input.rank : flatten.endAxis
            guard end == input.rank - 1 else { throw .unsupportedExport(reason: "Flatten at \(path) keeps trailing axes") }
            let start = flatten.startAxis < 0 ? flatten.startAxis + input.rank : flatten.startAxis
            guard start == 1 || input.rank == 2 else { throw .unsupportedExport(reason: "Flatten at \(path) starts at axis \(start)") }
            return node("Flatten", [input.name], ["axis": .int(1)], rank: 2)
        case is Dropout, is Identity: return node("Identity", [input.name], rank: input.rank)
        case is ReLU: return node("Relu", [input.name], rank: input.rank)
        case is Sigmoid: return node("Sigmoid", [input.name], rank: input.rank)
        case is Tanh: return node("Tanh", [input.name], rank: input.rank)
        case let leaky as LeakyReLU: return node("LeakyRelu", [input.name], ["alpha": .float(leaky.negativeSlope)], rank: input.rank)
        case let softmax as Softmax: return node("Softmax", [input.name], ["axis": .int(softmax.axis)], rank: input.rank)
        case let softmax as LogSoftmax: return node("LogSoftmax", [input.name], ["axis": .int(softmax.axis)], rank: input.rank)
        case let resnet as ResNet: return try emitResNet(resnet, input: input, path: path)
        case let block as BasicBlock: return try emitBasicBlock(block, input: input, path: path)
        case let block as Bottleneck: return try emitBottleneck(block, input: input, path: path)
        case let autoencoder as ConvolutionalAutoencoder:
            let code = try emit(autoencoder.encoder, input: input, path: Self.join(path, "encoder"))
            return try emit(autoencoder.decoder, input: code, path: Self.join(path, "decoder"))
        case let lstm as LSTM: return try emitRecurrent(.lstm, lstm.configuration, input: input, path: path)
        case let gru as GRU: return try emitRecurrent(.gru, gru.configuration, input: input, path: path)
        case let rnn as RNN:
            guard rnn.nonlinearity == .tanh else { throw .unsupportedExport(reason: "RNN at \(path): only tanh is exported") }
            return try emitRecurrent(.rnn, rnn.configuration, input: input, path: path)
        default:
            throw .unsupportedExport(reason: "\(type(of: layer)) at '\(path)' has no ONNX form")
        }
    }
}
