import Strata

// MaxPool, AveragePool and the global pools over 1-D and 2-D inputs.
extension ONNXOperators {
    static let pooling: [String: ONNXOperator] = [
        "MaxPool": ONNXOperator { node, inputs throws(ONNXError) in [try pool(node, inputs, max: true)] },
        "AveragePool": ONNXOperator { node, inputs throws(ONNXError) in [try pool(node, inputs, max: false)] },
        "GlobalAveragePool": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.requireFloat(x)
            try node.require(x.rank >= 3, "input \(x.shape) must be [batch, channels, spatial...]")
            return [x.mean(alongAxes: Array(2..<x.rank), keepDims: true)]
        },
        "GlobalMaxPool": ONNXOperator { node, inputs throws(ONNXError) in
            let x = try inputs.required(0)
            try node.requireFloat(x)
            try node.require(x.rank >= 3 && x.scalarCount > 0, "input \(x.shape) must be a non-empty [batch, channels, spatial...]")
            return [x.max(alongAxes: Array(2..<x.rank), keepDims: true)]
        },
    ]

    /// A 2-D MaxPool node's window over an input of `inputShape`, for a fused convolution chain;
    /// nil when the pool needs more than `PoolingGeometry` holds (asymmetric padding, padding
    /// over half the kernel, an Indices output) or its output would be empty.
    static func maxPoolGeometry(_ node: ONNXNode, inputShape: [Int]) throws(ONNXError) -> PoolingGeometry? {
        try node.checkAttributes(["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"])
        guard inputShape.count == 4, node.outputs.count < 2 || node.outputs[1].isEmpty else { return nil }
        let geometry = try SpatialGeometry(node, inputShape: inputShape, kernel: nil)
        guard geometry.isSymmetric, (0..<2).allSatisfy({ 2 * geometry.padsBegin[$0] <= geometry.kernel[$0] }) else { return nil }
        let ceilMode = try node.int("ceil_mode", default: 0) != 0
        for axis in 0..<2 where geometry.outputSize(inputShape[2 + axis], axis: axis, padding: 2 * geometry.padsBegin[axis],
                                                     ceilMode: ceilMode) <= 0 {
            return nil
        }
        return PoolingGeometry(kernelHeight: geometry.kernel[0], kernelWidth: geometry.kernel[1], strideHeight: geometry.strides[0],
                               strideWidth: geometry.strides[1], padHeight: geometry.padsBegin[0], padWidth: geometry.padsBegin[1],
                               dilationHeight: geometry.dilations[0], dilationWidth: geometry.dilations[1], ceilMode: ceilMode)
    }

    static func pool(_ node: ONNXNode, _ inputs: ONNXInputs, max isMax: Bool) throws(ONNXError) -> Tensor {
        try node.checkAttributes(isMax ? ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"]
                                       : ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides"])
        try node.require(node.outputs.count < 2 || node.outputs[1].isEmpty, "the Indices output is not supported")
        let input = try inputs.required(0)
        try node.requireFloat(input)
        let geometry = try SpatialGeometry(node, input: input, kernel: nil)
        let ceilMode = try node.int("ceil_mode", default: 0) != 0
        let includePad = try node.int("count_include_pad", default: 0) != 0
        try node.require(isMax || geometry.dilations == [1, 1], "dilated average pooling is not supported")
        var x = input.asSpatial2D()
        let direct = geometry.isSymmetric && (0..<2).allSatisfy { 2 * geometry.padsBegin[$0] <= geometry.kernel[$0] }
        if !direct {
            try node.require(isMax || includePad || geometry.padsBegin == [0, 0] && geometry.padsEnd == [0, 0],
                             "asymmetric padding without count_include_pad is not supported")
            x = geometry.pad(x, value: isMax ? -Double.infinity : 0)
        }
        var shape = Array(x.shape.prefix(2))
        for axis in 0..<2 {
            let total = direct ? 2 * geometry.padsBegin[axis] : 0
            let size = geometry.outputSize(x.shape[2 + axis], axis: axis, padding: total, ceilMode: ceilMode)
            try node.require(size > 0, "kernel \(geometry.kernel) does not fit input \(input.shape)")
            shape.append(size)
        }
        let kernel = (geometry.kernel[0], geometry.kernel[1]), stride = (geometry.strides[0], geometry.strides[1])
        let padding = direct ? (geometry.padsBegin[0], geometry.padsBegin[1]) : (0, 0)
        var y = isMax
            ? maxPool2d(x, kernelSize: kernel, stride: stride, padding: padding,
                        dilation: (geometry.dilations[0], geometry.dilations[1]), ceilMode: ceilMode)
            : avgPool2d(x, kernelSize: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: includePad)
        if input.rank == 3 { y = y.squeezed(axis: 2) }
        return y
    }
}
