/// What follows a convolution in a fused step: a residual added to its output, ReLU, then a
/// max-pool, in that order (a ResNet block's tail, or LeNet's conv + ReLU + pool).
public struct ConvolutionEpilogue {
    /// A tensor shaped like the convolution's output, added before the activation.
    public var residual: Tensor?
    /// Whether ReLU follows (after the residual).
    public var relu: Bool
    /// A max-pool over the (activated) output.
    public var maxPool: PoolingGeometry?

    public init(residual: Tensor? = nil, relu: Bool = false, maxPool: PoolingGeometry? = nil) {
        self.residual = residual
        self.relu = relu
        self.maxPool = maxPool
    }
}

/// A convolution with its bias and `epilogue` as one step:
/// `maxPool?(relu?(conv2d(x, weight) + bias + residual))`.
///
/// The composite (the ops written out) is the specification and runs whenever a gradient would
/// be recorded. When none would be (inside `withoutGradients`, or on untracked tensors) and the
/// backend offers a `ConvolutionInferenceKernel` that supports the inputs, the kernel runs the
/// whole step in one pass over the activations (the CPU's: oneDNN post-ops). When one would be
/// recorded and there is no residual, a backend's `ConvolutionTrainingKernel` runs the step as one
/// graph node instead of four (the CPU's: bias, ReLU and pool in one pass per plane, and in
/// backward one pass for the mask, the pool's scatter and the bias gradient).
///
/// input: `[batch, inChannels, height, width]`; weight: `[outChannels, inChannels / groups, kh, kw]`;
/// bias: `[outChannels]`; residual: `[batch, outChannels, outHeight, outWidth]`; returns that
/// shape, or the pooled one.
public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, stride: SpatialSize = (1, 1),
                   padding: ConvolutionPadding = .valid, dilation: SpatialSize = (1, 1), groups: Int = 1,
                   then epilogue: ConvolutionEpilogue) -> Tensor {
    let geometry = padding.geometry(stride: stride, dilation: dilation, groups: groups, kernel: (weight.shape[2], weight.shape[3]))
    // A bare convolution (nothing to fuse) stays the primitive, so its values are unchanged.
    let fuses = bias != nil || epilogue.residual != nil || epilogue.relu || epilogue.maxPool != nil
    if fuses, let kernel = Backends.current.fusedKernels.convolutionInference,
       x.rank == 4, weight.rank == 4, x.dtype == weight.dtype, weight.shape[1] * groups == x.shape[1],
       !Tensor.wouldRecord([x, weight, bias, epilogue.residual]),
       kernel.supports(x, weight: weight, geometry: geometry) {
        let (outHeight, outWidth) = geometry.outputSize(height: x.shape[2], width: x.shape[3],
                                                        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let output = [x.shape[0], weight.shape[0], outHeight, outWidth]
        if outHeight > 0, outWidth > 0, bias.map({ $0.shape == [weight.shape[0]] && $0.dtype == x.dtype }) ?? true,
           epilogue.residual.map({ $0.shape == output && $0.dtype == x.dtype }) ?? true,
           epilogue.maxPool.map({ pool in let (h, w) = pool.outputSize(height: outHeight, width: outWidth); return h > 0 && w > 0 }) ?? true {
            return kernel.forward(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue)
        }
    }
    if fuses, epilogue.residual == nil, let kernel = Backends.current.fusedKernels.convolutionTraining,
       x.rank == 4, weight.rank == 4, x.dtype == weight.dtype, weight.shape[1] * groups == x.shape[1], weight.shape[0] % groups == 0,
       Tensor.wouldRecord([x, weight, bias]), kernel.supports(x, weight: weight, geometry: geometry) {
        let (outHeight, outWidth) = geometry.outputSize(height: x.shape[2], width: x.shape[3],
                                                        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        if outHeight > 0, outWidth > 0, bias.map({ $0.shape == [weight.shape[0]] && $0.dtype == x.dtype }) ?? true,
           epilogue.maxPool.map({ pool in let (h, w) = pool.outputSize(height: outHeight, width: outWidth); return h > 0 && w > 0 }) ?? true {
            return Tensor.fusedConvolutionTraining(kernel, x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue)
        }
    }
    var y = conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    if let residual = epilogue.residual {
        precondition(residual.shape == y.shape, "conv2d: residual \(residual.shape) must match the output \(y.shape)")
        y = y + residual
    }
    if epilogue.relu { y = relu(y) }
    if let pool = epilogue.maxPool {
        y = maxPool2d(y, kernelSize: (pool.kernelHeight, pool.kernelWidth), stride: (pool.strideHeight, pool.strideWidth),
                      padding: (pool.padHeight, pool.padWidth), dilation: (pool.dilationHeight, pool.dilationWidth),
                      ceilMode: pool.ceilMode)
    }
    return y
}

extension Tensor {
    /// `conv2d(...then:)` through a backend's training kernel: the output is recorded against the
    /// input, the weight and the bias when present, in that order.
    static func fusedConvolutionTraining(_ kernel: any ConvolutionTrainingKernel, _ x: Tensor, weight: Tensor, bias: Tensor?,
                                         geometry: ConvolutionGeometry, epilogue: ConvolutionEpilogue) -> Tensor {
        let needs = ConvolutionGradientNeeds(input: x.node != nil, weight: weight.node != nil, bias: bias?.node != nil)
        let step = kernel.forward(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue, needs: needs)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        return recording(step.output, inputs: inputs,
                         DerivativeRules.convolutionTraining(kernel, x: x, weight: weight, bias: bias, geometry: geometry,
                                                             step: step, needs: needs))
    }

    /// Whether an op on `inputs` would record a gradient node (recording on, an input tracked).
    static func wouldRecord(_ inputs: [Tensor?]) -> Bool {
        GradientRecording.isEnabled && inputs.contains { $0?.node != nil }
    }
}
