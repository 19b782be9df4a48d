import Foundation
import Strata
import StrataONNX

/// Small models made in code with `ONNXGraphBuilder`, for the error and gradient tests.
enum ONNXTestModels {
    /// `softmax(tanh(x Wᵀ + b) V)` in float64: `x` [batch, 3], `layer1.weight` [4, 3],
    /// `layer1.bias` [4], `head.weight` [4, 2].
    static func twoLayer(seed: UInt64 = 1) -> Data {
        let generator = RandomGenerator(seed: seed)
        var builder = ONNXGraphBuilder(opset: 17)
        let x = builder.addInput("x", dtype: .float64, shape: [.symbolic("batch"), .fixed(3)])
        let w = builder.addInitializer("layer1.weight", Tensor.normal([4, 3], dtype: .float64, generator: generator))
        let b = builder.addInitializer("layer1.bias", Tensor.normal([4], dtype: .float64, generator: generator))
        let v = builder.addInitializer("head.weight", Tensor.normal([4, 2], dtype: .float64, generator: generator))
        let hidden = builder.addNode("Tanh", [builder.addNode("Gemm", [x, w, b], attributes: ["transB": .int(1)])])
        let logits = builder.addNode("MatMul", [hidden, v])
        builder.addNode("Softmax", [logits], attributes: ["axis": .int(-1)], outputs: ["probabilities"])
        builder.addOutput("probabilities", dtype: .float64)
        return builder.serialized()
    }

    /// One node `opType` from input `x` (float32 [2, 3]) to output `y`, with `attributes`.
    static func singleNode(_ opType: String, attributes: [String: ONNXGraphBuilder.Attribute] = [:], opset: Int = 17,
                           extraInputs: [(String, Tensor)] = []) -> Data {
        var builder = ONNXGraphBuilder(opset: opset)
        let x = builder.addInput("x", dtype: .float32, shape: [.fixed(2), .fixed(3)])
        let extra = extraInputs.map { builder.addInitializer($0.0, $0.1) }
        builder.addNode(opType, [x] + extra, attributes: attributes, outputs: ["y"], name: "the_node")
        builder.addOutput("y", dtype: .float32)
        return builder.serialized()
    }

    /// A model whose graph is `graph` with opset 17, built from protobuf messages directly (for
    /// graphs the builder refuses to make: cycles, dangling inputs, hostile tensors).
    static func model(_ graph: Onnx_GraphProto, opset: Int64 = 17) -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var entry = Onnx_OperatorSetIdProto()
        entry.version = opset
        model.opsetImport = [entry]
        model.graph = graph
        return try! model.serializedBytes()
    }

    static func node(_ opType: String, _ inputs: [String], _ outputs: [String]) -> Onnx_NodeProto {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = opType.lowercased()
        node.input = inputs
        node.output = outputs
        return node
    }

    static func valueInfo(_ name: String) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type.tensorType.elemType = 1
        return info
    }
}
