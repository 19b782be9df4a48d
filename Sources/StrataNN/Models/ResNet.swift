import Strata

/// A residual network (He et al., 2016) with torchvision's structure and parameter names
/// (`conv1`, `bn1`, `layer1.0.conv1`, ..., `fc`), so its state dictionary moves to and from
/// `torchvision.models.resnet18()` and friends.
///
/// input: `[batch, inChannels, h, w]`; returns logits `[batch, classes]`.
public struct ResNet: Layer {
    /// Which residual block the stages are built from.
    public enum Block: Sendable { case basic, bottleneck }

    /// How the network starts: ImageNet's 7x7 stride-2 convolution and 3x3 max-pool, or a 3x3
    /// stride-1 convolution for small images (such as 28x28 Fashion-MNIST).
    public enum Stem: Sendable { case imageNet, small }

    public var conv1: Conv2d
    public var bn1: BatchNorm
    public var stages: [Sequential]
    public var fc: Linear
    public let stem: Stem

    /// `blocks[i]` blocks of `widths[i]` channels in stage i; every stage after the first halves
    /// the resolution.
    public init(block: Block, blocks: [Int], widths: [Int] = [64, 128, 256, 512], stem: Stem = .imageNet,
                inChannels: Int = 3, classes: Int = 1000, generator: RandomGenerator = .current) {
        precondition(blocks.count == widths.count && !blocks.isEmpty, "ResNet: one block count per stage width")
        self.stem = stem
        let stemWidth = widths[0]
        conv1 = stem == .imageNet
            ? Conv2d(inChannels: inChannels, outChannels: stemWidth, kernelSize: 7, stride: 2, padding: 3, bias: false, generator: generator)
            : Conv2d(inChannels: inChannels, outChannels: stemWidth, kernelSize: 3, padding: 1, bias: false, generator: generator)
        bn1 = BatchNorm2d(featureCount: stemWidth)
        var channels = stemWidth
        stages = []
        for (index, (count, width)) in zip(blocks, widths).enumerated() {
            var layers: [any Layer] = []
            for position in 0..<count {
                let stride = index > 0 && position == 0 ? 2 : 1
                switch block {
                case .basic:
                    layers.append(BasicBlock(inChannels: channels, outChannels: width, stride: stride, generator: generator))
                    channels = width
                case .bottleneck:
                    layers.append(Bottleneck(inChannels: channels, width: width, stride: stride, generator: generator))
                    channels = width * Bottleneck.expansion
                }
            }
            stages.append(Sequential(layers))
        }
        fc = Linear(inputSize: channels, outputSize: classes, generator: generator)
        // torchvision initializes convolutions with Kaiming normal (fan out, ReLU) and BN to 1 and 0.
        visitParameters { path, tensor, kind in
            if kind == .parameter && tensor.rank == 4 {
                tensor = Initializer.kaimingNormal(mode: .fanOut, nonlinearity: .relu).tensor(tensor.shape, dtype: tensor.dtype,
                                                                                            generator: generator)
            }
        }
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("conv1", &conv1)
        visitor.visit("bn1", &bn1)
        for index in stages.indices {
            visitor.visit("layer\(index + 1)", &stages[index])
        }
        visitor.visit("fc", &fc)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = relu(bn1(conv1(input)))
        if stem == .imageNet { x = maxPool2d(x, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1)) }
        for stage in stages { x = stage(x) }
        return fc(globalAvgPool2d(x).flattened(startAxis: 1))
    }

    /// ResNet-18: basic blocks [2, 2, 2, 2].
    public static func resnet18(inChannels: Int = 3, classes: Int = 1000, generator: RandomGenerator = .current) -> ResNet {
        ResNet(block: .basic, blocks: [2, 2, 2, 2], inChannels: inChannels, classes: classes, generator: generator)
    }

    /// ResNet-34: basic blocks [3, 4, 6, 3].
    public static func resnet34(inChannels: Int = 3, classes: Int = 1000, generator: RandomGenerator = .current) -> ResNet {
        ResNet(block: .basic, blocks: [3, 4, 6, 3], inChannels: inChannels, classes: classes, generator: generator)
    }

    /// ResNet-50: bottleneck blocks [3, 4, 6, 3].
    public static func resnet50(inChannels: Int = 3, classes: Int = 1000, generator: RandomGenerator = .current) -> ResNet {
        ResNet(block: .bottleneck, blocks: [3, 4, 6, 3], inChannels: inChannels, classes: classes, generator: generator)
    }

    /// The small ResNet of the shared benchmarks for 1x28x28 inputs: a 3x3 stem of 16 channels,
    /// three stages of two basic blocks (16, 32, 64 channels), global average pooling, linear.
    public static func small(inChannels: Int = 1, classes: Int = 10, generator: RandomGenerator = .current) -> ResNet {
        ResNet(block: .basic, blocks: [2, 2, 2], widths: [16, 32, 64], stem: .small, inChannels: inChannels, classes: classes,
               generator: generator)
    }
}
