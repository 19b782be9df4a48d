import Strata

// Checks every kernel makes before calling a Strata op, so a model that does not fit its own
// operators throws `invalidNode` instead of reaching one of Strata's traps.
extension ONNXNode {
    /// `axis` (negative counts from the end) as an index below `rank`.
    func axis(_ axis: Int, rank: Int, name: String = "axis") throws(ONNXError) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        guard (0..<Swift.max(rank, 1)).contains(normalized) || (rank == 0 && normalized == 0) else {
            throw invalid("\(name) \(axis) is out of range for rank \(rank)")
        }
        return normalized
    }

    /// The broadcast shape of `shapes` under NumPy's rules.
    func broadcastShape(_ shapes: [[Int]]) throws(ONNXError) -> [Int] {
        var result: [Int] = []
        for shape in shapes {
            let rank = Swift.max(result.count, shape.count)
            let a = [Int](repeating: 1, count: rank - result.count) + result
            let b = [Int](repeating: 1, count: rank - shape.count) + shape
            var merged: [Int] = []
            for (x, y) in zip(a, b) {
                guard x == y || x == 1 || y == 1 else {
                    throw invalid("shapes \(shapes) cannot be broadcast together")
                }
                merged.append(x == 1 ? y : x)
            }
            result = merged
        }
        return result
    }

    /// Throws unless every tensor has one dtype, and returns it.
    func commonDType(_ tensors: [Tensor]) throws(ONNXError) -> DType {
        let dtype = tensors[0].dtype
        try require(tensors.allSatisfy { $0.dtype == dtype }, "inputs mix dtypes \(tensors.map(\.dtype))")
        return dtype
    }

    /// Throws unless `tensor` holds floating-point values.
    func requireFloat(_ tensor: Tensor, _ role: String = "input") throws(ONNXError) {
        try require(tensor.dtype.isFloatingPoint, "\(role) must be float or double, got \(tensor.dtype)")
    }

    /// Throws unless a tensor of `shape` stays within `ONNXLimits`.
    func requireAllocatable(_ shape: [Int]) throws(ONNXError) {
        try require(ONNXLimits.elementCount(shape) != nil, "shape \(shape) is negative or too large")
    }
}
