import Strata

/// GoogLeNet (Szegedy et al., 2015, "Going deeper with convolutions") with torchvision's layout
/// and parameter names (`conv1.conv`, `inception3a.branch2.1.bn`, `aux1.fc2`, `fc`), so its
/// state dictionary moves to and from `torchvision.models.googlenet()`. As in torchvision,
/// every convolution is a `ConvBNReLU` (batch norm epsilon 0.001), the third branch of each
/// Inception module has a 3x3 kernel, and the max-pools between stages round up (`ceilMode`).
///
/// input: `[batch, 3, h, w]`, h and w at least 32 (224 for ImageNet);
/// returns logits `[batch, classes]`. `outputs(_:)` adds the auxiliary heads' logits.
public struct GoogLeNet: Layer {
    public var conv1: ConvBNReLU
    public var conv2: ConvBNReLU
    public var conv3: ConvBNReLU
    public var inception3a: InceptionModule
    public var inception3b: InceptionModule
    public var inception4a: InceptionModule
    public var inception4b: InceptionModule
    public var inception4c: InceptionModule
    public var inception4d: InceptionModule
    public var inception4e: InceptionModule
    public var inception5a: InceptionModule
    public var inception5b: InceptionModule
    /// The auxiliary classifiers after `inception4a` and `inception4d` (nil without them).
    public var aux1: InceptionAux?
    public var aux2: InceptionAux?
    public var dropout: Dropout
    public var fc: Linear
    /// Whether the input is first mapped from torchvision's ImageNet normalization (mean
    /// (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225)) to the [-1, 1] scaling Google's
    /// original weights expect: channel c becomes `x * std[c] / 0.5 + (mean[c] - 0.5) / 0.5`.
    /// torchvision turns it on when it loads its pretrained weights.
    public var transformInput: Bool

    /// - Parameters:
    ///   - auxiliaryHeads: build `aux1` and `aux2` (torchvision's `aux_logits`, default true).
    ///   - transformInput: see `transformInput` (torchvision's default without weights: false).
    ///   - dropout: before `fc` (default 0.2); `auxiliaryDropout` inside the auxiliary heads (0.7).
    ///
    /// Convolution and linear weights are drawn from N(0, 0.01^2), batch norm starts at 1 and 0,
    /// as torchvision's `init_weights` does (its truncation at +-2 never binds at that scale).
    public init(classes: Int = 1000, auxiliaryHeads: Bool = true, transformInput: Bool = false, dropout: Double = 0.2,
                auxiliaryDropout: Double = 0.7, generator: RandomGenerator = .current) {
        func inception(_ inChannels: Int, _ c1: Int, _ reduce3: Int, _ c3: Int, _ reduce5: Int, _ c5: Int, _ pool: Int)
            -> InceptionModule {
            InceptionModule(inChannels: inChannels, c1: c1, reduce3: reduce3, c3: c3, reduce5: reduce5, c5: c5, pool: pool,
                            wideKernelSize: 3, generator: generator)
        }
        conv1 = ConvBNReLU(inChannels: 3, outChannels: 64, kernelSize: 7, stride: 2, padding: 3, generator: generator)
        conv2 = ConvBNReLU(inChannels: 64, outChannels: 64, kernelSize: 1, generator: generator)
        conv3 = ConvBNReLU(inChannels: 64, outChannels: 192, kernelSize: 3, padding: 1, generator: generator)
        // The widths of Table 1 of the paper, as torchvision lists them.
        inception3a = inception(192, 64, 96, 128, 16, 32, 32)
        inception3b = inception(256, 128, 128, 192, 32, 96, 64)
        inception4a = inception(480, 192, 96, 208, 16, 48, 64)
        inception4b = inception(512, 160, 112, 224, 24, 64, 64)
        inception4c = inception(512, 128, 128, 256, 24, 64, 64)
        inception4d = inception(512, 112, 144, 288, 32, 64, 64)
        inception4e = inception(528, 256, 160, 320, 32, 128, 128)
        inception5a = inception(832, 256, 160, 320, 32, 128, 128)
        inception5b = inception(832, 384, 192, 384, 48, 128, 128)
        aux1 = auxiliaryHeads ? InceptionAux(inChannels: 512, classes: classes, dropout: auxiliaryDropout, generator: generator) : nil
        aux2 = auxiliaryHeads ? InceptionAux(inChannels: 528, classes: classes, dropout: auxiliaryDropout, generator: generator) : nil
        self.dropout = Dropout(probability: dropout, generator: generator)
        fc = Linear(inputSize: 1024, outputSize: classes, generator: generator)
        self.transformInput = transformInput
        visitParameters { _, tensor, kind in
            if kind == .parameter && tensor.rank >= 2 {
                tensor = Initializer.normal(standardDeviation: 0.01).tensor(tensor.shape, dtype: tensor.dtype, generator: generator)
            }
        }
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("conv1", &conv1)
        visitor.visit("conv2", &conv2)
        visitor.visit("conv3", &conv3)
        visitor.visit("inception3a", &inception3a)
        visitor.visit("inception3b", &inception3b)
        visitor.visit("inception4a", &inception4a)
        visitor.visit("inception4b", &inception4b)
        visitor.visit("inception4c", &inception4c)
        visitor.visit("inception4d", &inception4d)
        visitor.visit("inception4e", &inception4e)
        visitor.visit("inception5a", &inception5a)
        visitor.visit("inception5b", &inception5b)
        if aux1 != nil { visitor.visit("aux1", &aux1!) }
        if aux2 != nil { visitor.visit("aux2", &aux2!) }
        visitor.visit("dropout", &dropout)
        visitor.visit("fc", &fc)
    }

