import Strata

// BatchNormalization (inference, with the running statistics), LayerNormalization and
// InstanceNormalization.
extension ONNXOperators {
    static let normalization: [String: ONNXOperator] = [
        "BatchNormalization": ONNXOperator(batchNormalization),
        "LayerNormalization": ONNXOperator(17...onnxMaximumOpset, layerNormalization),
        "InstanceNormalization": ONNXOperator { node, inputs throws(ONNXError) in
            try node.checkAttributes(["epsilon"])
            let (x, scale, bias) = (try inputs.required(0), try inputs.required(1), try inputs.required(2))
            try node.requireFloat(x)
            try node.require(x.rank >= 3 && scale.shape == [x.shape[1]] && bias.shape == [x.shape[1]]
                             && scale.dtype == x.dtype && bias.dtype == x.dtype,
                             "input \(x.shape), scale \(scale.shape) and bias \(bias.shape) do not fit")
            let axes = Array(2..<x.rank), epsilon = try node.float("epsilon", default: 1e-5)
            let centered = x - x.mean(alongAxes: axes, keepDims: true)
            let variance = (centered * centered).mean(alongAxes: axes, keepDims: true)
            let channelShape = [1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
            return [centered * rsqrt(variance + epsilon) * scale.reshaped(to: channelShape) + bias.reshaped(to: channelShape)]
        },
    ]

    static func batchNormalization(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        try node.checkAttributes(["epsilon", "momentum", "training_mode", "spatial", "is_test", "consumed_inputs"])
        try node.require(try node.int("training_mode", default: 0) == 0, "training_mode 1 is not supported")
        try node.require(try node.int("spatial", default: 1) == 1, "spatial 0 is not supported")
        let x = try inputs.required(0)
        try node.requireFloat(x)
        try node.require(x.rank >= 2, "input \(x.shape) must be [batch, channels, ...]")
        var parameters: [Tensor] = []
        for index in 1...4 {
            let tensor = try inputs.required(index)
            try node.require(tensor.shape == [x.shape[1]], "input \(index) \(tensor.shape) must be [\(x.shape[1])]")
            parameters.append(tensor.dtype == x.dtype ? tensor : tensor.cast(to: x.dtype))
        }
        let epsilon = try node.float("epsilon", default: 1e-5)
        let channelShape = [1, x.shape[1]] + Array(repeating: 1, count: x.rank - 2)
        let (scale, bias, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3])
        let factor = (scale * rsqrt(variance + epsilon)).reshaped(to: channelShape)
        return [(x - mean.reshaped(to: channelShape)) * factor + bias.reshaped(to: channelShape)]
    }

    static func layerNormalization(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        try node.checkAttributes(["axis", "epsilon", "stash_type"])
        let x = try inputs.required(0), scale = try inputs.required(1)
        try node.requireFloat(x)
        let axis = try node.axis(try node.int("axis", default: -1), rank: x.rank)
        let axes = Array(axis..<x.rank)
        let epsilon = try node.float("epsilon", default: 1e-5)
        try node.require(x.scalarCount > 0 || x.rank == 0, "empty input \(x.shape)")
        try node.require(scale.dtype == x.dtype, "scale is \(scale.dtype), input \(x.dtype)")
        try node.require(try node.broadcastShape([x.shape, scale.shape]) == x.shape, "scale \(scale.shape) does not fit \(x.shape)")
        let mean = x.mean(alongAxes: axes, keepDims: true)
        let centered = x - mean
        let inverseDeviation = rsqrt((centered * centered).mean(alongAxes: axes, keepDims: true) + epsilon)
        var y = centered * inverseDeviation * scale
        if let bias = inputs.optional(2) {
            try node.require(bias.dtype == x.dtype, "bias is \(bias.dtype), input \(x.dtype)")
            try node.require(try node.broadcastShape([x.shape, bias.shape]) == x.shape, "bias \(bias.shape) does not fit \(x.shape)")
            y = y + bias
        }
        return [y, mean, inverseDeviation]
    }
}
