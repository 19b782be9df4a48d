import Strata

// MatMul (NumPy's rules) and Gemm (`alpha * A' * B' + beta * C`).
extension ONNXOperators {
    static let linearAlgebra: [String: ONNXOperator] = [
        "MatMul": ONNXOperator { node, inputs throws(ONNXError) in
            let (a, b) = (try inputs.required(0), try inputs.required(1))
            try checkMatmul(node, a, b)
            return [matmul(a, b)]
        },
        "Gemm": ONNXOperator(gemm),
    ]

    /// Throws unless `matmul(a, b)` is defined.
    static func checkMatmul(_ node: ONNXNode, _ a: Tensor, _ b: Tensor) throws(ONNXError) {
        try node.require(a.rank >= 1 && b.rank >= 1, "operands need a dimension, got \(a.shape) and \(b.shape)")
        _ = try node.commonDType([a, b])
        try node.require(a.dtype != .bool, "bool operands")
        let k = a.shape[a.rank - 1], kb = b.rank == 1 ? b.shape[0] : b.shape[b.rank - 2]
        try node.require(k == kb, "\(a.shape) x \(b.shape): inner dimensions \(k) != \(kb)")
        _ = try node.broadcastShape([Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))])
        let m = a.rank == 1 ? 1 : a.shape[a.rank - 2], n = b.rank == 1 ? 1 : b.shape[b.rank - 1]
        try node.requireAllocatable(a.shape.dropLast(2) + [m, n])
    }

    static func gemm(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        try node.checkAttributes(["alpha", "beta", "transA", "transB"])
        var (a, b) = (try inputs.required(0), try inputs.required(1))
        try node.require(a.rank == 2 && b.rank == 2, "A \(a.shape) and B \(b.shape) must be matrices")
        if try node.int("transA", default: 0) != 0 { a = a.transposed() }
        if try node.int("transB", default: 0) != 0 { b = b.transposed() }
        try checkMatmul(node, a, b)
        try node.requireFloat(a)
        let alpha = try node.float("alpha", default: 1), beta = try node.float("beta", default: 1)
        var y = matmul(a, b)
        if alpha != 1 { y = y * alpha }
        if let c = inputs.optional(2), beta != 0 {
            try node.require(c.dtype == y.dtype, "C is \(c.dtype), A is \(y.dtype)")
            try node.require(try node.broadcastShape([y.shape, c.shape]) == y.shape,
                             "C \(c.shape) does not broadcast to the product \(y.shape)")
            y = y + (beta == 1 ? c : c * beta)
        }
        return [y]
    }
}