    /// The main logits `[batch, classes]`; the auxiliary heads are not run.
    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input, auxiliary: false).logits }

    /// The main logits and, when the heads exist, the auxiliary logits (each `[batch, classes]`),
    /// for training with the paper's loss `loss(logits) + 0.3 (loss(aux1) + loss(aux2))`.
    /// torchvision returns them only in training mode; here the caller asks for them.
    public func outputs(_ input: Tensor) -> GoogLeNetOutputs { forward(input, auxiliary: true) }

    private func forward(_ input: Tensor, auxiliary: Bool) -> GoogLeNetOutputs {
        precondition(input.rank == 4 && input.shape[1] == 3, "GoogLeNet: input must be [batch, 3, h, w], got \(input.shape)")
        func pool(_ x: Tensor, _ kernel: Int) -> Tensor {
            maxPool2d(x, kernelSize: (kernel, kernel), stride: (2, 2), ceilMode: true)
        }
        var x = transformInput ? Self.transformedInput(input) : input
        x = pool(conv3(conv2(pool(conv1(x), 3))), 3)
        x = pool(inception3b(inception3a(x)), 3)
        x = inception4a(x)
        let logits1 = auxiliary ? aux1.map { $0(x) } : nil
        x = inception4d(inception4c(inception4b(x)))
        let logits2 = auxiliary ? aux2.map { $0(x) } : nil
        x = inception5b(inception5a(pool(inception4e(x), 2)))
        let logits = fc(dropout(globalAvgPool2d(x).flattened(startAxis: 1)))
        return GoogLeNetOutputs(logits: logits, auxiliaryLogits2: logits2, auxiliaryLogits1: logits1)
    }

    /// torchvision's `_transform_input`: `[batch, 3, h, w]` normalized with ImageNet's mean and
    /// std -> the same images scaled to [-1, 1] (see `transformInput`).
    public static func transformedInput(_ input: Tensor) -> Tensor {
        let mean = [0.485, 0.456, 0.406], standardDeviation = [0.229, 0.224, 0.225]
        let scale = Tensor(standardDeviation.map { $0 / 0.5 }, shape: [1, 3, 1, 1]).cast(to: input.dtype)
        let shift = Tensor(mean.map { ($0 - 0.5) / 0.5 }, shape: [1, 3, 1, 1]).cast(to: input.dtype)
        return input * scale + shift
    }
}

/// What `GoogLeNet.outputs(_:)` returns, in torchvision's order (`GoogLeNetOutputs`): the main
/// logits, then the second and first auxiliary logits, each `[batch, classes]`.
public struct GoogLeNetOutputs {
    public let logits: Tensor
    public let auxiliaryLogits2: Tensor?
    public let auxiliaryLogits1: Tensor?
}

/// GoogLeNet's auxiliary classifier (torchvision's `InceptionAux`): adaptive average pooling to
/// 4x4, a 1x1 `ConvBNReLU` to 128 channels, linear 2048 -> 1024 + ReLU, dropout, linear to classes.
///
/// input: `[batch, inChannels, h, w]`; returns logits `[batch, classes]`.
public struct InceptionAux: Layer {
    public var conv: ConvBNReLU
    public var fc1: Linear
    public var fc2: Linear
    public var dropout: Dropout

    public init(inChannels: Int, classes: Int, dropout: Double = 0.7, generator: RandomGenerator = .current) {
        conv = ConvBNReLU(inChannels: inChannels, outChannels: 128, kernelSize: 1, generator: generator)
        fc1 = Linear(inputSize: 128 * 4 * 4, outputSize: 1024, generator: generator)
        fc2 = Linear(inputSize: 1024, outputSize: classes, generator: generator)
        self.dropout = Dropout(probability: dropout, generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("conv", &conv)
        visitor.visit("fc1", &fc1)
        visitor.visit("fc2", &fc2)
        visitor.visit("dropout", &dropout)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let pooled = adaptiveAvgPool2d(input, outputSize: (4, 4))
        return fc2(dropout(relu(fc1(conv(pooled).flattened(startAxis: 1)))))
    }
}
