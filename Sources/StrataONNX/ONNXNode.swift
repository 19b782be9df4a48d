import Foundation
import Strata

/// One node of a graph as the interpreter runs it: its operator, value names, attributes and the
/// opset it is read at, with accessors that throw typed errors naming the node.
public struct ONNXNode: Sendable {
    /// The node's name, or `OpType_index` when the file leaves it empty.
    public let name: String
    /// The operator (`Conv`, `MatMul`).
    public let opType: String
    /// The operator set domain ("" for the default `ai.onnx`).
    public let domain: String
    /// Input value names; "" marks an omitted optional input.
    public let inputs: [String]
    /// Output value names; "" marks an unused optional output.
    public let outputs: [String]
    /// The version of the node's domain that the model imports.
    public let opset: Int
    let attributes: [String: Onnx_AttributeProto]

    init(_ proto: Onnx_NodeProto, index: Int, opset: Int) throws(ONNXError) {
        name = proto.name.isEmpty ? "\(proto.opType)_\(index)" : proto.name
        opType = proto.opType
        domain = proto.domain == "ai.onnx" ? "" : proto.domain
        inputs = proto.input
        outputs = proto.output
        self.opset = opset
        var attributes: [String: Onnx_AttributeProto] = [:]
        for attribute in proto.attribute {
            guard attributes.updateValue(attribute, forKey: attribute.name) == nil else {
                throw .invalidModel(reason: "node '\(name)' has two attributes named \(attribute.name)")
            }
        }
        self.attributes = attributes
    }

    /// The error for this node with `reason`.
    func invalid(_ reason: String) -> ONNXError {
        .invalidNode(node: name, operator: opType, opset: opset, reason: reason)
    }

    /// Throws `invalidNode(reason())` unless `condition` holds.
    func require(_ condition: Bool, _ reason: @autoclosure () -> String) throws(ONNXError) {
        if !condition { throw invalid(reason()) }
    }

    /// The error for attribute `attribute` with `reason`.
    func unsupported(_ attribute: String, _ reason: String) -> ONNXError {
        .unsupportedAttribute(node: name, operator: opType, opset: opset, attribute: attribute, reason: reason)
    }

    /// Whether the node sets `name`.
    func has(_ name: String) -> Bool { attributes[name] != nil }

    private func attribute(_ name: String, _ type: Onnx_AttributeProto.AttributeType) throws(ONNXError) -> Onnx_AttributeProto? {
        guard let attribute = attributes[name] else { return nil }
        guard !attribute.hasRefAttrName else { throw unsupported(name, "references to function attributes are not supported") }
        // Files from old writers leave `type` unset; the field that holds a value decides.
        if attribute.hasType, attribute.type != type {
            throw unsupported(name, "expected \(type), found \(attribute.type)")
        }
        return attribute
    }

    /// Integer attribute `name`, or `defaultValue` when absent.
    func int(_ name: String, default defaultValue: Int) throws(ONNXError) -> Int {
        guard let attribute = try attribute(name, .int) else { return defaultValue }
        return Int(clamping: attribute.i)
    }

    /// Integer attribute `name`, or nil.
    func int(_ name: String) throws(ONNXError) -> Int? {
        guard let attribute = try attribute(name, .int) else { return nil }
        return Int(clamping: attribute.i)
    }

    /// Float attribute `name`, or `defaultValue` when absent.
    func float(_ name: String, default defaultValue: Double) throws(ONNXError) -> Double {
        guard let attribute = try attribute(name, .float) else { return defaultValue }
        return Double(attribute.f)
    }

    /// Integer list attribute `name`, or nil when absent.
    func ints(_ name: String) throws(ONNXError) -> [Int]? {
        guard let attribute = try attribute(name, .ints) else { return nil }
        return attribute.ints.map { Int(clamping: $0) }
    }

    /// Float list attribute `name`, or nil when absent.
    func floats(_ name: String) throws(ONNXError) -> [Double]? {
        guard let attribute = try attribute(name, .floats) else { return nil }
        return attribute.floats.map(Double.init)
    }

    /// String attribute `name`, or `defaultValue` when absent.
    func string(_ name: String, default defaultValue: String) throws(ONNXError) -> String {
        guard let attribute = try attribute(name, .string) else { return defaultValue }
        guard let text = String(data: attribute.s, encoding: .utf8) else { throw unsupported(name, "not UTF-8") }
        return text
    }

    /// String list attribute `name`, or nil when absent.
    func strings(_ name: String) throws(ONNXError) -> [String]? {
        guard let attribute = try attribute(name, .strings) else { return nil }
        var result: [String] = []
        for data in attribute.strings {
            guard let text = String(data: data, encoding: .utf8) else { throw unsupported(name, "not UTF-8") }
            result.append(text)
        }
        return result
    }

    /// Tensor attribute `name`, or nil when absent.
    func tensor(_ name: String) throws(ONNXError) -> Tensor? {
        guard let attribute = try attribute(name, .tensor) else { return nil }
        return try attribute.t.strataTensor(externalDirectory: nil)
    }

    /// Throws `unsupportedAttribute` for the first attribute the node sets outside `known`.
    func checkAttributes(_ known: Set<String>) throws(ONNXError) {
        for name in attributes.keys.sorted() where !known.contains(name) {
            throw unsupported(name, "not supported")
        }
    }
}
