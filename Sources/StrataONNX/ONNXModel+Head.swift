import Strata
import StrataNN

/// The classifier head of an imported model: the last Gemm or MatMul whose weight is a matrix
/// initializer, and its bias (Gemm's C, or an initializer added right after a MatMul).
public struct ONNXHead: Sendable, Equatable {
    /// The weight initializer's name.
    public let weight: String
    /// The bias initializer's name, if any.
    public let bias: String?
    /// Whether the weight is `[classes, features]` (Gemm with transB = 1, as PyTorch exports
    /// Linear), rather than `[features, classes]`.
    public let isTransposed: Bool
}

extension ONNXModel: HeadReplaceable {
    /// The head (see `ONNXHead`), or nil when the graph ends in none.
    public var head: ONNXHead? {
        for (index, node) in graph.nodes.enumerated().reversed() where node.opType == "Gemm" || node.opType == "MatMul" {
            guard node.inputs.count > 1, let weight = initializers[node.inputs[1]], weight.rank == 2,
                  weight.dtype.isFloatingPoint else { continue }
            if node.opType == "Gemm" {
                guard (try? node.int("transA", default: 0)) == 0 else { continue }
                let transposed = (try? node.int("transB", default: 0)) != 0
                let bias = node.inputs.count > 2 && initializers[node.inputs[2]]?.rank == 1 ? node.inputs[2] : nil
                return ONNXHead(weight: node.inputs[1], bias: bias, isTransposed: transposed)
            }
            // MatMul then Add(bias): the export of a Linear applied to more than two dimensions.
            let bias = graph.nodes.dropFirst(index + 1).first { $0.opType == "Add" && $0.inputs.contains(node.outputs[0]) }
                .flatMap { $0.inputs.first { initializers[$0]?.rank == 1 } }
            return ONNXHead(weight: node.inputs[1], bias: bias, isTransposed: false)
        }
        return nil
    }

    /// The number of outputs of the head, or nil without one.
    public var headOutputCount: Int? {
        guard let head, let weight = initializers[head.weight] else { return nil }
        return weight.shape[head.isTransposed ? 0 : 1]
    }

    /// The head's tensors: their common prefix (`fc` for `fc.weight` and `fc.bias`), or the weight's name.
    public var headPattern: ParameterPattern {
        guard let head else { preconditionFailure("ONNXModel: the graph ends in no Gemm or MatMul head") }
        func prefix(_ name: String) -> String? { name.lastIndex(of: ".").map { String(name[..<$0]) } }
        if let bias = head.bias, let common = prefix(head.weight), prefix(bias) == common,
           let pattern = try? ParameterPattern(parsing: common) {
            return pattern
        }
        return (try? ParameterPattern(parsing: head.weight)) ?? "*"
    }

    /// A copy whose head maps the same features to `classes` outputs, initialized as a new
    /// `Linear` (uniform in ±1/√features, PyTorch's default) from `generator`.
    public func replacingHead(classes: Int, generator: RandomGenerator) -> ONNXModel {
        precondition(classes > 0, "ONNXModel.replacingHead: classes must be positive, got \(classes)")
        guard let head, let weight = initializers[head.weight] else {
            preconditionFailure("ONNXModel.replacingHead: the graph ends in no Gemm or MatMul head")
        }
        let features = weight.shape[head.isTransposed ? 1 : 0]
        let bound = 1 / Double(max(features, 1)).squareRoot()
        var copy = self
        copy.initializers[head.weight] = Tensor.uniform(head.isTransposed ? [classes, features] : [features, classes],
                                                        low: -bound, high: bound, dtype: weight.dtype, generator: generator)
        if let bias = head.bias {
            copy.initializers[bias] = Tensor.uniform([classes], low: -bound, high: bound, dtype: weight.dtype, generator: generator)
        }
        return copy
    }
}
