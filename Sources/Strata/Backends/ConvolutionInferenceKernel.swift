/// A fused kernel for the composite `conv2d(_:weight:bias:...:then:)` in inference: the
/// convolution, bias, residual sum, ReLU and max-pool of one step, offered by a backend through
/// `FusedKernels`. It has no derivative: the op runs it only when no gradient would be recorded.
public protocol ConvolutionInferenceKernel: Sendable {
    /// Whether the kernel runs this input, weight and geometry (dtype, groups, device).
    func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool
    /// `maxPool?(relu?(convolution(x, weight) + bias + residual))`; shapes are checked by the op.
    func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                 epilogue: ConvolutionEpilogue) -> Tensor
}
