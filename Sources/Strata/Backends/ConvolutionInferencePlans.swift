import CStrataDNNL
import Foundation

/// oneDNN inference plans by shape and epilogue, and weights packed for them, cached for the
/// process (a model's weights are packed on its first inference and reused after). Each call
/// signature's parts (`PreparedStep`: plans and packed weights) are kept too, so that a model's
/// repeated inference finds a step's whole setup with one lookup.
///
/// A packed entry keeps its weight tensor alive, so its storage identity cannot be reused by
/// another tensor while the entry exists, and a weight that is written gets storage of its own
/// (a new identity): an entry can never stand for other values. The cache holds at most
/// `packedByteLimit` bytes and starts over when full.
final class ConvolutionInferencePlans: @unchecked Sendable {
    static let shared = ConvolutionInferencePlans()
    /// 512 MiB: resnet50's weights (98 MiB) packed for two channel splits fit several times.
    static let packedByteLimit = 512 << 20

    struct Key: Hashable {
        let sizes: [Int32]  // strata_conv_shape's fields in order
        let hasBias: Bool, addsResidual: Bool, relu: Bool
        let pool: PoolingGeometry?
        let convolvedHeight: Int, convolvedWidth: Int

        init(shape s: strata_conv_shape, hasBias: Bool, addsResidual: Bool, relu: Bool, pool: PoolingGeometry?,
             convolved: (Int, Int)) {
            sizes = [s.batch, s.in_channels, s.in_height, s.in_width, s.out_channels, s.out_height, s.out_width,
                     s.kernel_height, s.kernel_width, s.stride_height, s.stride_width, s.pad_top, s.pad_left,
                     s.pad_bottom, s.pad_right, s.dilation_height, s.dilation_width, s.groups]
            (self.hasBias, self.addsResidual, self.relu, self.pool) = (hasBias, addsResidual, relu, pool)
            (convolvedHeight, convolvedWidth) = convolved
        }

        var shape: strata_conv_shape {
            let v = sizes
            return strata_conv_shape(batch: v[0], in_channels: v[1], in_height: v[2], in_width: v[3], out_channels: v[4],
                                     out_height: v[5], out_width: v[6], kernel_height: v[7], kernel_width: v[8],
                                     stride_height: v[9], stride_width: v[10], pad_top: v[11], pad_left: v[12],
                                     pad_bottom: v[13], pad_right: v[14], dilation_height: v[15], dilation_width: v[16],
                                     groups: v[17])
        }

        /// The pool in oneDNN's terms: padding per side, the bottom/right one grown so ceil
        /// mode's last window fits.
        var poolShape: strata_max_pool_shape? {
            guard let pool else { return nil }
            let (height, width) = pool.outputSize(height: convolvedHeight, width: convolvedWidth)
            func trailing(_ input: Int, _ output: Int, _ kernel: Int, _ stride: Int, _ pad: Int, _ dilation: Int) -> Int32 {
                Int32(max(pad, (output - 1) * stride + dilation * (kernel - 1) + 1 - input - pad))
            }
            return strata_max_pool_shape(
                kernel_height: Int32(pool.kernelHeight), kernel_width: Int32(pool.kernelWidth),
                stride_height: Int32(pool.strideHeight), stride_width: Int32(pool.strideWidth),
                pad_top: Int32(pool.padHeight), pad_left: Int32(pool.padWidth),
                pad_bottom: trailing(convolvedHeight, height, pool.kernelHeight, pool.strideHeight, pool.padHeight, pool.dilationHeight),
                pad_right: trailing(convolvedWidth, width, pool.kernelWidth, pool.strideWidth, pool.padWidth, pool.dilationWidth),
                dilation_height: Int32(pool.dilationHeight), dilation_width: Int32(pool.dilationWidth),
                out_height: Int32(height), out_width: Int32(width))
        }
    }

    /// A fused step's call: the input's shape, the weight (its elements and shape), the geometry
    /// and the epilogue. Plain fields, so that making and hashing one allocates nothing.
    struct StepKey: Hashable {
        let batch: Int, inChannels: Int, height: Int, width: Int
        let weight: TensorStorageIdentity
        let outChannels: Int, kernelHeight: Int, kernelWidth: Int
        let geometry: ConvolutionGeometry
        let hasBias: Bool, addsResidual: Bool, relu: Bool
        let pool: PoolingGeometry?
    }

    /// A step's split over the pool (`channelParts` × `batchParts` parts, part `p` taking channel
    /// part `p % channelParts` of batch part `p / channelParts`) and each part's plan and
    /// packed weights; `weight` (the contiguous weight) keeps the key's identity alive.
    struct PreparedStep {
        let channelParts: Int, batchParts: Int
        let plans: [OpaquePointer]
        let packed: [PackedConvolutionWeights]
        let weight: Tensor
        /// The channel block every part's kernel writes (16 or 8), or 0 when they differ or write plain.
        let outputBlock: Int
    }

    private struct PackedKey: Hashable {
        let plan: OpaquePointer
        let weight: TensorStorageIdentity
        let firstChannel: Int
    }

    private let lock = NSLock()
    private var plans: [Key: OpaquePointer?] = [:]
    private var packed: [PackedKey: (weight: Tensor, values: PackedConvolutionWeights)] = [:]
    private var packedBytes = 0
    private var prepared: [StepKey: PreparedStep] = [:]

    /// The prepared step for `key`, made by `make` on first use (nil, not kept, when it fails).
    func prepared(_ key: StepKey, make: () -> PreparedStep?) -> PreparedStep? {
        if let known = lock.withLock({ prepared[key] }) { return known }
        guard let step = make() else { return nil }
        lock.withLock { prepared[key] = step }
        return step
    }

    /// The plan for `key`, made on first use; nil when oneDNN refuses the shape.
    func plan(_ key: Key) -> OpaquePointer? {
        lock.withLock {
            if let known = plans[key] { return known }
            var shape = key.shape
            var pool = key.poolShape
            let plan = withUnsafePointer(to: &shape) { shape in
                pool == nil ? strata_conv_inference_plan_create(shape, key.hasBias ? 1 : 0, key.addsResidual ? 1 : 0, key.relu ? 1 : 0, nil)
                    : strata_conv_inference_plan_create(shape, key.hasBias ? 1 : 0, key.addsResidual ? 1 : 0, key.relu ? 1 : 0, &pool!)
            }
            plans[key] = plan
            return plan
        }
    }

    /// `weight`'s output channels `channels` (OIHW, contiguous float32) packed for `plan`.
    func packedWeights(_ weight: Tensor, channels: Range<Int>, plan: OpaquePointer) -> PackedConvolutionWeights? {
        let key = PackedKey(plan: plan, weight: weight.storageIdentity, firstChannel: channels.lowerBound)
        if let known = lock.withLock({ packed[key] }) { return known.values }
        let values = PackedConvolutionWeights(byteCount: strata_conv_inference_packed_weights_size(plan))
        let perChannel = Shape.count(Array(weight.shape.dropFirst()))
        guard strata_conv_inference_pack_weights(plan, weight.elementPointer(as: Float.self) + channels.lowerBound * perChannel,
                                                 values.pointer) == 0
        else { return nil }
        lock.withLock {
            if packedBytes + values.byteCount > Self.packedByteLimit {
                packed = [:]
                prepared = [:]  // its entries hold packed weights too
                packedBytes = 0
            }
            packed[key] = (weight, values)
            packedBytes += values.byteCount
        }
        return values
    }
}
