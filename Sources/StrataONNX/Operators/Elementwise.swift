import Foundation
import Strata

// Arithmetic, comparison and logic, elementwise with NumPy broadcasting: Add, Sub, Mul, Div, Pow,
// Max, Min, Sum, Mean, the comparisons, And/Or/Not/Xor, Where, and the one-input maths.
extension ONNXOperators {
    static let elementwise: [String: ONNXOperator] = [
        "Add": ONNXOperator { node, inputs throws(ONNXError) in [try arithmetic(node, inputs, .add)] },
        "Sub": ONNXOperator { node, inputs throws(ONNXError) in [try arithmetic(node, inputs, .subtract)] },
        "Mul": ONNXOperator { node, inputs throws(ONNXError) in [try arithmetic(node, inputs, .multiply)] },
        "Div": ONNXOperator { node, inputs throws(ONNXError) in [try arithmetic(node, inputs, .divide)] },
        "Pow": ONNXOperator(power),
        "Max": ONNXOperator { node, inputs throws(ONNXError) in [try variadic(node, inputs, .maximum)] },
        "Min": ONNXOperator { node, inputs throws(ONNXError) in [try variadic(node, inputs, .minimum)] },
        "Sum": ONNXOperator { node, inputs throws(ONNXError) in [try variadic(node, inputs, .add)] },
        "Mean": ONNXOperator { node, inputs throws(ONNXError) in
            let sum = try variadic(node, inputs, .add)
            try node.requireFloat(sum)
            return [sum / Double(inputs.count)]
        },
        "Equal": ONNXOperator { node, inputs throws(ONNXError) in [try comparison(node, inputs, .==)] },
        "Less": ONNXOperator { node, inputs throws(ONNXError) in [try comparison(node, inputs, .<)] },
        "LessOrEqual": ONNXOperator { node, inputs throws(ONNXError) in [try comparison(node, inputs, .<=)] },
        "Greater": ONNXOperator { node, inputs throws(ONNXError) in [try comparison(node, inputs, .>)] },
        "GreaterOrEqual": ONNXOperator { node, inputs throws(ONNXError) in [try comparison(node, inputs, .>=)] },
        "And": ONNXOperator { node, inputs throws(ONNXError) in [try logical(node, inputs) { $0 .&& $1 }] },
        "Or": ONNXOperator { node, inputs throws(ONNXError) in [try logical(node, inputs) { $0 .|| $1 }] },
        "Xor": ONNXOperator { node, inputs throws(ONNXError) in [try logical(node, inputs) { ($0 .&& .!$1) .|| (.!$0 .&& $1) }] },
        "Not": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.require(x.dtype == .bool, "Not needs a bool input, got \(x.dtype)")
            return [.!x]
        },
        "Where": ONNXOperator(whereOperator),
        "Neg": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.require(x.dtype != .bool, "Neg needs numbers, got bool")
            return [-x]
        },
        "Abs": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.require(x.dtype != .bool, "Abs needs numbers, got bool")
            return [abs(x)]
        },
        "Sign": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.require(x.dtype != .bool, "Sign needs numbers, got bool")
            return [sign(x)]
        },
        "Sqrt": unary(sqrt), "Exp": unary(exp), "Log": unary(log), "Sin": unary(sin), "Cos": unary(cos),
        "Erf": unary(erf), "Reciprocal": unary { 1 / $0 },
        "Tan": unary { sin($0) / cos($0) },
        "Clip": ONNXOperator(clip),
        "Mod": ONNXOperator(modulo),
        "Identity": ONNXOperator { _, inputs throws(ONNXError) in [try inputs.required(0)] },
    ]

    /// A one-input floating-point function.
    static func unary(_ function: @escaping @Sendable (Tensor) -> Tensor) -> ONNXOperator {
        ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.requireFloat(x)
            return [function(x)]
        }
    }

    /// Two inputs of one dtype, broadcast together.
    static func broadcastPair(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> (Tensor, Tensor) {
        let (a, b) = (try inputs.required(0), try inputs.required(1))
        _ = try node.commonDType([a, b])
        _ = try node.broadcastShape([a.shape, b.shape])
        return (a, b)
    }

    static func arithmetic(_ node: ONNXNode, _ inputs: ONNXInputs, _ op: BinaryOperation) throws(ONNXError) -> Tensor {
        let (a, b) = try broadcastPair(node, inputs)
        try node.require(a.dtype != .bool, "\(node.opType) needs numbers, got bool")
        if !a.dtype.isFloatingPoint && op == .divide {
            // Integer division truncates toward zero, as onnxruntime's; shape arithmetic uses it.
            let shape = try node.broadcastShape([a.shape, b.shape])
            let x = a.expanded(to: shape).cast(to: .int64).scalars(as: Int64.self)
            let y = b.expanded(to: shape).cast(to: .int64).scalars(as: Int64.self)
            try node.require(!y.contains(0), "integer division by zero")
            let quotients = zip(x, y).map { $0.dividedReportingOverflow(by: $1).partialValue }
            return Tensor(quotients, shape: shape).cast(to: a.dtype)
        }
        switch op {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .maximum: return maximum(a, b)
        case .minimum: return minimum(a, b)
        case .pow: return pow(a, b)
        }
    }

    static func variadic(_ node: ONNXNode, _ inputs: ONNXInputs, _ op: BinaryOperation) throws(ONNXError) -> Tensor {
        try node.require(inputs.count >= 1, "needs at least one input")
        var tensors: [Tensor] = []
        for index in 0..<inputs.count { tensors.append(try inputs.required(index)) }
        let dtype = try node.commonDType(tensors)
        try node.require(dtype != .bool, "\(node.opType) needs numbers, got bool")
        _ = try node.broadcastShape(tensors.map(\.shape))
        var result = tensors[0]
        for tensor in tensors.dropFirst() {
            switch op {
            case .maximum: result = maximum(result, tensor)
            case .minimum: result = minimum(result, tensor)
            default: result = result + tensor
            }
        }
        return result
    }

    static func power(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let (base, exponent) = (try inputs.required(0), try inputs.required(1))
        try node.requireFloat(base, "base")
        try node.require(exponent.dtype != .bool, "the exponent must be a number")
        _ = try node.broadcastShape([base.shape, exponent.shape])
        return [pow(base, exponent.dtype == base.dtype ? exponent : exponent.cast(to: base.dtype))]
    }

    static func comparison(_ node: ONNXNode, _ inputs: ONNXInputs,
                           _ compare: (Tensor, Tensor) -> Tensor) throws(ONNXError) -> Tensor {
        let (a, b) = try broadcastPair(node, inputs)
        if a.dtype == .bool {
            try node.require(node.opType == "Equal", "\(node.opType) needs numbers, got bool")
            return (a .&& b) .|| (.!a .&& .!b)
        }
        return compare(a, b)
    }

    static func logical(_ node: ONNXNode, _ inputs: ONNXInputs,
                        _ combine: (Tensor, Tensor) -> Tensor) throws(ONNXError) -> Tensor {
        let (a, b) = try broadcastPair(node, inputs)
        try node.require(a.dtype == .bool, "\(node.opType) needs bool inputs, got \(a.dtype)")
        return combine(a, b)
    }

    static func whereOperator(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let (condition, a, b) = (try inputs.required(0), try inputs.required(1), try inputs.required(2))
        try node.require(condition.dtype == .bool, "the condition must be bool, got \(condition.dtype)")
        _ = try node.commonDType([a, b])
        let shape = try node.broadcastShape([condition.shape, a.shape, b.shape])
        return [select(condition.expanded(to: shape), a.expanded(to: shape), b.expanded(to: shape))]
    }

    static func clip(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        try node.require(x.dtype != .bool, "Clip needs numbers, got bool")
        var bounds: [Tensor?]
        if node.opset >= 11 {
            bounds = [inputs.optional(1), inputs.optional(2)]
            for bound in bounds.compactMap({ $0 }) {
                try node.require(bound.scalarCount == 1 && bound.dtype == x.dtype, "min and max must be one \(x.dtype) value")
            }
            bounds = bounds.map { $0?.reshaped(to: []) }
        } else {
            bounds = [node.has("min") ? Tensor(try node.float("min", default: 0), dtype: x.dtype) : nil,
                      node.has("max") ? Tensor(try node.float("max", default: 0), dtype: x.dtype) : nil]
        }
        var y = x
        if let low = bounds[0] { y = maximum(y, low) }
        if let high = bounds[1] { y = minimum(y, high) }
        return [y]
    }

    /// Mod: the remainder with the divisor's sign (`fmod = 0`, integers only) or the dividend's
    /// (`fmod = 1`, C's fmod), computed on the host: shape arithmetic uses it, gradients do not.
    static func modulo(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let (a, b) = try broadcastPair(node, inputs)
        try node.require(a.dtype != .bool, "Mod needs numbers, got bool")
        let isFmod = try node.int("fmod", default: 0) != 0
        try node.require(isFmod || !a.dtype.isFloatingPoint, "fmod 0 on floating-point inputs is invalid")
        let shape = try node.broadcastShape([a.shape, b.shape])
        if a.dtype.isFloatingPoint {
            let x = a.expanded(to: shape).cast(to: .float64).scalars(as: Double.self)
            let y = b.expanded(to: shape).cast(to: .float64).scalars(as: Double.self)
            return [Tensor(zip(x, y).map { fmod($0, $1) }, shape: shape).cast(to: a.dtype)]
        }
        let x = a.expanded(to: shape).cast(to: .int64).scalars(as: Int64.self)
        let y = b.expanded(to: shape).cast(to: .int64).scalars(as: Int64.self)
        try node.require(!y.contains(0), "integer modulo by zero")
        let remainders = zip(x, y).map { (p, q) -> Int64 in
            let r = p.remainderReportingOverflow(dividingBy: q).partialValue
            return isFmod || r == 0 || (r < 0) == (q < 0) ? r : r &+ q
        }
        return [Tensor(remainders, shape: shape).cast(to: a.dtype)]
    }
}
