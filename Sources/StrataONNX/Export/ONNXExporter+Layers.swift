import Strata
import StrataNN

// The ONNX forms of Strata's dense, convolutional, normalization and residual layers.
extension ONNXExporter {
    mutating func emitLinear(_ linear: Linear, input: Value, path: String) throws(ONNXError) -> Value {
        let weight = try tensor(Self.join(path, "weight"))
        let bias = linear.bias == nil ? nil : try tensor(Self.join(path, "bias"))
        if input.rank == 2 {
            return node("Gemm", [input.name, weight] + (bias.map { [$0] } ?? []), ["transB": .int(1)], rank: 2)
        }
        // [..., in] x [in, out]: the weight transposed by a node, so the initializer keeps its name.
        let transposed = node("Transpose", [weight], ["perm": .ints([1, 0])], rank: 2)
        let product = node("MatMul", [input.name, transposed.name], rank: input.rank)
        guard let bias else { return product }
        return node("Add", [product.name, bias], rank: input.rank)
    }

    static func pads(_ padding: ConvolutionPadding, kernel: [Int], dilation: SpatialSize) -> [String: ONNXGraphBuilder.Attribute] {
        switch padding {
        case .valid: return ["pads": .ints([0, 0, 0, 0])]
        case .explicit(let height, let width): return ["pads": .ints([height, width, height, width])]
        case .same:
            // PyTorch's "same": the odd pixel after (ONNX's SAME_UPPER for stride 1).
            let totalHeight = dilation.height * (kernel[0] - 1), totalWidth = dilation.width * (kernel[1] - 1)
            return ["pads": .ints([totalHeight / 2, totalWidth / 2, totalHeight - totalHeight / 2, totalWidth - totalWidth / 2])]
        }
    }

    mutating func emitConv(_ conv: Conv2d, input: Value, path: String) throws(ONNXError) -> Value {
        let weight = try tensor(Self.join(path, "weight"))
        let bias = conv.bias == nil ? [] : [try tensor(Self.join(path, "bias"))]
        var attributes = Self.pads(conv.padding, kernel: Array(conv.weight.shape.suffix(2)), dilation: conv.dilation)
        attributes["strides"] = .ints([conv.stride.height, conv.stride.width])
        attributes["dilations"] = .ints([conv.dilation.height, conv.dilation.width])
        attributes["group"] = .int(conv.groups)
        attributes["kernel_shape"] = .ints(Array(conv.weight.shape.suffix(2)))
        return node("Conv", [input.name, weight] + bias, attributes, rank: 4)
    }

    mutating func emitConvTranspose(_ conv: ConvTranspose2d, input: Value, path: String) throws(ONNXError) -> Value {
        let weight = try tensor(Self.join(path, "weight"))
        let bias = conv.bias == nil ? [] : [try tensor(Self.join(path, "bias"))]
        return node("ConvTranspose", [input.name, weight] + bias, [
            "pads": .ints([conv.padding.height, conv.padding.width, conv.padding.height, conv.padding.width]),
            "strides": .ints([conv.stride.height, conv.stride.width]),
            "output_padding": .ints([conv.outputPadding.height, conv.outputPadding.width]),
            "dilations": .ints([conv.dilation.height, conv.dilation.width]), "group": .int(conv.groups),
            "kernel_shape": .ints(Array(conv.weight.shape.suffix(2))),
        ], rank: 4)
    }

    mutating func emitBatchNorm(_ norm: BatchNorm, input: Value, path: String) throws(ONNXError) -> Value {
        let mean = try tensor(Self.join(path, "running_mean")), variance = try tensor(Self.join(path, "running_var"))
        let features = state[mean]!.shape[0], dtype = state[mean]!.dtype
        let weight = norm.weight == nil
            ? builder.addInitializer(uniquelyNamed: Self.join(path, "onnx.ones"), Tensor.ones([features], dtype: dtype))
            : try tensor(Self.join(path, "weight"))
        let bias = norm.bias == nil
            ? builder.addInitializer(uniquelyNamed: Self.join(path, "onnx.zeros"), Tensor.zeros([features], dtype: dtype))
            : try tensor(Self.join(path, "bias"))
        return node("BatchNormalization", [input.name, weight, bias, mean, variance], ["epsilon": .float(norm.epsilon)],
                    rank: input.rank)
    }

    mutating func emitResNet(_ resnet: ResNet, input: Value, path: String) throws(ONNXError) -> Value {
        var x = try emitConv(resnet.conv1, input: input, path: Self.join(path, "conv1"))
        x = node("Relu", [try emitBatchNorm(resnet.bn1, input: x, path: Self.join(path, "bn1")).name], rank: 4)
        if resnet.stem == .imageNet {
            x = node("MaxPool", [x.name], ["kernel_shape": .ints([3, 3]), "strides": .ints([2, 2]), "pads": .ints([1, 1, 1, 1])], rank: 4)
        }
        for (index, stage) in resnet.stages.enumerated() {
            x = try emit(stage, input: x, path: Self.join(path, "layer\(index + 1)"))
        }
        let pooled = node("GlobalAveragePool", [x.name], rank: 4)
        let flat = node("Flatten", [pooled.name], ["axis": .int(1)], rank: 2)
        return try emitLinear(resnet.fc, input: flat, path: Self.join(path, "fc"))
    }

    /// conv, batch norm (and ReLU unless `activate` is false) at `path.conv<n>` and `path.bn<n>`.
    private mutating func convNorm(_ conv: Conv2d, _ norm: BatchNorm, _ index: Int, input: Value, path: String,
                                   activate: Bool = true) throws(ONNXError) -> Value {
        let convolved = try emitConv(conv, input: input, path: Self.join(path, "conv\(index)"))
        let normalized = try emitBatchNorm(norm, input: convolved, path: Self.join(path, "bn\(index)"))
        return activate ? node("Relu", [normalized.name], rank: 4) : normalized
    }

    private mutating func residual(_ branch: Value, _ input: Value, downsample: Sequential?, path: String) throws(ONNXError) -> Value {
        let shortcut = try downsample.map { (layer) throws(ONNXError) -> Value in
            try emit(layer, input: input, path: Self.join(path, "downsample"))
        } ?? input
        return node("Relu", [node("Add", [branch.name, shortcut.name], rank: 4).name], rank: 4)
    }

    mutating func emitBasicBlock(_ block: BasicBlock, input: Value, path: String) throws(ONNXError) -> Value {
        let first = try convNorm(block.conv1, block.bn1, 1, input: input, path: path)
        let second = try convNorm(block.conv2, block.bn2, 2, input: first, path: path, activate: false)
        return try residual(second, input, downsample: block.downsample, path: path)
    }

    mutating func emitBottleneck(_ block: Bottleneck, input: Value, path: String) throws(ONNXError) -> Value {
        let first = try convNorm(block.conv1, block.bn1, 1, input: input, path: path)
        let second = try convNorm(block.conv2, block.bn2, 2, input: first, path: path)
        let third = try convNorm(block.conv3, block.bn3, 3, input: second, path: path, activate: false)
        return try residual(third, input, downsample: block.downsample, path: path)
    }
}
