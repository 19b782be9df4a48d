/// A float32 `[batch, channels, height, width]` activation in a blocked layout: channels in
/// groups of `block` innermost (oneDNN's nChw16c and nChw8c), stored as the contiguous tensor
/// `[batch, paddedChannels / block, height, width, block]` with the channels padded to a
/// multiple of the block. Fused inference convolutions read and write this layout without
/// reordering, so a network of them (a ResNet) keeps its activations blocked from one step to
/// the next and turns them plain only for the ops that need it.
public struct BlockedActivation: Sendable {
    /// The values, `[batch, paddedChannels / block, height, width, block]`, contiguous. The
    /// padding channels hold unspecified values.
    public private(set) var blocks: Tensor
    /// The plain shape, `[batch, channels, height, width]`.
    public let shape: [Int]

    /// The number of channels in a block.
    public var block: Int { blocks.shape[4] }

    /// `blocks` (contiguous, `[batch, paddedChannels / block, height, width, block]`) standing
    /// for an activation of `shape`.
    init(blocks: Tensor, shape: [Int]) {
        precondition(shape.count == 4 && blocks.rank == 5 && blocks.isContiguous && blocks.dtype == .float32
                     && blocks.shape[0] == shape[0] && blocks.shape[1] * blocks.shape[4] == Self.paddedChannels(shape[1], block: blocks.shape[4])
                     && Array(blocks.shape[2...3]) == Array(shape[2...3]),
                     "BlockedActivation: blocks \(blocks.shape) do not hold an activation of \(shape)")
        self.blocks = blocks
        self.shape = shape
    }

    /// The plain float32 `x` (`[batch, channels, height, width]`) in blocks of `block` channels,
    /// the padding channels zero.
    public init(_ x: Tensor, block: Int) {
        precondition(x.rank == 4 && x.dtype == .float32 && block > 0,
                     "BlockedActivation: needs a float32 NCHW tensor, got \(x.shape) \(x.dtype)")
        let (batch, channels, height, width) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let padded = Self.paddedChannels(channels, block: block)
        let blocks = x.detached.padded([(0, 0), (0, padded - channels), (0, 0), (0, 0)])
            .reshaped(to: [batch, padded / block, block, height, width]).permuted([0, 1, 3, 4, 2]).contiguous()
        self.init(blocks: blocks, shape: x.shape)
    }

    /// Whether no other value shares the storage of `blocks`, so that an op may write its result
    /// over it (`conv2dInference(...reuseResidual:)`) once this value is no longer read.
    public mutating func isUniquelyReferenced() -> Bool {
        isKnownUniquelyReferenced(&blocks.storage)
    }

    /// The channels rounded up to a multiple of `block`.
    static func paddedChannels(_ channels: Int, block: Int) -> Int {
        (channels + block - 1) / block * block
    }

    /// The activation in the plain layout, `[batch, channels, height, width]`.
    public var plain: Tensor {
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        let padded = blocks.shape[1] * block
        var x = blocks.permuted([0, 1, 4, 2, 3]).reshaped(to: [batch, padded, height, width])
        if padded != channels { x = x.sliced(axis: 1, start: 0, end: channels) }
        return x.contiguous()
    }
}

/// An activation between inference steps: a tensor, or a `BlockedActivation` that a fused
/// convolution left in its kernel's layout for the next one.
public enum InferenceActivation: Sendable {
    case plain(Tensor)
    case blocked(BlockedActivation)

    /// The plain shape.
    public var shape: [Int] {
        switch self {
        case .plain(let x): x.shape
        case .blocked(let x): x.shape
        }
    }

    /// The values as a plain tensor (a reorder for a blocked one).
    public var plain: Tensor {
        switch self {
        case .plain(let x): x
        case .blocked(let x): x.plain
        }
    }

    public var dtype: DType {
        switch self {
        case .plain(let x): x.dtype
        case .blocked: .float32
        }
    }
}

/// `conv2d(_:weight:bias:...:then:)` for inference on activations that may be blocked:
/// `maxPool?(relu?(conv2d(x, weight) + bias + residual))`. With `blockedOutput`, the result
/// stays in the kernel's blocked layout when it has one, for the next convolution to read; else
/// (or without a backend kernel that takes blocked activations, or when a gradient would be
/// recorded) it is plain and the values are `conv2d(x.plain, ..., then:)`'s. `reuseResidual`
/// promises that the caller reads the residual no more and nothing else shares its storage
/// (`BlockedActivation.isUniquelyReferenced`): the result may then be written over it, the sum
/// done in place.
///
/// x: `[batch, inChannels, height, width]`; residual: the convolution's output shape.
public func conv2dInference(_ x: InferenceActivation, weight: Tensor, bias: Tensor?, stride: SpatialSize = (1, 1),
                            padding: ConvolutionPadding = .valid, dilation: SpatialSize = (1, 1), groups: Int = 1,
                            residual: InferenceActivation? = nil, relu: Bool = false, maxPool: PoolingGeometry? = nil,
                            blockedOutput: Bool = false, reuseResidual: Bool = false) -> InferenceActivation {
    let geometry = padding.geometry(stride: stride, dilation: dilation, groups: groups, kernel: (weight.shape[2], weight.shape[3]))
    let plainInputs: [Tensor?] = [x, residual].map { if case .plain(let tensor)? = $0 { tensor } else { nil } }
    let blocked = [x, residual].contains { if case .blocked? = $0 { true } else { false } }
    // A bare convolution on plain tensors stays the primitive, as in `conv2d(then:)`.
    let fuses = blocked || blockedOutput || bias != nil || residual != nil || relu || maxPool != nil
    if fuses, let kernel = Backends.current.fusedKernels.convolutionInference, x.shape.count == 4, weight.rank == 4,
       x.dtype == weight.dtype, weight.shape[1] * groups == x.shape[1], !Tensor.wouldRecord(plainInputs + [weight, bias]) {
        let (outHeight, outWidth) = geometry.outputSize(height: x.shape[2], width: x.shape[3],
                                                        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let output = [x.shape[0], weight.shape[0], outHeight, outWidth]
        if outHeight > 0, outWidth > 0, bias.map({ $0.shape == [weight.shape[0]] && $0.dtype == x.dtype }) ?? true,
           residual.map({ $0.shape == output && $0.dtype == x.dtype }) ?? true,
           maxPool.map({ pool in let (h, w) = pool.outputSize(height: outHeight, width: outWidth); return h > 0 && w > 0 }) ?? true,
           let y = kernel.forward(x, weight: weight, bias: bias, geometry: geometry, residual: residual, relu: relu,
                                  maxPool: maxPool, blockedOutput: blockedOutput, reuseResidual: reuseResidual) {
            return y
        }
    }
    let epilogue = ConvolutionEpilogue(residual: residual?.plain, relu: relu, maxPool: maxPool)
    return .plain(conv2d(x.plain, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation,
                         groups: groups, then: epilogue))
}
