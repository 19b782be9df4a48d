import Strata

// Conv and ConvTranspose over 1-D and 2-D inputs, with ONNX's padding (explicit, possibly
// asymmetric, or auto_pad SAME_UPPER/SAME_LOWER/VALID).
extension ONNXOperators {
    static let convolution: [String: ONNXOperator] = [
        "Conv": ONNXOperator { node, inputs throws(ONNXError) in [try conv(node, inputs) { _ throws(ONNXError) in ConvTail() }!.plain] },
        "ConvTranspose": ONNXOperator(convTranspose),
    ]

    /// What follows a convolution in its chain: the residual of an Add, a Relu, a MaxPool.
    struct ConvTail {
        var residual: InferenceActivation?
        var relu = false
        var maxPool: PoolingGeometry?
    }

    /// A Conv followed by the rest of its chain (see `ONNXExecutionPlan`): the residual of an Add,
    /// a Relu, a MaxPool node. `inputs` holds the Conv's weight and bias (its input slot may be
    /// empty); `input` is its input, plain or blocked. With `blockedOutput` the result may be
    /// blocked, and with `reuseResidual` written over the residual (which the caller gave up).
    /// Nil when they do not fit one fused step (a 1-D convolution, a residual of another
    /// shape, a pool with asymmetric padding); the nodes then run one by one. The attributes are
    /// read and checked once per input signature and kept in `calls` under `chain`.
    static func convChain(_ node: ONNXNode, _ inputs: ONNXInputs, input: InferenceActivation, residual: InferenceActivation?,
                          relu: Bool, maxPool: ONNXNode?, blockedOutput: Bool, reuseResidual: Bool,
                          calls: ONNXConvCalls, chain: Int) throws(ONNXError) -> InferenceActivation? {
        guard input.shape.count == 4 else { return nil }
        let weight = try inputs.required(1), bias = inputs.optional(2)
        let signature = ONNXConvCalls.Signature(input: input.shape, dtype: input.dtype, weight: weight.shape,
                                                weightType: weight.dtype, bias: bias?.shape, biasType: bias?.dtype,
                                                residual: residual?.shape, residualType: residual?.dtype)
        let call: ConvCall, pool: PoolingGeometry?
        if let known = calls.call(chain: chain, signature) {
            (call, pool) = known
        } else {
            call = try convCall(node, input: input, weight: weight, bias: bias)
            if let residual, residual.shape != call.outputShape || residual.dtype != input.dtype { return nil }
            if let maxPool {
                guard let geometry = try maxPoolGeometry(maxPool, inputShape: call.outputShape) else { return nil }
                pool = geometry
            } else {
                pool = nil
            }
            calls.keep(call, pool: pool, chain: chain, signature)
        }
        return run(call, input: input, weight: weight, bias: bias, tail: ConvTail(residual: residual, relu: relu, maxPool: pool),
                   blockedOutput: blockedOutput, reuseResidual: reuseResidual)
    }

    /// The convolution of `node` on `input` (else `inputs`' first), followed by the tail
    /// `tail(outputShape)` gives (nil returns nil before computing anything).
    static func conv(_ node: ONNXNode, _ inputs: ONNXInputs, input given: InferenceActivation? = nil, blockedOutput: Bool = false,
                     reuseResidual: Bool = false, tail: ([Int]) throws(ONNXError) -> ConvTail?) throws(ONNXError) -> InferenceActivation? {
        let input: InferenceActivation
        if let given { input = given } else { input = .plain(try inputs.required(0)) }
        let weight = try inputs.required(1), bias = inputs.optional(2)
        let call = try convCall(node, input: input, weight: weight, bias: bias)
        guard let tail = try tail(call.outputShape) else { return nil }
        return run(call, input: input, weight: weight, bias: bias, tail: tail, blockedOutput: blockedOutput, reuseResidual: reuseResidual)
    }

    /// A Conv node's attributes read and checked for one input, weight and bias: the arguments
    /// of `conv2dInference` besides the tensors.
    struct ConvCall: Sendable {
        /// The input's rank (3: a 1-D convolution, run as a 2-D one of height 1).
        let rank: Int
        /// Asymmetric pads, applied to the input first (`padding` is then `.valid`).
        let prePad: SpatialGeometry?
        let padding: ConvolutionPadding
        let stride: SpatialSize, dilation: SpatialSize
        let groups: Int
        let outputShape: [Int]
    }

