import Strata

/// A 2-D convolution layer (PyTorch's `nn.Conv2d`).
///
/// input: `[batch, inChannels, height, width]`; returns `[batch, outChannels, outHeight, outWidth]`.
/// `weight` is `[outChannels, inChannels / groups, kh, kw]`. Default initialization equals
/// PyTorch's: weight and bias uniform in `±1/sqrt(fanIn)`, `fanIn = inChannels / groups * kh * kw`.
public struct Conv2d: Layer {
    public var weight: Tensor
    public var bias: Tensor?
    public var stride: SpatialSize
    public var padding: ConvolutionPadding
    public var dilation: SpatialSize
    public var groups: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: SpatialSize, stride: SpatialSize = (1, 1),
                padding: ConvolutionPadding = .valid, dilation: SpatialSize = (1, 1), groups: Int = 1, bias: Bool = true,
                dtype: DType = .float32, generator: RandomGenerator = .current) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: \(inChannels) and \(outChannels) channels must both divide into \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernelSize.height, kernelSize.width]
        weight = Initializer.kaimingUniform(a: 5.0.squareRoot()).tensor(shape, dtype: dtype, generator: generator)
        let bound = 1 / Double(Initializer.fans(shape).fanIn).squareRoot()
        self.bias = bias ? Tensor.uniform([outChannels], low: -bound, high: bound, dtype: dtype, generator: generator) : nil
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
    }

    /// A square kernel with symmetric padding: `Conv2d(inChannels: 1, outChannels: 32, kernelSize: 5, padding: 2)`.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
                groups: Int = 1, bias: Bool = true, dtype: DType = .float32, generator: RandomGenerator = .current) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: padding == 0 ? .valid : .explicit(height: padding, width: padding), dilation: (dilation, dilation),
                  groups: groups, bias: bias, dtype: dtype, generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, then: ConvolutionEpilogue())
    }

    /// The convolution followed by `epilogue` (residual, ReLU, max-pool) as one step: the
    /// backend's fused kernels run it in one pass, in inference and (without a residual) in
    /// training (see `conv2d(...then:)`).
    public func callAsFunction(_ input: Tensor, then epilogue: ConvolutionEpilogue) -> Tensor {
        conv2d(input, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups,
               then: epilogue)
    }
}

/// A 2-D transposed convolution layer (PyTorch's `nn.ConvTranspose2d`), for upsampling.
///
/// input: `[batch, inChannels, height, width]`; returns `[batch, outChannels, (height - 1) * stride
/// - 2 * padding + dilation * (kh - 1) + outputPadding + 1, ...]`. `weight` is
/// `[inChannels, outChannels / groups, kh, kw]`; PyTorch's default initialization.
public struct ConvTranspose2d: Layer {
    public var weight: Tensor
    public var bias: Tensor?
    public var stride: SpatialSize
    public var padding: SpatialSize
    public var outputPadding: SpatialSize
    public var dilation: SpatialSize
    public var groups: Int

    public init(inChannels: Int, outChannels: Int, kernelSize: SpatialSize, stride: SpatialSize = (1, 1),
                padding: SpatialSize = (0, 0), outputPadding: SpatialSize = (0, 0), dilation: SpatialSize = (1, 1),
                groups: Int = 1, bias: Bool = true, dtype: DType = .float32, generator: RandomGenerator = .current) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0,
                     "ConvTranspose2d: \(inChannels) and \(outChannels) channels must both divide into \(groups) groups")
        let shape = [inChannels, outChannels / groups, kernelSize.height, kernelSize.width]
        weight = Initializer.kaimingUniform(a: 5.0.squareRoot()).tensor(shape, dtype: dtype, generator: generator)
        let bound = 1 / Double(Initializer.fans(shape).fanIn).squareRoot()
        self.bias = bias ? Tensor.uniform([outChannels], low: -bound, high: bound, dtype: dtype, generator: generator) : nil
        self.stride = stride
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilation = dilation
        self.groups = groups
    }

    /// A square kernel: `ConvTranspose2d(inChannels: 32, outChannels: 16, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1)`.
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                groups: Int = 1, bias: Bool = true, dtype: DType = .float32, generator: RandomGenerator = .current) {
        self.init(inChannels: inChannels, outChannels: outChannels, kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
                  padding: (padding, padding), outputPadding: (outputPadding, outputPadding), groups: groups, bias: bias,
                  dtype: dtype, generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        convTranspose2d(input, weight: weight, bias: bias, stride: stride, padding: padding, outputPadding: outputPadding,
                        dilation: dilation, groups: groups)
    }
}
