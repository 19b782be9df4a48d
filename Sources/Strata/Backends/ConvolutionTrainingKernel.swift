/// A fused kernel for the composite `conv2d(_:weight:bias:...:then:)` in training: the
/// convolution with its bias, ReLU and max-pool as one recorded step, offered by a backend
/// through `FusedKernels` (no residual: the op runs the composite for one). Forward applies
/// the bias and ReLU to the convolution's output and pools it in one pass, keeping only what
/// backward needs; backward turns the result's gradient into the convolution output's (ReLU
/// mask, max-pool scatter) and the bias gradient in one pass, then runs the convolution's two
/// gradients. The composite is the specification the kernel is tested against.
public protocol ConvolutionTrainingKernel: Sendable {
    /// Whether the kernel runs this input, weight and geometry (dtype, device).
    func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool
    /// `maxPool?(relu?(convolution(x, weight) + bias))` and what backward needs; shapes are
    /// checked by the op. `needs` says which gradients backward will be asked for.
    func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                 epilogue: ConvolutionEpilogue, needs: ConvolutionGradientNeeds) -> ConvolutionTrainingStep
    /// The gradients of x, weight and bias (nil where not needed) from that of `step.output`.
    func backward(_ gradient: Tensor, x: Tensor, weight: Tensor, geometry: ConvolutionGeometry, step: ConvolutionTrainingStep,
                  needs: ConvolutionGradientNeeds) -> (input: Tensor?, weight: Tensor?, bias: Tensor?)
}

/// Which gradients a fused convolution step's backward pass computes.
public struct ConvolutionGradientNeeds: Sendable, Equatable {
    public var input: Bool
    public var weight: Bool
    public var bias: Bool

    public init(input: Bool, weight: Bool, bias: Bool) {
        self.input = input
        self.weight = weight
        self.bias = bias
    }
}

/// A fused training step's forward result and what its backward pass reads.
public struct ConvolutionTrainingStep: @unchecked Sendable {
    /// The step's result: activated (or not), pooled or not.
    public var output: Tensor
    /// The max-pool's positions within each plane of the convolution's output (int64,
    /// `output`'s shape), nil without a pool.
    public var poolIndices: Tensor?
    /// Whether ReLU followed the bias.
    public var relu: Bool
    /// The convolution's output shape `[batch, outChannels, outHeight, outWidth]`.
    public var convolvedShape: [Int]
    /// The layout the backward pass gives the convolution output's gradient: 0 for plain NCHW,
    /// else a backend's own with channels in blocks of this size (the CPU's: oneDNN's nChw16c).
    public var channelBlock: Int

    public init(output: Tensor, poolIndices: Tensor?, relu: Bool, convolvedShape: [Int], channelBlock: Int = 0) {
        self.output = output
        self.poolIndices = poolIndices
        self.relu = relu
        self.convolvedShape = convolvedShape
        self.channelBlock = channelBlock
    }
}
