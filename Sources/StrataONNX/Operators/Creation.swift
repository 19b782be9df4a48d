import Strata

// Constant, ConstantOfShape, Range, Cast and CastLike.
extension ONNXOperators {
    static let creation: [String: ONNXOperator] = [
        "Constant": ONNXOperator(constant),
        "ConstantOfShape": ONNXOperator(9...onnxMaximumOpset) { node, inputs throws(ONNXError) in
            guard let shape = try inputs.ints(0) else { throw node.invalid("the shape input is missing") }
            try node.requireAllocatable(shape)
            let value = try node.tensor("value") ?? Tensor(Float(0))
            try node.require(value.scalarCount == 1, "value must hold one element, got shape \(value.shape)")
            return [value.reshaped(to: []).expanded(to: shape).contiguous()]
        },
        "Range": ONNXOperator(11...onnxMaximumOpset) { node, inputs throws(ONNXError) in
            let tensors = [try inputs.required(0), try inputs.required(1), try inputs.required(2)]
            let dtype = try node.commonDType(tensors)
            try node.require(dtype != .bool && tensors.allSatisfy { $0.scalarCount == 1 }, "start, limit and delta must be numbers")
            let values = tensors.map { $0.cast(to: .float64).scalars(as: Double.self)[0] }
            let (start, limit, delta) = (values[0], values[1], values[2])
            try node.require(delta != 0 && delta.isFinite && start.isFinite && limit.isFinite, "delta must be finite and non-zero")
            let count = Swift.max(((limit - start) / delta).rounded(.up), 0)
            try node.require(count <= Double(ONNXLimits.maximumElementCount), "the range holds too many elements")
            if dtype.isFloatingPoint {
                // Each element is start + i * delta, in the output type (as onnxruntime computes it).
                return [Tensor.arange(0, count, dtype: dtype) * Tensor(delta, dtype: dtype) + Tensor(start, dtype: dtype)]
            }
            let elements = (0..<Int(count)).map { Int64(start) + Int64($0) * Int64(delta) }
            return [Tensor(elements, shape: [elements.count]).cast(to: dtype)]
        },
        "Cast": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            guard let code = try node.int("to") else { throw node.unsupported("to", "missing") }
            guard let dtype = ONNXElementType.dtype(Int32(clamping: code)) else {
                throw node.unsupported("to", "element type \(ONNXElementType.name(Int32(clamping: code))) is not supported")
            }
            return [x.dtype == dtype ? x : x.cast(to: dtype)]
        },
        "CastLike": ONNXOperator(15...onnxMaximumOpset) { _, inputs throws(ONNXError) in
            let (x, like) = (try inputs.required(0), try inputs.required(1))
            return [x.dtype == like.dtype ? x : x.cast(to: like.dtype)]
        },
    ]

    static func constant(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        try node.require(node.attributes.count == 1, "needs exactly one value attribute, got \(node.attributes.keys.sorted())")
        if let tensor = try node.tensor("value") { return [tensor] }
        if node.has("value_float") { return [Tensor(Float(try node.float("value_float", default: 0)))] }
        if let value = try node.int("value_int") { return [Tensor(Int64(value))] }
        if let values = try node.floats("value_floats") { return [Tensor(values.map { Float($0) }, shape: [values.count])] }
        if let values = try node.ints("value_ints") { return [Tensor(values.map(Int64.init), shape: [values.count])] }
        throw node.unsupported(node.attributes.keys.first ?? "value", "not supported")
    }
}
