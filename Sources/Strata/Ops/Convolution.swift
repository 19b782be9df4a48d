/// How a convolution pads its input.
public enum ConvolutionPadding: Sendable, Equatable {
    /// No padding.
    case valid
    /// Zeros on each side: `height` rows above and below, `width` columns left and right.
    case explicit(height: Int, width: Int)
    /// Output the size of the input (stride 1 only); an odd total goes to the bottom/right, as PyTorch.
    case same
}

/// A pair of sizes for height and width.
public typealias SpatialSize = (height: Int, width: Int)

private func checkConvolution(_ op: String, _ x: Tensor, _ weight: Tensor, channelAxis: Int, groups: Int) {
    precondition(x.rank == 4 && weight.rank == 4, "\(op): input \(x.shape) and weight \(weight.shape) must both be 4-D")
    precondition(x.dtype == weight.dtype, "\(op): dtypes differ: input \(x.dtype), weight \(weight.dtype)")
    precondition(groups > 0 && x.shape[1] % groups == 0, "\(op): \(x.shape[1]) input channels are not divisible by \(groups) groups")
}

extension ConvolutionPadding {
    /// The convolution geometry of this padding for a kernel of `kernel` size.
    func geometry(stride: SpatialSize, dilation: SpatialSize, groups: Int, kernel: SpatialSize) -> ConvolutionGeometry {
        switch self {
        case .valid:
            return ConvolutionGeometry(strideHeight: stride.height, strideWidth: stride.width,
                                       dilationHeight: dilation.height, dilationWidth: dilation.width, groups: groups)
        case .explicit(let height, let width):
            return ConvolutionGeometry(strideHeight: stride.height, strideWidth: stride.width, padTop: height, padBottom: height,
                                       padLeft: width, padRight: width, dilationHeight: dilation.height,
                                       dilationWidth: dilation.width, groups: groups)
        case .same:
            precondition(stride == (1, 1), "conv2d: padding .same needs stride 1, got \(stride)")
            let totalHeight = dilation.height * (kernel.height - 1), totalWidth = dilation.width * (kernel.width - 1)
            return ConvolutionGeometry(padTop: totalHeight / 2, padBottom: totalHeight - totalHeight / 2,
                                       padLeft: totalWidth / 2, padRight: totalWidth - totalWidth / 2,
                                       dilationHeight: dilation.height, dilationWidth: dilation.width, groups: groups)
        }
    }
}

/// 2-D convolution (cross-correlation, as PyTorch's `conv2d`).
///
/// input: `[batch, inChannels, height, width]`; weight: `[outChannels, inChannels / groups, kh, kw]`;
/// bias: `[outChannels]`; returns `[batch, outChannels, outHeight, outWidth]`.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: SpatialSize = (1, 1),
                   padding: ConvolutionPadding = .valid, dilation: SpatialSize = (1, 1), groups: Int = 1) -> Tensor {
    checkConvolution("conv2d", x, weight, channelAxis: 1, groups: groups)
    precondition(weight.shape[1] * groups == x.shape[1] && weight.shape[0] % groups == 0,
                 "conv2d: weight \(weight.shape) does not fit input \(x.shape) with \(groups) groups")
    let geometry = padding.geometry(stride: stride, dilation: dilation, groups: groups, kernel: (weight.shape[2], weight.shape[3]))
    let (outHeight, outWidth) = geometry.outputSize(height: x.shape[2], width: x.shape[3],
                                                kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
    precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel \(weight.shape) does not fit input \(x.shape) with this padding")
    let y = Tensor.convolutionPrimitive(x, weight, geometry: geometry)
    guard let bias else { return y }
    precondition(bias.shape == [weight.shape[0]], "conv2d: bias \(bias.shape) must be [\(weight.shape[0])]")
    return y + bias.reshaped(to: [1, -1, 1, 1])
}

/// 2-D transposed convolution (PyTorch's `conv_transpose2d`), the gradient of `conv2d` with
/// respect to its input, used to upsample.
///
/// input: `[batch, inChannels, height, width]`; weight: `[inChannels, outChannels / groups, kh, kw]`;
/// returns `[batch, outChannels, (height - 1) * stride - 2 * padding + dilation * (kh - 1) + outputPadding + 1, ...]`.
public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: SpatialSize = (1, 1),
                            padding: SpatialSize = (0, 0), outputPadding: SpatialSize = (0, 0),
                            dilation: SpatialSize = (1, 1), groups: Int = 1) -> Tensor {
    checkConvolution("convTranspose2d", x, weight, channelAxis: 1, groups: groups)
    precondition(weight.shape[0] == x.shape[1], "convTranspose2d: weight \(weight.shape) does not fit input \(x.shape)")
    precondition(outputPadding.height < max(stride.height, dilation.height) && outputPadding.width < max(stride.width, dilation.width),
                 "convTranspose2d: outputPadding \(outputPadding) must be smaller than the stride or dilation")
    let outChannels = weight.shape[1] * groups
    let height = (x.shape[2] - 1) * stride.height - 2 * padding.height + dilation.height * (weight.shape[2] - 1) + outputPadding.height + 1
    let width = (x.shape[3] - 1) * stride.width - 2 * padding.width + dilation.width * (weight.shape[3] - 1) + outputPadding.width + 1
    precondition(height > 0 && width > 0, "convTranspose2d: the output of \(x.shape) with this geometry would be empty")
    let geometry = ConvolutionGeometry(strideHeight: stride.height, strideWidth: stride.width, padTop: padding.height,
                                       padBottom: padding.height, padLeft: padding.width, padRight: padding.width,
                                       dilationHeight: dilation.height, dilationWidth: dilation.width, groups: groups)
    let y = Tensor.transposedConvolutionPrimitive(x, weight, outputShape: [x.shape[0], outChannels, height, width], geometry: geometry)
    guard let bias else { return y }
    precondition(bias.shape == [outChannels], "convTranspose2d: bias \(bias.shape) must be [\(outChannels)]")
    return y + bias.reshaped(to: [1, -1, 1, 1])
}
