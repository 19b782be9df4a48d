// 2-D pooling over `[batch, channels, height, width]`, with PyTorch's options and output sizes.

private func checkPooling(_ op: String, _ x: Tensor) {
    precondition(x.rank == 4, "\(op): input must be [batch, channels, height, width], got \(x.shape)")
    precondition(x.dtype.isFloatingPoint, "\(op): needs a floating-point tensor, got \(x.dtype)")
}

/// Max pooling; `stride` defaults to the kernel size. The gradient flows to each window's maximum.
public func maxPool2d(_ x: Tensor, kernelSize: SpatialSize, stride: SpatialSize? = nil, padding: SpatialSize = (0, 0),
                      dilation: SpatialSize = (1, 1), ceilMode: Bool = false) -> Tensor {
    checkPooling("maxPool2d", x)
    let stride = stride ?? kernelSize
    let geometry = PoolingGeometry(kernelHeight: kernelSize.height, kernelWidth: kernelSize.width,
                                   strideHeight: stride.height, strideWidth: stride.width,
                                   padHeight: padding.height, padWidth: padding.width,
                                   dilationHeight: dilation.height, dilationWidth: dilation.width, ceilMode: ceilMode)
    let (height, width) = geometry.outputSize(height: x.shape[2], width: x.shape[3])
    precondition(height > 0 && width > 0, "maxPool2d: kernel \(kernelSize) is larger than the padded input \(x.shape)")
    return Tensor.maxPoolPrimitive(x, geometry: geometry)
}

/// Average pooling; `stride` defaults to the kernel size; the divisor counts padding unless
/// `countIncludePad` is false.
public func avgPool2d(_ x: Tensor, kernelSize: SpatialSize, stride: SpatialSize? = nil, padding: SpatialSize = (0, 0),
                      ceilMode: Bool = false, countIncludePad: Bool = true) -> Tensor {
    checkPooling("avgPool2d", x)
    let stride = stride ?? kernelSize
    let geometry = PoolingGeometry(kernelHeight: kernelSize.height, kernelWidth: kernelSize.width,
                                   strideHeight: stride.height, strideWidth: stride.width,
                                   padHeight: padding.height, padWidth: padding.width, ceilMode: ceilMode,
                                   countIncludePad: countIncludePad)
    let (height, width) = geometry.outputSize(height: x.shape[2], width: x.shape[3])
    precondition(height > 0 && width > 0, "avgPool2d: kernel \(kernelSize) is larger than the padded input \(x.shape)")
    return Tensor.averagePoolPrimitive(x, geometry: geometry)
}

/// Average pooling to a fixed output size, with PyTorch's adaptive windows: output cell `i` of
/// an axis of length `n` averages positions `floor(i n / out) ..< ceil((i + 1) n / out)`.
public func adaptiveAvgPool2d(_ x: Tensor, outputSize: SpatialSize) -> Tensor {
    checkPooling("adaptiveAvgPool2d", x)
    let (height, width) = (x.shape[2], x.shape[3])
    precondition(outputSize.height > 0 && outputSize.width > 0, "adaptiveAvgPool2d: output size must be positive")
    if outputSize == (1, 1) { return globalAvgPool2d(x) }
    if height % outputSize.height == 0 && width % outputSize.width == 0 {
        let kernel = (height / outputSize.height, width / outputSize.width)
        return avgPool2d(x, kernelSize: kernel)
    }
    func bounds(_ index: Int, _ length: Int, _ count: Int) -> (Int, Int) {
        (index * length / count, ((index + 1) * length + count - 1) / count)
    }
    let rows = (0..<outputSize.height).map { row -> Tensor in
        let (top, bottom) = bounds(row, height, outputSize.height)
        let cells = (0..<outputSize.width).map { column -> Tensor in
            let (left, right) = bounds(column, width, outputSize.width)
            return x.sliced(axis: 2, start: top, end: bottom).sliced(axis: 3, start: left, end: right)
                .mean(alongAxes: [2, 3], keepDims: true)
        }
        return Tensor.concat(cells, axis: 3)
    }
    return Tensor.concat(rows, axis: 2)
}

/// The mean over each channel's plane: `[batch, channels, height, width] -> [batch, channels, 1, 1]`.
public func globalAvgPool2d(_ x: Tensor) -> Tensor {
    checkPooling("globalAvgPool2d", x)
    return x.mean(alongAxes: [2, 3], keepDims: true)
}
