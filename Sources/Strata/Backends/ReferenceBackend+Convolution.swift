// Convolution and pooling as direct loops over every tap: the specification for the oneDNN and
// C paths of the CPU backend. Float32 and float64 only.

extension ReferenceBackend {
    /// Calls `body(xIndex, weightIndex, yIndex)` for every multiply-accumulate of a convolution of
    /// dense `[n, c, h, w]` input with `[o, c / groups, kh, kw]` weight into `[n, o, oh, ow]` output.
    static func forEachTap(input: [Int], weight: [Int], output: [Int], geometry g: ConvolutionGeometry,
                           _ body: (Int, Int, Int) -> Void) {
        let (batch, channels, height, width) = (input[0], input[1], input[2], input[3])
        let (outChannels, groupChannels, kernelHeight, kernelWidth) = (weight[0], weight[1], weight[2], weight[3])
        let (outHeight, outWidth) = (output[2], output[3])
        let outPerGroup = outChannels / g.groups
        for n in 0..<batch {
            for o in 0..<outChannels {
                let group = o / outPerGroup
                for i in 0..<groupChannels {
                    let c = group * groupChannels + i
                    for ky in 0..<kernelHeight {
                        for kx in 0..<kernelWidth {
                            let weightIndex = ((o * groupChannels + i) * kernelHeight + ky) * kernelWidth + kx
                            for oy in 0..<outHeight {
                                let y = oy * g.strideHeight - g.padTop + ky * g.dilationHeight
                                guard y >= 0 && y < height else { continue }
                                for ox in 0..<outWidth {
                                    let x = ox * g.strideWidth - g.padLeft + kx * g.dilationWidth
                                    guard x >= 0 && x < width else { continue }
                                    body(((n * channels + c) * height + y) * width + x, weightIndex,
                                         ((n * outChannels + o) * outHeight + oy) * outWidth + ox)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func floatingPoint<Result>(_ dtype: DType, _ op: String, float: () -> Result, double: () -> Result) -> Result {
        switch dtype {
        case .float32: return float()
        case .float64: return double()
        default: preconditionFailure("\(op): needs float32 or float64 tensors, got \(dtype)")
        }
    }

    /// Which two of (input, weight, output) a convolution pass multiplies, and which it fills.
    private enum Pass { case forward, backwardInput, backwardWeight }

    /// One convolution pass: for every tap, accumulates the product of the two given tensors into
    /// the third, a new zero tensor of `shape`.
    private func accumulate<T: NumericScalar>(_: T.Type, _ pass: Pass, _ a: Tensor, _ b: Tensor, into shape: [Int],
                                              input: [Int], weight: [Int], output: [Int],
                                              geometry: ConvolutionGeometry) -> Tensor {
        let (first, second) = (contiguous(a), contiguous(b))
        let result = full(shape: shape, value: 0, dtype: a.dtype)
        let (p, q, y) = (first.elementPointer(as: T.self), second.elementPointer(as: T.self), result.elementPointer(as: T.self))
        Self.forEachTap(input: input, weight: weight, output: output, geometry: geometry) { xIndex, weightIndex, yIndex in
            switch pass {
            case .forward: y[yIndex] += p[xIndex] * q[weightIndex]
            case .backwardInput: y[xIndex] += p[yIndex] * q[weightIndex]
            case .backwardWeight: y[weightIndex] += p[xIndex] * q[yIndex]
            }
        }
        return result
    }

    private func convolutionPass(_ pass: Pass, _ a: Tensor, _ b: Tensor, into shape: [Int], input: [Int], weight: [Int],
                                 output: [Int], geometry: ConvolutionGeometry) -> Tensor {
        floatingPoint(a.dtype, "convolution",
                      float: { accumulate(Float.self, pass, a, b, into: shape, input: input, weight: weight, output: output, geometry: geometry) },
                      double: { accumulate(Double.self, pass, a, b, into: shape, input: input, weight: weight, output: output, geometry: geometry) })
    }

    public func convolution(_ x: Tensor, _ weight: Tensor, geometry: ConvolutionGeometry) -> Tensor {
        let (oh, ow) = geometry.outputSize(height: x.shape[2], width: x.shape[3], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let shape = [x.shape[0], weight.shape[0], oh, ow]
        return convolutionPass(.forward, x, weight, into: shape, input: x.shape, weight: weight.shape, output: shape, geometry: geometry)
    }

    public func convolutionBackwardInput(_ gradient: Tensor, _ weight: Tensor, inputShape: [Int], geometry: ConvolutionGeometry) -> Tensor {
        convolutionPass(.backwardInput, gradient, weight, into: inputShape, input: inputShape, weight: weight.shape,
                        output: gradient.shape, geometry: geometry)
    }

    public func convolutionBackwardWeight(_ x: Tensor, _ gradient: Tensor, weightShape: [Int], geometry: ConvolutionGeometry) -> Tensor {
        convolutionPass(.backwardWeight, x, gradient, into: weightShape, input: x.shape, weight: weightShape,
                        output: gradient.shape, geometry: geometry)
    }

    /// Calls `body(plane, outputIndex, inputIndices)` for every pooling window; `inputIndices`
    /// lists the in-bounds positions `row * w + column` of the window, and `area` is the divisor
    /// average pooling uses.
    static func forEachWindow(input: [Int], geometry g: PoolingGeometry,
                              _ body: (_ plane: Int, _ output: Int, _ positions: [Int], _ area: Int) -> Void) {
        let (planes, height, width) = (input[0] * input[1], input[2], input[3])
        let (outHeight, outWidth) = g.outputSize(height: height, width: width)
        for plane in 0..<planes {
            for oy in 0..<outHeight {
                for ox in 0..<outWidth {
                    let top = oy * g.strideHeight - g.padHeight, left = ox * g.strideWidth - g.padWidth
                    var positions: [Int] = []
                    for ky in 0..<g.kernelHeight {
                        for kx in 0..<g.kernelWidth {
                            let (y, x) = (top + ky * g.dilationHeight, left + kx * g.dilationWidth)
                            if y >= 0 && y < height && x >= 0 && x < width { positions.append(y * width + x) }
                        }
                    }
                    // PyTorch's divisor: the window clipped to the padded input, or to the input alone.
                    let padded = (min(top + g.kernelHeight, height + g.padHeight) - top)
                        * (min(left + g.kernelWidth, width + g.padWidth) - left)
                    body(plane, (plane * outHeight + oy) * outWidth + ox, positions, g.countIncludePad ? padded : positions.count)
                }
            }
        }
    }

    private func poolingShape(_ x: Tensor, _ g: PoolingGeometry) -> [Int] {
        let (oh, ow) = g.outputSize(height: x.shape[2], width: x.shape[3])
        return [x.shape[0], x.shape[1], oh, ow]
    }

    public func maxPool(_ x: Tensor, geometry: PoolingGeometry) -> (values: Tensor, indices: Tensor) {
        func run<T: NumericScalar>(_: T.Type) -> (Tensor, Tensor) {
            let source = contiguous(x)
            let shape = poolingShape(x, geometry)
            let values = Tensor(uninitializedShape: shape, dtype: x.dtype)
            let indices = Tensor(uninitializedShape: shape, dtype: .int64)
            let (p, v, i) = (source.elementPointer(as: T.self), values.elementPointer(as: T.self), indices.elementPointer(as: Int64.self))
            let planeSize = x.shape[2] * x.shape[3]
            Self.forEachWindow(input: x.shape, geometry: geometry) { plane, output, positions, _ in
                precondition(!positions.isEmpty, "maxPool: a window lies entirely in the padding")
                var best = positions[0]
                for position in positions.dropFirst() {
                    // PyTorch's rule: a larger value or any NaN takes over (so the last NaN wins).
                    let (candidate, current) = (p[plane * planeSize + position], p[plane * planeSize + best])
                    if candidate != candidate || candidate > current { best = position }
                }
                v[output] = p[plane * planeSize + best]
                i[output] = Int64(best)
            }
            return (values, indices)
        }
        return floatingPoint(x.dtype, "maxPool", float: { run(Float.self) }, double: { run(Double.self) })
    }

    public func averagePool(_ x: Tensor, geometry: PoolingGeometry) -> Tensor {
        func run<T: NumericScalar & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            let source = contiguous(x)
            let result = Tensor(uninitializedShape: poolingShape(x, geometry), dtype: x.dtype)
            let (p, y) = (source.elementPointer(as: T.self), result.elementPointer(as: T.self))
            let planeSize = x.shape[2] * x.shape[3]
            Self.forEachWindow(input: x.shape, geometry: geometry) { plane, output, positions, area in
                var total = T.zero
                for position in positions { total += p[plane * planeSize + position] }
                y[output] = total / T(area)
            }
            return result
        }
        return floatingPoint(x.dtype, "averagePool", float: { run(Float.self) }, double: { run(Double.self) })
    }

    public func averagePoolBackward(_ gradient: Tensor, inputShape: [Int], geometry: PoolingGeometry) -> Tensor {
        func run<T: NumericScalar & BinaryFloatingPoint>(_: T.Type) -> Tensor {
            let g = contiguous(gradient)
            let result = full(shape: inputShape, value: 0, dtype: gradient.dtype)
            let (p, y) = (g.elementPointer(as: T.self), result.elementPointer(as: T.self))
            let planeSize = inputShape[2] * inputShape[3]
            Self.forEachWindow(input: inputShape, geometry: geometry) { plane, output, positions, area in
                let share = p[output] / T(area)
                for position in positions { y[plane * planeSize + position] += share }
            }
            return result
        }
        return floatingPoint(gradient.dtype, "averagePool backward", float: { run(Float.self) }, double: { run(Double.self) })
    }
}
