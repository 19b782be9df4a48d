import Foundation
import Strata
import SwiftProtobuf

/// Builds an ONNX graph node by node and serializes it as a `ModelProto`: the writing half of
/// StrataONNX, used by the exporters and by tests that need a model made in code.
///
///     var builder = ONNXGraphBuilder()
///     let x = builder.addInput("input", dtype: .float32, shape: [.symbolic("batch"), .fixed(4)])
///     let w = builder.addInitializer("fc.weight", weight)
///     builder.addOutput(builder.addNode("Gemm", [x, w], attributes: ["transB": .int(1)]), dtype: .float32)
///     let data = builder.serialized()
public struct ONNXGraphBuilder {
    /// A node attribute value.
    public enum Attribute {
        case int(Int), ints([Int]), float(Double), floats([Double]), string(String), strings([String]), tensor(Tensor)
    }

    /// The opset the model imports.
    public var opset: Int
    private var graph = Onnx_GraphProto()
    private var usedNames: Set<String> = []
    private var counter = 0

    /// An empty graph for opset `opset` (17 by default, the first with LayerNormalization).
    public init(opset: Int = 17, name: String = "strata") {
        self.opset = opset
        graph.name = name
    }

    /// A fresh value name starting with `prefix`.
    public mutating func uniqueName(_ prefix: String) -> String {
        var name = prefix
        while usedNames.contains(name) {
            counter += 1
            name = "\(prefix)_\(counter)"
        }
        usedNames.insert(name)
        return name
    }

    /// Declares a graph input and returns its name.
    @discardableResult
    public mutating func addInput(_ name: String, dtype: DType, shape: [ONNXValueInfo.Dimension]) -> String {
        graph.input.append(Self.valueInfo(name: name, dtype: dtype, shape: shape))
        usedNames.insert(name)
        return name
    }

    /// Declares `name` a graph output (its shape left to the consumer's inference when nil).
    public mutating func addOutput(_ name: String, dtype: DType, shape: [ONNXValueInfo.Dimension]? = nil) {
        graph.output.append(Self.valueInfo(name: name, dtype: dtype, shape: shape))
    }

    /// Adds `tensor` as an initializer named `name` (a parameter of the imported model) and returns the name.
    @discardableResult
    public mutating func addInitializer(_ name: String, _ tensor: Tensor) -> String {
        precondition(!usedNames.contains(name), "ONNXGraphBuilder: initializer \(name) is already defined")
        usedNames.insert(name)
        return appendInitializer(name, tensor)
    }

    /// Adds `tensor` as an initializer under a fresh name starting with `prefix` and returns it.
    public mutating func addInitializer(uniquelyNamed prefix: String, _ tensor: Tensor) -> String {
        appendInitializer(uniqueName(prefix), tensor)
    }

    private mutating func appendInitializer(_ name: String, _ tensor: Tensor) -> String {
        graph.initializer.append(Onnx_TensorProto(tensor, name: name))
        return name
    }

    /// Adds an int64 constant initializer (shapes, axes) and returns its name.
    public mutating func addConstant(_ values: [Int], name: String = "constant") -> String {
        appendInitializer(uniqueName(name), Tensor(values.map(Int64.init), shape: [values.count]))
    }

    /// Adds a node of `opType` reading `inputs` and returns its first output's name; `outputs`
    /// names them all (fresh names by default).
    @discardableResult
    public mutating func addNode(_ opType: String, _ inputs: [String], attributes: [String: Attribute] = [:],
                                 outputs: [String]? = nil, outputCount: Int = 1, name: String? = nil) -> String {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = name ?? uniqueName(opType.lowercased())
        node.input = inputs
        node.output = outputs ?? (0..<outputCount).map { _ in uniqueName(node.name + "_out") }
        for output in node.output { usedNames.insert(output) }
        for key in attributes.keys.sorted() {
            node.attribute.append(Self.attribute(key, attributes[key]!))
        }
        graph.node.append(node)
        return node.output[0]
    }

    /// The outputs of the last node added.
    public var lastOutputs: [String] { graph.node.last?.output ?? [] }

    /// The model: IR version 8, the default domain at `opset`, producer "strata".
    public func serialized() -> Data {
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "strata"
        var opsetImport = Onnx_OperatorSetIdProto()
        opsetImport.domain = ""
        opsetImport.version = Int64(opset)
        model.opsetImport = [opsetImport]
        model.graph = graph
        // Serializing a message built in memory cannot fail.
        return try! model.serializedBytes()
    }

    static func valueInfo(name: String, dtype: DType, shape: [ONNXValueInfo.Dimension]?) -> Onnx_ValueInfoProto {
        var info = Onnx_ValueInfoProto()
        info.name = name
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = ONNXElementType.code(dtype)
        if let shape {
            var shapeProto = Onnx_TensorShapeProto()
            shapeProto.dim = shape.map { dimension in
                var proto = Onnx_TensorShapeProto.Dimension()
                switch dimension {
                case .fixed(let size): proto.dimValue = Int64(size)
                case .symbolic(let symbol): proto.dimParam = symbol
                case .unknown: break
                }
                return proto
            }
            tensorType.shape = shapeProto
        }
        info.type.tensorType = tensorType
        return info
    }

    static func attribute(_ name: String, _ value: Attribute) -> Onnx_AttributeProto {
        var proto = Onnx_AttributeProto()
        proto.name = name
        switch value {
        case .int(let value): proto.type = .int; proto.i = Int64(value)
        case .ints(let values): proto.type = .ints; proto.ints = values.map(Int64.init)
        case .float(let value): proto.type = .float; proto.f = Float(value)
        case .floats(let values): proto.type = .floats; proto.floats = values.map { Float($0) }
        case .string(let value): proto.type = .string; proto.s = Data(value.utf8)
        case .strings(let values): proto.type = .strings; proto.strings = values.map { Data($0.utf8) }
        case .tensor(let tensor): proto.type = .tensor; proto.t = Onnx_TensorProto(tensor, name: name)
        }
        return proto
    }
}
