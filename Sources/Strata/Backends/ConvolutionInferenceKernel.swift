/// A fused kernel for the composite `conv2d(_:weight:bias:...:then:)` in inference: the
/// convolution, bias, residual sum, ReLU and max-pool of one step, offered by a backend through
/// `FusedKernels`. It has no derivative: the op runs it only when no gradient would be recorded.
public protocol ConvolutionInferenceKernel: Sendable {
    /// Whether the kernel runs this input, weight and geometry (dtype, groups, device).
    func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool
    /// `maxPool?(relu?(convolution(x, weight) + bias + residual))`; shapes are checked by the op.
    func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                 epilogue: ConvolutionEpilogue) -> Tensor
    /// The same step on activations that may be in the kernel's blocked layout (for
    /// `conv2dInference`); with `blockedOutput` the result may be blocked too, and with
    /// `reuseResidual` it may be written over the residual's storage. Nil when the kernel does
    /// not run these inputs; the op then runs the composite on plain tensors.
    func forward(_ x: InferenceActivation, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                 residual: InferenceActivation?, relu: Bool, maxPool: PoolingGeometry?,
                 blockedOutput: Bool, reuseResidual: Bool) -> InferenceActivation?
}

extension ConvolutionInferenceKernel {
    /// Plain activations through `forward(_:weight:bias:geometry:epilogue:)`; nil for blocked ones.
    public func forward(_ x: InferenceActivation, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                        residual: InferenceActivation?, relu: Bool, maxPool: PoolingGeometry?,
                        blockedOutput: Bool, reuseResidual: Bool) -> InferenceActivation? {
        guard case .plain(let input) = x, supports(input, weight: weight, geometry: geometry) else { return nil }
        var epilogue = ConvolutionEpilogue(relu: relu, maxPool: maxPool)
        if let residual {
            guard case .plain(let tensor) = residual else { return nil }
            epilogue.residual = tensor
        }
        return .plain(forward(input, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue))
    }
}
