/// Why an ONNX file could not be read, or a graph could not be run. Every failure of the importer
/// is one of these; a malformed file never traps.
public enum ONNXError: Error, Equatable, CustomStringConvertible {
    /// The bytes are not a protobuf `ModelProto` (truncated, wrong wire types, bad UTF-8).
    case malformedFile(reason: String)
    /// The file parses but breaks a rule of the format (no graph, duplicate names, bad dims).
    case invalidModel(reason: String)
    /// A tensor's data cannot be used (element type, length, external file).
    case invalidTensor(name: String, reason: String)
    /// The model imports no version of the default operator set (`ai.onnx`) that Strata runs.
    case unsupportedOpset(domain: String, version: Int)
    /// No implementation of `operator` from `domain` at `opset` (node named `node`).
    case unsupportedOperator(node: String, operator: String, domain: String, opset: Int)
    /// An attribute (or attribute value) of a node that Strata does not implement or that is invalid.
    case unsupportedAttribute(node: String, operator: String, opset: Int, attribute: String, reason: String)
    /// A node whose inputs do not fit its operator (shapes, dtypes, counts), found while running.
    case invalidNode(node: String, operator: String, opset: Int, reason: String)
    /// The inputs given to `run` do not match the graph's inputs.
    case invalidInput(name: String, reason: String)
    /// The graph has a cycle, or a node reads a value nothing produces.
    case invalidGraph(reason: String)
    /// The model cannot be exported (a layer with no ONNX form).
    case unsupportedExport(reason: String)

    public var description: String {
        switch self {
        case .malformedFile(let reason): "malformed ONNX file: \(reason)"
        case .invalidModel(let reason): "invalid ONNX model: \(reason)"
        case .invalidTensor(let name, let reason): "ONNX tensor '\(name)': \(reason)"
        case .unsupportedOpset(let domain, let version):
            "unsupported ONNX opset: \(domain.isEmpty ? "ai.onnx" : domain) version \(version)"
        case .unsupportedOperator(let node, let op, let domain, let opset):
            "node '\(node)': operator \(domain.isEmpty ? "" : domain + ".")\(op) at opset \(opset) is not supported"
        case .unsupportedAttribute(let node, let op, let opset, let attribute, let reason):
            "node '\(node)' (\(op), opset \(opset)): attribute \(attribute): \(reason)"
        case .invalidNode(let node, let op, let opset, let reason):
            "node '\(node)' (\(op), opset \(opset)): \(reason)"
        case .invalidInput(let name, let reason): "ONNX input '\(name)': \(reason)"
        case .invalidGraph(let reason): "invalid ONNX graph: \(reason)"
        case .unsupportedExport(let reason): "cannot export to ONNX: \(reason)"
        }
    }
}
