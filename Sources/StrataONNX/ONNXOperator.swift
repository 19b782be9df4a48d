import Strata

/// The newest version of the default operator set Strata reads: onnx 1.22.0's
/// (`onnx.defs.onnx_opset_version()`). The operators implemented did not change meaning past 21.
public let onnxMaximumOpset = 27
/// The oldest version of the default operator set Strata reads.
public let onnxMinimumOpset = 7

/// The inputs of one node while it runs: tensors by position, with typed errors naming the node.
struct ONNXInputs {
    let node: ONNXNode
    let values: [Tensor?]

    /// The number of inputs, omitted ones included.
    var count: Int { values.count }

    /// Input `index`, which must be present.
    func required(_ index: Int) throws(ONNXError) -> Tensor {
        guard index < values.count, let value = values[index] else { throw node.invalid("input \(index) is missing") }
        return value
    }

    /// Input `index`, or nil when omitted.
    func optional(_ index: Int) -> Tensor? { index < values.count ? values[index] : nil }

    /// Input `index` as integers (an int32 or int64 tensor of shape data), or nil when omitted.
    func ints(_ index: Int) throws(ONNXError) -> [Int]? {
        guard let tensor = optional(index) else { return nil }
        guard tensor.dtype == .int64 || tensor.dtype == .int32 else {
            throw node.invalid("input \(index) must be int64, got \(tensor.dtype)")
        }
        guard tensor.rank <= 1, tensor.scalarCount <= 1 << 20 else {
            throw node.invalid("input \(index) must be a list of integers, got shape \(tensor.shape)")
        }
        let wide = tensor.dtype == .int64 ? tensor : tensor.cast(to: .int64)
        return wide.scalars(as: Int64.self).map { Int(clamping: $0) }
    }

    /// Input `index` as one number (a one-element tensor), or nil when omitted.
    func scalar(_ index: Int) throws(ONNXError) -> Double? {
        guard let tensor = optional(index) else { return nil }
        guard tensor.scalarCount == 1 else { throw node.invalid("input \(index) must hold one value, got shape \(tensor.shape)") }
        return tensor.cast(to: .float64).scalars(as: Double.self)[0]
    }
}

/// How one operator runs, and the opsets whose semantics that implementation follows.
struct ONNXOperator: Sendable {
    typealias Kernel = @Sendable (ONNXNode, ONNXInputs) throws(ONNXError) -> [Tensor]
    let opsets: ClosedRange<Int>
    let kernel: Kernel

    init(_ opsets: ClosedRange<Int>, _ kernel: @escaping Kernel) {
        self.opsets = opsets
        self.kernel = kernel
    }

    /// An operator whose implementation follows every opset Strata reads.
    init(_ kernel: @escaping Kernel) {
        self.init(onnxMinimumOpset...onnxMaximumOpset, kernel)
    }
}

/// Every operator Strata runs, by `opType` of the default domain, gathered from the families
/// under Operators/.
enum ONNXOperators {
    static let table: [String: ONNXOperator] = {
        var table: [String: ONNXOperator] = [:]
        for family in [elementwise, activations, linearAlgebra, convolution, pooling, normalization, shapes,
                       indexing, creation, reductions, recurrent] {
            table.merge(family) { _, _ in preconditionFailure("ONNXOperators: an operator is listed twice") }
        }
        return table
    }()

    /// The implementation of `node`, or the typed error naming it.
    static func implementation(of node: ONNXNode) throws(ONNXError) -> ONNXOperator {
        guard node.domain.isEmpty, let op = table[node.opType], op.opsets.contains(node.opset) else {
            throw .unsupportedOperator(node: node.name, operator: node.opType, domain: node.domain, opset: node.opset)
        }
        return op
    }
}
