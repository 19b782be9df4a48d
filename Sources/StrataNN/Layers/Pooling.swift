import Strata

/// 2-D max pooling (PyTorch's `nn.MaxPool2d`); `stride` defaults to the kernel size.
public struct MaxPool2d: Layer {
    public var kernelSize: SpatialSize
    public var stride: SpatialSize?
    public var padding: SpatialSize
    public var dilation: SpatialSize
    public var ceilMode: Bool

    public init(kernelSize: SpatialSize, stride: SpatialSize? = nil, padding: SpatialSize = (0, 0),
                dilation: SpatialSize = (1, 1), ceilMode: Bool = false) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.ceilMode = ceilMode
    }

    /// A square window: `MaxPool2d(2)`.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, ceilMode: Bool = false) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding), ceilMode: ceilMode)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}

    public func callAsFunction(_ input: Tensor) -> Tensor {
        maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The pooling as a geometry, for a fused convolution step (`ConvolutionEpilogue.maxPool`).
    public var geometry: PoolingGeometry {
        let stride = stride ?? kernelSize
        return PoolingGeometry(kernelHeight: kernelSize.height, kernelWidth: kernelSize.width, strideHeight: stride.height,
                               strideWidth: stride.width, padHeight: padding.height, padWidth: padding.width,
                               dilationHeight: dilation.height, dilationWidth: dilation.width, ceilMode: ceilMode)
    }
}

/// 2-D average pooling (PyTorch's `nn.AvgPool2d`); `stride` defaults to the kernel size.
public struct AvgPool2d: Layer {
    public var kernelSize: SpatialSize
    public var stride: SpatialSize?
    public var padding: SpatialSize
    public var ceilMode: Bool
    public var countIncludePad: Bool

    public init(kernelSize: SpatialSize, stride: SpatialSize? = nil, padding: SpatialSize = (0, 0), ceilMode: Bool = false,
                countIncludePad: Bool = true) {
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    /// A square window: `AvgPool2d(2)`.
    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        self.init(kernelSize: (kernelSize, kernelSize), stride: stride.map { ($0, $0) }, padding: (padding, padding))
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}

    public func callAsFunction(_ input: Tensor) -> Tensor {
        avgPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode, countIncludePad: countIncludePad)
    }
}

/// Average pooling to a fixed output size (PyTorch's `nn.AdaptiveAvgPool2d`); `(1, 1)` is global
/// average pooling.
public struct AdaptiveAvgPool2d: Layer {
    public var outputSize: SpatialSize

    public init(outputSize: SpatialSize) {
        self.outputSize = outputSize
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}

    public func callAsFunction(_ input: Tensor) -> Tensor {
        adaptiveAvgPool2d(input, outputSize: outputSize)
    }
}