    static func convCall(_ node: ONNXNode, input: InferenceActivation, weight: Tensor, bias: Tensor?) throws(ONNXError) -> ConvCall {
        try node.checkAttributes(["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        if case .plain(let x) = input { try node.requireFloat(x) }
        let rank = input.shape.count
        try node.require(weight.rank == rank && weight.dtype == input.dtype,
                         "weight \(weight.shape) \(weight.dtype) does not fit input \(input.shape) \(input.dtype)")
        let geometry = try SpatialGeometry(node, inputShape: input.shape, kernel: Array(weight.shape.dropFirst(2)))
        let groups = try node.int("group", default: 1)
        try node.require(groups > 0 && input.shape[1] == weight.shape[1] * groups && weight.shape[0] % groups == 0,
                         "weight \(weight.shape) does not fit input \(input.shape) with \(groups) groups")
        if let bias { try node.require(bias.shape == [weight.shape[0]] && bias.dtype == weight.dtype, "bias \(bias.shape) must be [\(weight.shape[0])]") }
        let spatial = rank == 3 ? [1] + input.shape.dropFirst(2) : Array(input.shape.dropFirst(2))
        var outputShape = [input.shape[0], weight.shape[0]]
        for axis in 0..<2 {
            let size = geometry.isSymmetric ? geometry.outputSize(spatial[axis], axis: axis, padding: 2 * geometry.padsBegin[axis])
                : geometry.outputSize(spatial[axis] + geometry.padsBegin[axis] + geometry.padsEnd[axis], axis: axis, padding: 0)
            try node.require(size > 0, "kernel \(weight.shape) does not fit input \(input.shape)")
            outputShape.append(size)
        }
        try node.requireAllocatable(outputShape)
        return ConvCall(rank: rank, prePad: geometry.isSymmetric ? nil : geometry,
                        padding: geometry.isSymmetric ? .explicit(height: geometry.padsBegin[0], width: geometry.padsBegin[1]) : .valid,
                        stride: (geometry.strides[0], geometry.strides[1]), dilation: (geometry.dilations[0], geometry.dilations[1]),
                        groups: groups, outputShape: outputShape)
    }

    /// `call` on `input`, `weight` and `bias`, followed by `tail`.
    static func run(_ call: ConvCall, input: InferenceActivation, weight: Tensor, bias: Tensor?, tail: ConvTail,
                    blockedOutput: Bool, reuseResidual: Bool) -> InferenceActivation {
        var x = call.rank == 3 ? .plain(input.plain.asSpatial2D()) : input
        if let prePad = call.prePad { x = .plain(prePad.pad(x.plain, value: 0)) }
        let y = conv2dInference(x, weight: weight.asSpatial2D(), bias: bias, stride: call.stride, padding: call.padding,
                                dilation: call.dilation, groups: call.groups, residual: tail.residual, relu: tail.relu,
                                maxPool: tail.maxPool, blockedOutput: blockedOutput && call.rank == 4, reuseResidual: reuseResidual)
        return call.rank == 3 ? .plain(y.plain.squeezed(axis: 2)) : y
    }

    static func convTranspose(_ node: ONNXNode, _ inputs: ONNXInputs) throws(ONNXError) -> [Tensor] {
        try node.checkAttributes(["auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"])
        let (input, weight) = (try inputs.required(0), try inputs.required(1))
        try node.requireFloat(input)
        try node.require(weight.rank == input.rank && weight.dtype == input.dtype,
                         "weight \(weight.shape) \(weight.dtype) does not fit input \(input.shape) \(input.dtype)")
        let spatial = input.rank - 2
        var geometry = try SpatialGeometry(node, input: input, kernel: Array(weight.shape.dropFirst(2)), transposed: true)
        let groups = try node.int("group", default: 1)
        try node.require(groups > 0 && input.shape[1] == weight.shape[0] && weight.shape[0] % groups == 0,
                         "weight \(weight.shape) does not fit input \(input.shape) with \(groups) groups")
        let outChannels = weight.shape[1] * groups
        var outputPadding = try node.ints("output_padding") ?? Array(repeating: 0, count: spatial)
        try node.require(outputPadding.count == spatial && outputPadding.allSatisfy { (0..<1 << 16).contains($0) },
                         "output_padding \(outputPadding) must hold \(spatial) non-negative values")
        if spatial == 1 { outputPadding.insert(0, at: 0) }
        let x = input.asSpatial2D(), w = weight.asSpatial2D()
        // The full output (no padding), then output_padding appended and the pads cropped.
        var full: [Int] = []
        for axis in 0..<2 {
            full.append((x.shape[2 + axis] - 1) * geometry.strides[axis] + geometry.dilations[axis] * (w.shape[2 + axis] - 1) + 1)
        }
        if var shape = try node.ints("output_shape") {
            try node.require(shape.count == spatial, "output_shape \(shape) must hold \(spatial) values")
            if spatial == 1 { shape.insert(1, at: 0) }
            let upper = try node.string("auto_pad", default: "NOTSET") != "SAME_LOWER"
            for axis in 0..<2 {
                let total = full[axis] + outputPadding[axis] - shape[axis]
                try node.require(total >= 0, "output_shape \(shape) is larger than the transposed convolution's output")
                geometry.padsBegin[axis] = upper ? total / 2 : total - total / 2
                geometry.padsEnd[axis] = total - geometry.padsBegin[axis]
            }
        }
        var outputShape = [x.shape[0], outChannels]
        for axis in 0..<2 {
            let size = full[axis] + outputPadding[axis] - geometry.padsBegin[axis] - geometry.padsEnd[axis]
            try node.require(size > 0, "the output of \(input.shape) with this geometry would be empty")
            outputShape.append(size)
        }
        try node.requireAllocatable(outputShape)
        try node.requireAllocatable([x.shape[0], outChannels, full[0] + outputPadding[0], full[1] + outputPadding[1]])
        var y = convTranspose2d(x, weight: w, stride: (geometry.strides[0], geometry.strides[1]),
                                dilation: (geometry.dilations[0], geometry.dilations[1]), groups: groups)
        y = y.padded([(0, 0), (0, 0), (0, outputPadding[0]), (0, outputPadding[1])])
        y = y.sliced(axis: 2, start: geometry.padsBegin[0], end: geometry.padsBegin[0] + outputShape[2])
            .sliced(axis: 3, start: geometry.padsBegin[1], end: geometry.padsBegin[1] + outputShape[3])
        if let bias = inputs.optional(2) {
            try node.require(bias.shape == [outChannels] && bias.dtype == y.dtype, "bias \(bias.shape) must be [\(outChannels)]")
            y = y + bias.reshaped(to: [1, outChannels, 1, 1])
        }
        if spatial == 1 { y = y.squeezed(axis: 2) }
        return [y]
    }
}
