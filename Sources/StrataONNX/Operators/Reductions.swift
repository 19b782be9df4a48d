import Strata

// The Reduce* family, ArgMax and ArgMin. Axes are an attribute before opset 18 (13 for
// ReduceSum) and an input from then on.
extension ONNXOperators {
    static let reductions: [String: ONNXOperator] = [
        "ReduceSum": reduction(inputVersion: 13) { $0.sum(alongAxes: $1, keepDims: true) },
        "ReduceMean": reduction { $0.mean(alongAxes: $1, keepDims: true) },
        "ReduceMax": reduction(needsElements: true) { $0.max(alongAxes: $1, keepDims: true) },
        "ReduceMin": reduction(needsElements: true) { $0.min(alongAxes: $1, keepDims: true) },
        "ReduceSumSquare": reduction { ($0 * $0).sum(alongAxes: $1, keepDims: true) },
        "ReduceL1": reduction { abs($0).sum(alongAxes: $1, keepDims: true) },
        "ReduceL2": reduction { sqrt(($0 * $0).sum(alongAxes: $1, keepDims: true)) },
        "ReduceLogSum": reduction { log($0.sum(alongAxes: $1, keepDims: true)) },
        "ReduceLogSumExp": reduction(needsElements: true) { $0.logSumExp(alongAxes: $1, keepDims: true) },
        "ArgMax": ONNXOperator { node, inputs throws(ONNXError) in [try argReduction(node, inputs, maximum: true)] },
        "ArgMin": ONNXOperator { node, inputs throws(ONNXError) in [try argReduction(node, inputs, maximum: false)] },
    ]

    static func reduction(inputVersion: Int = 18, needsElements: Bool = false,
                          _ reduce: @escaping @Sendable (Tensor, [Int]) -> Tensor) -> ONNXOperator {
        ONNXOperator { node, inputs throws(ONNXError) in
            try node.checkAttributes(["axes", "keepdims", "noop_with_empty_axes"])
            let x = try inputs.required(0)
            try node.require(x.dtype != .bool, "bool input")
            let keepDims = try node.int("keepdims", default: 1) != 0
            let given = try axesArgument(node, inputs, index: 1, inputVersion: inputVersion) ?? []
            if given.isEmpty, try node.int("noop_with_empty_axes", default: 0) != 0 { return [x] }
            var axes: [Int] = []
            for axis in given { axes.append(try node.axis(axis, rank: x.rank)) }
            if axes.isEmpty { axes = Array(0..<x.rank) }
            try node.require(Set(axes).count == axes.count, "axes \(given) repeat")
            try node.require(!needsElements || axes.allSatisfy { x.shape[$0] > 0 }, "reducing an empty axis of \(x.shape)")
            let floating = x.dtype.isFloatingPoint || node.opType == "ReduceSum" || node.opType == "ReduceMax"
                || node.opType == "ReduceMin"
            var y = reduce(floating ? x : x.cast(to: .float64), axes)
            if !floating { y = y.cast(to: x.dtype) }
            if !keepDims { y = y.reshaped(to: x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }) }
            return [y]
        }
    }

    static func argReduction(_ node: ONNXNode, _ inputs: ONNXInputs, maximum: Bool) throws(ONNXError) -> Tensor {
        try node.checkAttributes(["axis", "keepdims", "select_last_index"])
        let x = try inputs.required(0)
        try node.require(x.dtype != .bool && x.rank > 0, "input \(x.shape) \(x.dtype) cannot be reduced")
        let axis = try node.axis(try node.int("axis", default: 0), rank: x.rank)
        try node.require(x.shape[axis] > 0, "reducing an empty axis of \(x.shape)")
        let keepDims = try node.int("keepdims", default: 1) != 0
        if try node.int("select_last_index", default: 0) != 0 {
            // The last extreme is the first one of the reversed axis.
            let size = x.shape[axis]
            let reversed = x.indexSelect(axis: axis, indices: Tensor((0..<size).reversed().map(Int64.init), shape: [size]))
            let index = maximum ? reversed.argmax(axis: axis, keepDims: keepDims) : reversed.argmin(axis: axis, keepDims: keepDims)
            return Tensor(Int64(size - 1)) - index.cast(to: .int64)
        }
        let index = maximum ? x.argmax(axis: axis, keepDims: keepDims) : x.argmin(axis: axis, keepDims: keepDims)
        return index.cast(to: .int64)
    }
}
