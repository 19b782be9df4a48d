import Strata

// Gather, GatherElements and Slice. Indices are checked on the host before Strata's gathers,
// which trap on an index out of range.
extension ONNXOperators {
    static let indexing: [String: ONNXOperator] = [
        "Gather": ONNXOperator(gather),
        "GatherElements": ONNXOperator { node, inputs throws(ONNXError) in
            let (data, index) = (try inputs.required(0), try inputs.required(1))
            let axis = try node.axis(try node.int("axis", default: 0), rank: data.rank)
            try node.require(data.rank > 0 && index.rank == data.rank
                             && (0..<data.rank).allSatisfy { $0 == axis || index.shape[$0] <= data.shape[$0] },
                             "indices \(index.shape) do not fit data \(data.shape) on axis \(axis)")
            let normalized = try checkedIndices(node, index, size: data.shape[axis])
            return [data.gathering(along: axis, index: normalized)]
        },
        "Slice": ONNXOperator(slice),
    ]

    /// `indices` as int64 with negative values counted from the end, each checked to lie in `0..<size`.
    static func checkedIndices(_ node: ONNXNode, _ indices: Tensor, size: Int) throws(ONNXError) -> Tensor {
        try node.require(indices.dtype == .int64 || indices.dtype == .int32, "indices must be int64 or int32, got \(indices.dtype)")
        let values = indices.cast(to: .int64).scalars(as: Int64.self)
        var normalized: [Int64] = []
        normalized.reserveCapacity(values.count)
        for value in values {
            let index = value < 0 ? value + Int64(size) : value
            try node.require(index >= 0 && index < Int64(size), "index \(value) is out of range for size \(size)")
            normalized.append(index)
        }
        return Tensor(normalized, shape: indices.shape)
    }

    static func gather(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let (data, indices) = (try inputs.required(0), try inputs.required(1))
        try node.require(data.rank > 0, "data must have a dimension")
        let axis = try node.axis(try node.int("axis", default: 0), rank: data.rank)
        let normalized = try checkedIndices(node, indices, size: data.shape[axis])
        let shape = Array(data.shape[..<axis]) + indices.shape + Array(data.shape[(axis + 1)...])
        try node.requireAllocatable(shape)
        let selected = data.indexSelect(axis: axis, indices: normalized.reshaped(to: [indices.scalarCount]))
        return [selected.reshaped(to: shape)]
    }

    static func slice(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        let starts: [Int], ends: [Int], givenAxes: [Int]?, givenSteps: [Int]?
        if node.opset >= 10 {
            guard let s = try inputs.ints(1), let e = try inputs.ints(2) else { throw node.invalid("starts and ends are required") }
            (starts, ends, givenAxes, givenSteps) = (s, e, try inputs.ints(3), try inputs.ints(4))
        } else {
            guard let s = try node.ints("starts"), let e = try node.ints("ends") else { throw node.unsupported("starts", "missing") }
            (starts, ends, givenAxes, givenSteps) = (s, e, try node.ints("axes"), nil)
        }
        let axes = givenAxes ?? Array(0..<starts.count), steps = givenSteps ?? Array(repeating: 1, count: starts.count)
        try node.require(ends.count == starts.count && axes.count == starts.count && steps.count == starts.count,
                         "starts, ends, axes and steps have different lengths")
        var normalizedAxes: [Int] = []
        for axis in axes { normalizedAxes.append(try node.axis(axis, rank: x.rank)) }
        try node.require(Set(normalizedAxes).count == axes.count, "axes \(axes) repeat")
        var y = x
        for (position, axis) in normalizedAxes.enumerated() {
            let size = x.shape[axis], step = steps[position]
            try node.require(step != 0, "step 0 on axis \(axis)")
            // NumPy's clamping: to [0, size] for a positive step, [-1, size - 1] for a negative one.
            func clamp(_ value: Int, low: Int, high: Int) -> Int {
                let shifted = value < 0 ? value &+ size : value
                return Swift.min(Swift.max(shifted, low), high)
            }
            if step > 0 {
                let start = clamp(starts[position], low: 0, high: size), end = clamp(ends[position], low: 0, high: size)
                y = y.sliced(axis: axis, start: start, end: Swift.max(start, end), step: Swift.min(step, Swift.max(size, 1)))
            } else {
                let start = clamp(starts[position], low: -1, high: size - 1), end = clamp(ends[position], low: -1, high: size - 1)
                let stride = step == Int.min ? size + 1 : -step
                let positions = start > end ? Array(Swift.stride(from: start, to: end, by: -Swift.min(stride, size + 1))) : []
                y = y.indexSelect(axis: axis, indices: Tensor(positions.map(Int64.init), shape: [positions.count]))
            }
        }
        return [y]
    }
}
