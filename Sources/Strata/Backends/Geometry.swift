/// The geometry of a 2-D convolution over NCHW tensors, in PyTorch's terms; padding may differ
/// per side (PyTorch's `padding="same"` pads the extra row or column at the bottom/right).
public struct ConvolutionGeometry: Hashable, Sendable {
    public var strideHeight = 1, strideWidth = 1
    public var padTop = 0, padBottom = 0, padLeft = 0, padRight = 0
    public var dilationHeight = 1, dilationWidth = 1
    public var groups = 1

    public init(strideHeight: Int = 1, strideWidth: Int = 1, padTop: Int = 0, padBottom: Int = 0, padLeft: Int = 0,
                padRight: Int = 0, dilationHeight: Int = 1, dilationWidth: Int = 1, groups: Int = 1) {
        precondition(strideHeight > 0 && strideWidth > 0, "convolution: strides must be positive")
        precondition(dilationHeight > 0 && dilationWidth > 0, "convolution: dilations must be positive")
        precondition(min(padTop, padBottom, padLeft, padRight) >= 0, "convolution: padding must not be negative")
        precondition(groups > 0, "convolution: groups must be positive")
        (self.strideHeight, self.strideWidth) = (strideHeight, strideWidth)
        (self.padTop, self.padBottom, self.padLeft, self.padRight) = (padTop, padBottom, padLeft, padRight)
        (self.dilationHeight, self.dilationWidth) = (dilationHeight, dilationWidth)
        self.groups = groups
    }

    /// The output height and width for an input of `height x width` and a `kernel` of that size.
    public func outputSize(height: Int, width: Int, kernelHeight: Int, kernelWidth: Int) -> (Int, Int) {
        let spanHeight = dilationHeight * (kernelHeight - 1) + 1
        let spanWidth = dilationWidth * (kernelWidth - 1) + 1
        return ((height + padTop + padBottom - spanHeight) / strideHeight + 1,
                (width + padLeft + padRight - spanWidth) / strideWidth + 1)
    }
}

/// The geometry of 2-D max or average pooling over NCHW tensors, with PyTorch's options.
public struct PoolingGeometry: Hashable, Sendable {
    public var kernelHeight, kernelWidth: Int
    public var strideHeight, strideWidth: Int
    public var padHeight, padWidth: Int
    /// Gaps between window taps: max pooling only (average pooling has none, as in PyTorch).
    public var dilationHeight = 1, dilationWidth = 1
    /// Round the output size up, as long as the last window starts inside the input or its
    /// left/top padding.
    public var ceilMode = false
    /// Average pooling divides by the window area including padding (PyTorch's default).
    public var countIncludePad = true

    public init(kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int, padHeight: Int = 0,
                padWidth: Int = 0, dilationHeight: Int = 1, dilationWidth: Int = 1, ceilMode: Bool = false,
                countIncludePad: Bool = true) {
        precondition(kernelHeight > 0 && kernelWidth > 0 && strideHeight > 0 && strideWidth > 0,
                     "pooling: kernel and stride must be positive")
        precondition(padHeight >= 0 && padWidth >= 0 && 2 * padHeight <= kernelHeight && 2 * padWidth <= kernelWidth,
                     "pooling: padding must be at most half the kernel, got \(padHeight)x\(padWidth) for \(kernelHeight)x\(kernelWidth)")
        (self.kernelHeight, self.kernelWidth) = (kernelHeight, kernelWidth)
        (self.strideHeight, self.strideWidth) = (strideHeight, strideWidth)
        (self.padHeight, self.padWidth) = (padHeight, padWidth)
        (self.dilationHeight, self.dilationWidth) = (dilationHeight, dilationWidth)
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }

    /// PyTorch's pooling output size along one axis.
    static func outputLength(_ input: Int, kernel: Int, stride: Int, pad: Int, dilation: Int, ceilMode: Bool) -> Int {
        let span = dilation * (kernel - 1) + 1
        let numerator = input + 2 * pad - span
        var length = (ceilMode ? (numerator + stride - 1) / stride : numerator / stride) + 1
        // The last window must start inside the input or its leading padding.
        if ceilMode && (length - 1) * stride >= input + pad { length -= 1 }
        return length
    }

    public func outputSize(height: Int, width: Int) -> (Int, Int) {
        (Self.outputLength(height, kernel: kernelHeight, stride: strideHeight, pad: padHeight, dilation: dilationHeight, ceilMode: ceilMode),
         Self.outputLength(width, kernel: kernelWidth, stride: strideWidth, pad: padWidth, dilation: dilationWidth, ceilMode: ceilMode))
    }
}
