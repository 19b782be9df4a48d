import Foundation
import Strata

// Activations and the softmax family, written from Strata's differentiable functions.
extension ONNXOperators {
    static let activations: [String: ONNXOperator] = [
        "Relu": unary(relu), "Sigmoid": unary(sigmoid), "Tanh": unary(tanh), "Softplus": unary(softplus),
        "Softsign": unary { $0 / (1 + abs($0)) },
        "Mish": unary { $0 * tanh(softplus($0)) },
        "Gelu": ONNXOperator(gelu),
        "LeakyRelu": withFloat("alpha", 0.01) { x, alpha in select(x .< 0, x * alpha, x) },
        "Elu": withFloat("alpha", 1) { x, alpha in select(x .< 0, (exp(minimum(x, x.zeroScalar)) - 1) * alpha, x) },
        "Celu": withFloat("alpha", 1) { x, alpha in
            maximum(x, x.zeroScalar) + minimum(x.zeroScalar, (exp(x / alpha) - 1) * alpha)
        },
        "ThresholdedRelu": withFloat("alpha", 1) { x, alpha in select(x .> alpha, x, x * 0) },
        "Selu": ONNXOperator { node, inputs throws(ONNXError) in
            // ONNX's defaults are the float32 roundings of the paper's constants (Klambauer et al., 2017).
            let alpha = try node.float("alpha", default: Double(Float(1.67326319217681884765625)))
            let gamma = try node.float("gamma", default: Double(Float(1.05070102214813232421875)))
            let x = try inputs.required(0)
            try node.requireFloat(x)
            return [select(x .> 0, x, (exp(minimum(x, x.zeroScalar)) - 1) * alpha) * gamma]
        },
        "HardSigmoid": ONNXOperator { node, inputs throws(ONNXError) in
            let alpha = try node.float("alpha", default: 0.2), beta = try node.float("beta", default: 0.5)
            let x = try inputs.required(0)
            try node.requireFloat(x)
            return [hardSigmoid(x, alpha: alpha, beta: beta)]
        },
        "HardSwish": unary { $0 * hardSigmoid($0, alpha: 1.0 / 6, beta: 0.5) },
        "PRelu": ONNXOperator { node, inputs throws(ONNXError) in
            let (x, slope) = try broadcastPair(node, inputs)
            try node.requireFloat(x)
            return [select(x .< 0, x * slope, x)]
        },
        "Softmax": ONNXOperator { node, inputs throws(ONNXError) in [try softmaxFamily(node, inputs, log: false)] },
        "LogSoftmax": ONNXOperator { node, inputs throws(ONNXError) in [try softmaxFamily(node, inputs, log: true)] },
        "Dropout": ONNXOperator { node, inputs throws(ONNXError) in
            // Inference: the values pass through, and the mask (if asked for) is all true.
            let x = try inputs.required(0)
            if let training = inputs.optional(2) {
                try node.require(training.scalarCount == 1 && training.dtype == .bool, "training_mode must be one bool")
                try node.require(!training.scalars(as: Bool.self)[0], "training_mode true is not supported")
            }
            return [x, Tensor.full(x.shape, value: 1, dtype: .bool)]
        },
    ]

    /// A one-input function with one float attribute.
    static func withFloat(_ attribute: String, _ defaultValue: Double,
                          _ function: @escaping @Sendable (Tensor, Double) -> Tensor) -> ONNXOperator {
        ONNXOperator { node, inputs throws(ONNXError) in
            let value = try node.float(attribute, default: defaultValue)
            let x = try inputs.required(0)
            try node.requireFloat(x)
            return [function(x, value)]
        }
    }

    static func hardSigmoid(_ x: Tensor, alpha: Double, beta: Double) -> Tensor {
        minimum(maximum(x * alpha + beta, x.zeroScalar), x.zeroScalar + 1)
    }

    static func gelu(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        let x = try inputs.required(0)
        try node.requireFloat(x)
        switch try node.string("approximate", default: "none") {
        case "none": return [x * 0.5 * (1 + erf(x * (1 / 2.0.squareRoot())))]
        case "tanh":
            let inner = (x + x * x * x * 0.044715) * (2 / Double.pi).squareRoot()
            return [x * 0.5 * (1 + tanh(inner))]
        case let other: throw node.unsupported("approximate", "'\(other)' is not none or tanh")
        }
    }

    /// Softmax (or log-softmax) over `axis`; before opset 13 the input is seen as a matrix whose
    /// rows are the axes from `axis` on, flattened.
    static func softmaxFamily(_ node: ONNXNode, _ inputs: ONNXInputs, log isLog: Bool) throws(ONNXError) -> Tensor {
        let x = try inputs.required(0)
        try node.requireFloat(x)
        let axis = try node.axis(try node.int("axis", default: node.opset >= 13 ? -1 : 1), rank: x.rank)
        guard x.rank > 0, x.scalarCount > 0 else { return isLog ? x * 0 : x * 0 + 1 }
        if node.opset < 13 {
            let rows = x.shape[..<axis].reduce(1, *), columns = x.shape[axis...].reduce(1, *)
            let flat = x.reshaped(to: [rows, columns])
            return softmax(flat, axis: 1, log: isLog).reshaped(to: x.shape)
        }
        return softmax(x, axis: axis, log: isLog)
    }

    static func softmax(_ x: Tensor, axis: Int, log isLog: Bool) -> Tensor {
        let shifted = x - x.max(alongAxes: [axis], keepDims: true).detached
        if isLog { return shifted - Strata.log(exp(shifted).sum(alongAxes: [axis], keepDims: true)) }
        let e = exp(shifted)
        return e / e.sum(alongAxes: [axis], keepDims: true)
    }
}

extension Tensor {
    /// A rank-0 zero of this tensor's dtype.
    var zeroScalar: Tensor { Tensor(0, dtype: dtype) }
}
