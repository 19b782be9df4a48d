import Strata

/// The shortcut of a residual block whose shape changes: a 1x1 convolution with the block's
/// stride, then batch normalization (torchvision's `downsample`, named `0` and `1`).
func projectionShortcut(inChannels: Int, outChannels: Int, stride: Int, generator: RandomGenerator) -> Sequential {
    Sequential {
        Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 1, stride: stride, bias: false, generator: generator)
        BatchNorm2d(featureCount: outChannels)
    }
}

/// The two-convolution residual block of ResNet-18/34 (He et al., 2016):
/// `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`, with torchvision's parameter names.
///
/// input: `[batch, inChannels, h, w]`; returns `[batch, outChannels, h / stride, w / stride]`.
public struct BasicBlock: Layer {
    public static let expansion = 1
    public var conv1: Conv2d
    public var bn1: BatchNorm
    public var conv2: Conv2d
    public var bn2: BatchNorm
    public var downsample: Sequential?

    public init(inChannels: Int, outChannels: Int, stride: Int = 1, generator: RandomGenerator = .current) {
        conv1 = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: 3, stride: stride, padding: 1, bias: false,
                       generator: generator)
        bn1 = BatchNorm2d(featureCount: outChannels)
        conv2 = Conv2d(inChannels: outChannels, outChannels: outChannels, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn2 = BatchNorm2d(featureCount: outChannels)
        downsample = stride != 1 || inChannels != outChannels
            ? projectionShortcut(inChannels: inChannels, outChannels: outChannels, stride: stride, generator: generator) : nil
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("conv1", &conv1)
        visitor.visit("bn1", &bn1)
        visitor.visit("conv2", &conv2)
        visitor.visit("bn2", &bn2)
        if downsample != nil { visitor.visit("downsample", &downsample!) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let residual = bn2(conv2(relu(bn1(conv1(input)))))
        return relu(residual + (downsample?(input) ?? input))
    }
}

/// The bottleneck residual block of ResNet-50 and deeper (He et al., 2016): 1x1 reduce, 3x3
/// (carrying the stride, as torchvision's v1.5), 1x1 expand by 4, with torchvision's names.
///
/// input: `[batch, inChannels, h, w]`; returns `[batch, 4 * width, h / stride, w / stride]`.
public struct Bottleneck: Layer {
    public static let expansion = 4
    public var conv1: Conv2d
    public var bn1: BatchNorm
    public var conv2: Conv2d
    public var bn2: BatchNorm
    public var conv3: Conv2d
    public var bn3: BatchNorm
    public var downsample: Sequential?

    public init(inChannels: Int, width: Int, stride: Int = 1, generator: RandomGenerator = .current) {
        let outChannels = width * Self.expansion
        conv1 = Conv2d(inChannels: inChannels, outChannels: width, kernelSize: 1, bias: false, generator: generator)
        bn1 = BatchNorm2d(featureCount: width)
        conv2 = Conv2d(inChannels: width, outChannels: width, kernelSize: 3, stride: stride, padding: 1, bias: false,
                       generator: generator)
        bn2 = BatchNorm2d(featureCount: width)
        conv3 = Conv2d(inChannels: width, outChannels: outChannels, kernelSize: 1, bias: false, generator: generator)
        bn3 = BatchNorm2d(featureCount: outChannels)
        downsample = stride != 1 || inChannels != outChannels
            ? projectionShortcut(inChannels: inChannels, outChannels: outChannels, stride: stride, generator: generator) : nil
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("conv1", &conv1)
        visitor.visit("bn1", &bn1)
        visitor.visit("conv2", &conv2)
        visitor.visit("bn2", &bn2)
        visitor.visit("conv3", &conv3)
        visitor.visit("bn3", &bn3)
        if downsample != nil { visitor.visit("downsample", &downsample!) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let reduced = relu(bn2(conv2(relu(bn1(conv1(input))))))
        return relu(bn3(conv3(reduced)) + (downsample?(input) ?? input))
    }
}
