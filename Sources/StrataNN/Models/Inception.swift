import Strata

/// Convolution without bias, batch normalization (epsilon 0.001) and ReLU: the unit every
/// Inception branch is made of (torchvision's `BasicConv2d`: `conv`, `bn`).
public struct ConvBNReLU: Layer {
    public var conv: Conv2d
    public var bn: BatchNorm

    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                generator: RandomGenerator = .current) {
        conv = Conv2d(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                      bias: false, generator: generator)
        bn = BatchNorm2d(featureCount: outChannels, epsilon: 1e-3)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("conv", &conv)
        visitor.visit("bn", &bn)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { relu(bn(conv(input))) }
}

/// The Inception module of GoogLeNet (Szegedy et al., 2015): four parallel branches, concatenated
/// along channels: 1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max-pool (stride 1) then 1x1.
/// torchvision's `Inception` gives its "5x5" branch a 3x3 kernel (a known slip its pretrained
/// weights keep), which `wideKernelSize: 3` reproduces.
///
/// input: `[batch, inChannels, h, w]`; returns `[batch, c1 + c3 + c5 + pool, h, w]`.
public struct InceptionModule: Layer {
    public var branch1: ConvBNReLU
    public var branch2: Sequential
    public var branch3: Sequential
    public var branch4: Sequential

    /// Output channels per branch; `reduce3`/`reduce5` are the 1x1 reductions before 3x3 and 5x5;
    /// `wideKernelSize` (odd, default 5) is the kernel of the third branch.
    public init(inChannels: Int, c1: Int, reduce3: Int, c3: Int, reduce5: Int, c5: Int, pool: Int,
                wideKernelSize: Int = 5, generator: RandomGenerator = .current) {
        precondition(wideKernelSize % 2 == 1, "InceptionModule: wideKernelSize \(wideKernelSize) must be odd")
        branch1 = ConvBNReLU(inChannels: inChannels, outChannels: c1, kernelSize: 1, generator: generator)
        branch2 = Sequential {
            ConvBNReLU(inChannels: inChannels, outChannels: reduce3, kernelSize: 1, generator: generator)
            ConvBNReLU(inChannels: reduce3, outChannels: c3, kernelSize: 3, padding: 1, generator: generator)
        }
        branch3 = Sequential {
            ConvBNReLU(inChannels: inChannels, outChannels: reduce5, kernelSize: 1, generator: generator)
            ConvBNReLU(inChannels: reduce5, outChannels: c5, kernelSize: wideKernelSize, padding: wideKernelSize / 2,
                       generator: generator)
        }
        branch4 = Sequential {
            MaxPool2d(3, stride: 1, padding: 1)
            ConvBNReLU(inChannels: inChannels, outChannels: pool, kernelSize: 1, generator: generator)
        }
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("branch1", &branch1)
        visitor.visit("branch2", &branch2)
        visitor.visit("branch3", &branch3)
        visitor.visit("branch4", &branch4)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        Tensor.concat([branch1(input), branch2(input), branch3(input), branch4(input)], axis: 1)
    }
}

/// A small GoogLeNet-style network for 28x28 images: a 3x3 stem, two Inception modules, a
/// max-pool, two more, global average pooling, dropout and a linear classifier.
///
/// input: `[batch, inChannels, 28, 28]`; returns logits `[batch, classes]`.
public func SmallGoogLeNet(inChannels: Int = 1, classes: Int = 10, generator: RandomGenerator = .current) -> Sequential {
    Sequential {
        ConvBNReLU(inChannels: inChannels, outChannels: 32, kernelSize: 3, padding: 1, generator: generator)
        InceptionModule(inChannels: 32, c1: 16, reduce3: 16, c3: 24, reduce5: 4, c5: 8, pool: 16, generator: generator)
        InceptionModule(inChannels: 64, c1: 24, reduce3: 24, c3: 32, reduce5: 8, c5: 16, pool: 24, generator: generator)
        MaxPool2d(2)
        InceptionModule(inChannels: 96, c1: 32, reduce3: 32, c3: 48, reduce5: 8, c5: 16, pool: 32, generator: generator)
        InceptionModule(inChannels: 128, c1: 48, reduce3: 32, c3: 64, reduce5: 8, c5: 24, pool: 32, generator: generator)
        MaxPool2d(2)
        AdaptiveAvgPool2d(outputSize: (1, 1))
        Flatten()
        Dropout(probability: 0.2, generator: generator)
        Linear(inputSize: 168, outputSize: classes, generator: generator)
    }
}
