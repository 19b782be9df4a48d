import CStrataDNNL
import CStrataKernels

/// The CPU's convolution step in training (float32), around the backend's oneDNN convolutions
/// (batch split over the pool) with C epilogues and no intermediate tensor per op.
///
/// LeNet's case (a 2x2, stride-2 max-pool, and plans that keep the convolution's output in
/// oneDNN's nChw16c layout): the convolution writes that layout, one pass applies bias and ReLU
/// and pools it into plain NCHW; backward writes the convolution output's gradient straight in
/// nChw16c (ReLU mask, the pool's scatter and the bias gradient in one pass) and hands it to the
/// two backward convolutions as they read it. The full-size activations and their gradient are
/// never reordered. Otherwise: the convolution in plain NCHW, then bias and ReLU in place and
/// the max-pool (`strata_max_pool_f32`, the composite's own kernel) a few planes at a time, and
/// backward in plain NCHW.
struct CPUConvolutionTrainingKernel: ConvolutionTrainingKernel {
    static let block = 16

    func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool {
        x.dtype == .float32 && weight.dtype == .float32 && x.shape[0] > 0 && x.scalarCount > 0 && weight.scalarCount > 0
    }

    func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, epilogue: ConvolutionEpilogue,
                 needs: ConvolutionGradientNeeds) -> ConvolutionTrainingStep {
        precondition(epilogue.residual == nil, "CPUConvolutionTrainingKernel: a residual runs as the composite")
        let (outHeight, outWidth) = geometry.outputSize(height: x.shape[2], width: x.shape[3],
                                                        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let convolved = [x.shape[0], weight.shape[0], outHeight, outWidth]
        if let pool = epilogue.maxPool, Self.isPlainMaxPool2(pool, height: outHeight, width: outWidth),
           usesBlockedLayout(x, weight: weight, convolved: convolved, geometry: geometry, needs: needs),
           let step = blockedForward(x, weight: weight, bias: bias, geometry: geometry, relu: epilogue.relu, convolved: convolved) {
            return step
        }
        return plainForward(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue)
    }

    func backward(_ gradient: Tensor, x: Tensor, weight: Tensor, geometry: ConvolutionGeometry, step: ConvolutionTrainingStep,
                  needs: ConvolutionGradientNeeds) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        let g = gradient.contiguous()
        let (dy, bias) = step.channelBlock == Self.block ? blockedEpilogueBackward(g, step: step, bias: needs.bias)
            : plainEpilogueBackward(g, step: step, bias: needs.bias)
        let layouts: (input: Int32, weight: Int32) = step.channelBlock == Self.block ? (1, 2) : (0, 0)
        let backend = CPUBackend.shared
        let dx = !needs.input ? nil
            : backend.runConvolution(STRATA_CONV_BACKWARD_DATA, first: dy, second: weight, outputShape: x.shape, input: x.shape,
                                     weight: weight.shape, output: step.convolvedShape, geometry: geometry, layouts: layouts.input)
            ?? backend.convolutionBackwardInput(plain(dy, step), weight, inputShape: x.shape, geometry: geometry)
        let dw = !needs.weight ? nil
            : backend.runConvolution(STRATA_CONV_BACKWARD_WEIGHTS, first: x, second: dy, outputShape: weight.shape, input: x.shape,
                                     weight: weight.shape, output: step.convolvedShape, geometry: geometry, layouts: layouts.weight)
            ?? backend.convolutionBackwardWeight(x, plain(dy, step), weightShape: weight.shape, geometry: geometry)
        return (dx, dw, bias)
    }

    /// The 2x2, stride-2, unpadded max-pool whose windows all lie inside the convolution's output.
    private static func isPlainMaxPool2(_ pool: PoolingGeometry, height: Int, width: Int) -> Bool {
        pool.kernelHeight == 2 && pool.kernelWidth == 2 && pool.strideHeight == 2 && pool.strideWidth == 2 && pool.padHeight == 0
            && pool.padWidth == 0 && pool.dilationHeight == 1 && pool.dilationWidth == 1
            && pool.outputSize(height: height, width: width) == (height / 2, width / 2) && height >= 2 && width >= 2
    }

    /// Whether the forward plans write the output, and the backward plans that will run read its
    /// gradient, in nChw16c.
    private func usesBlockedLayout(_ x: Tensor, weight: Tensor, convolved: [Int], geometry: ConvolutionGeometry,
                                   needs: ConvolutionGradientNeeds) -> Bool {
        let backend = CPUBackend.shared
        func keeps(_ kind: strata_conv_kind, _ tensor: Int32) -> Bool {
            backend.convolutionKeepsBlocked16(kind, tensor: tensor, input: x.shape, weight: weight.shape, output: convolved,
                                              geometry: geometry)
        }
        return geometry.groups == 1 && keeps(STRATA_CONV_FORWARD, 2) && (!needs.input || keeps(STRATA_CONV_BACKWARD_DATA, 0))
            && (!needs.weight || keeps(STRATA_CONV_BACKWARD_WEIGHTS, 1))
    }

    /// `[batch, channels rounded up to the block, height, width]`: nChw16c's size as a shape.
    private static func blockedShape(_ shape: [Int]) -> [Int] {
        [shape[0], (shape[1] + block - 1) / block * block, shape[2], shape[3]]
    }

    private func blockedForward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, relu: Bool,
                                convolved: [Int]) -> ConvolutionTrainingStep? {
        guard let y = CPUBackend.shared.runConvolution(STRATA_CONV_FORWARD, first: x, second: weight, outputShape: Self.blockedShape(convolved),
                                                       input: x.shape, weight: weight.shape, output: convolved, geometry: geometry,
                                                       layouts: 4)
        else { return nil }
        let (channels, height, width) = (convolved[1], convolved[2], convolved[3])
        let pooledShape = [convolved[0], channels, height / 2, width / 2]
        let values = Tensor(uninitializedShape: pooledShape, dtype: .float32)
        let indices = Tensor(uninitializedShape: pooledShape, dtype: .int64)
        let biasValues = bias?.contiguous()
        let blocks = convolved[0] * ((channels + Self.block - 1) / Self.block)
        let grain = max(1, CPUBackend.parallelGrain / max(height * width * Self.block, 1))
        ThreadPool.shared.forEachChunk(of: blocks, grain: grain) { chunk in
            strata_bias_relu_max_pool_2x2_blocked16_f32(
                y.elementPointer(as: Float.self), biasValues?.elementPointer(as: Float.self), values.elementPointer(as: Float.self),
                indices.elementPointer(as: Int64.self), channels, height, width, height / 2, width / 2, relu ? 1 : 0,
                chunk.lowerBound, chunk.upperBound)
        }
        withExtendedLifetime((y, biasValues)) {}
        return ConvolutionTrainingStep(output: values, poolIndices: indices, relu: relu, convolvedShape: convolved,
                                       channelBlock: Self.block)
    }

    private func blockedEpilogueBackward(_ g: Tensor, step: ConvolutionTrainingStep, bias: Bool) -> (Tensor, Tensor?) {
        let shape = step.convolvedShape
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let dy = Tensor(uninitializedShape: Self.blockedShape(shape), dtype: .float32)
        var sums = [Double](repeating: 0, count: bias ? channels : 0)
        let indices = step.poolIndices!
        let channelBlocks = (channels + Self.block - 1) / Self.block
        let grain = max(1, CPUBackend.parallelGrain / max(batch * height * width * Self.block, 1))
        sums.withUnsafeMutableBufferPointer { sums in
            let sumPointer = sums.baseAddress
            ThreadPool.shared.forEachChunk(of: channelBlocks, grain: grain) { chunk in
                strata_max_pool_2x2_backward_blocked16_f32(
                    g.elementPointer(as: Float.self), step.output.elementPointer(as: Float.self), indices.elementPointer(as: Int64.self),
                    dy.elementPointer(as: Float.self), bias ? sumPointer : nil, batch, channels, height, width, height / 2, width / 2,
                    step.relu ? 1 : 0, chunk.lowerBound, chunk.upperBound)
            }
        }
        withExtendedLifetime((g, step.output, indices)) {}
        return (dy, bias ? Tensor(sums.map { Float($0) }, shape: [channels]) : nil)
    }

    /// `dy` in plain NCHW, for the reference fallback when a blocked plan failed to run.
    private func plain(_ dy: Tensor, _ step: ConvolutionTrainingStep) -> Tensor {
        guard step.channelBlock == Self.block else { return dy }
        let shape = step.convolvedShape
        // [n, cb, h, w, 16] -> [n, cb, 16, h, w] -> [n, cb * 16, h, w], then the real channels.
        let planes = dy.reshaped(to: [shape[0], dy.shape[1] / Self.block, shape[2], shape[3], Self.block])
            .permuted([0, 1, 4, 2, 3]).contiguous().reshaped(to: [shape[0], dy.shape[1], shape[2], shape[3]])
        return planes.sliced(axis: 1, start: 0, end: shape[1]).contiguous()
    }

    private func plainForward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                              epilogue: ConvolutionEpilogue) -> ConvolutionTrainingStep {
        var y = Backends.current.convolution(x, weight, geometry: geometry)
        if !(y.isContiguous && y.offset == 0 && isKnownUniquelyReferenced(&y.storage)) {
            let copy = Tensor(uninitializedShape: y.shape, dtype: .float32)
            CPUBackend.shared.copy(y, into: copy)
            y = copy
        }
        let shape = y.shape
        let (channels, planes, planeSize) = (shape[1], shape[0] * shape[1], shape[2] * shape[3])
        let biasValues = bias?.contiguous()
        let target = y.elementPointer(as: Float.self)
        let shift = biasValues?.elementPointer(as: Float.self)
        let relu: Int32 = epilogue.relu ? 1 : 0
        let grain = max(1, CPUBackend.parallelGrain / max(planeSize, 1))
        guard let pool = epilogue.maxPool else {
            if bias != nil || epilogue.relu {
                ThreadPool.shared.forEachChunk(of: planes, grain: grain) { chunk in
                    strata_bias_relu_planes_f32(target + chunk.lowerBound * planeSize, shift, chunk.lowerBound, chunk.count,
                                                channels, planeSize, relu)
                }
            }
            withExtendedLifetime(biasValues) {}
            return ConvolutionTrainingStep(output: y, poolIndices: nil, relu: epilogue.relu, convolvedShape: shape)
        }
        let (outHeight, outWidth) = pool.outputSize(height: shape[2], width: shape[3])
        let values = Tensor(uninitializedShape: [shape[0], channels, outHeight, outWidth], dtype: .float32)
        let indices = Tensor(uninitializedShape: values.shape, dtype: .int64)
        let (pooled, positions, outPlane) = (values.elementPointer(as: Float.self), indices.elementPointer(as: Int64.self),
                                             outHeight * outWidth)
        // A few planes per step: bias and ReLU, then the pool while they are still in cache.
        let block = max(1, 16_384 / max(planeSize, 1))
        ThreadPool.shared.forEachChunk(of: planes, grain: grain) { chunk in
            var first = chunk.lowerBound
            while first < chunk.upperBound {
                let count = min(block, chunk.upperBound - first)
                if bias != nil || epilogue.relu {
                    strata_bias_relu_planes_f32(target + first * planeSize, shift, first, count, channels, planeSize, relu)
                }
                var poolShape = strata_pool_shape(
                    planes: count, height: shape[2], width: shape[3], out_height: outHeight, out_width: outWidth,
                    kernel_height: pool.kernelHeight, kernel_width: pool.kernelWidth, stride_height: pool.strideHeight,
                    stride_width: pool.strideWidth, pad_height: pool.padHeight, pad_width: pool.padWidth,
                    dilation_height: pool.dilationHeight, dilation_width: pool.dilationWidth, count_include_pad: 0)
                strata_max_pool_f32(target + first * planeSize, pooled + first * outPlane, positions + first * outPlane, &poolShape)
                first += count
            }
        }
        withExtendedLifetime((y, biasValues)) {}
        return ConvolutionTrainingStep(output: values, poolIndices: indices, relu: epilogue.relu, convolvedShape: shape)
    }

    private func plainEpilogueBackward(_ g: Tensor, step: ConvolutionTrainingStep, bias: Bool) -> (Tensor, Tensor?) {
        let shape = step.convolvedShape
        let (batch, channels) = (shape[0], shape[1])
        if step.poolIndices == nil, !step.relu, !bias { return (g, nil) }
        let convolved = Tensor(uninitializedShape: shape, dtype: .float32)
        var sums = [Double](repeating: 0, count: bias ? channels : 0)
        let (resultPlane, convolvedPlane) = (Shape.count(Array(step.output.shape.dropFirst(2))), shape[2] * shape[3])
        let indices = step.poolIndices
        let grain = max(1, CPUBackend.parallelGrain / max(batch * convolvedPlane, 1))
        sums.withUnsafeMutableBufferPointer { sums in
            let sumPointer = sums.baseAddress
            ThreadPool.shared.forEachChunk(of: channels, grain: grain) { chunk in
                strata_conv_epilogue_backward_f32(
                    g.elementPointer(as: Float.self), step.output.elementPointer(as: Float.self),
                    indices?.elementPointer(as: Int64.self), convolved.elementPointer(as: Float.self), bias ? sumPointer : nil,
                    batch, channels, chunk.lowerBound, chunk.upperBound, resultPlane, convolvedPlane, step.relu ? 1 : 0)
            }
        }
        withExtendedLifetime((g, step.output, indices)) {}
        return (convolved, bias ? Tensor(sums.map { Float($0) }, shape: [channels]) : nil)
    }
}
