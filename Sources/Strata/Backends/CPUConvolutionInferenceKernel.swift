import CStrataDNNL
import Foundation

/// The CPU's convolution step for inference: one oneDNN convolution with the
/// bias, residual sum and ReLU as post-ops and the max-pool on its blocked output (float32,
/// ungrouped). Plans are cached per shape and weights are packed into oneDNN's layout once per
/// weight tensor, so repeated inference on one model reorders only activations, and none when
/// they come and go in the kernel's blocked layout (`BlockedActivation`).
///
/// The work is split over the pool: by batch when there are at least as many images as threads,
/// else (batch 1) by output channels, so a single image still uses every core.
struct CPUConvolutionInferenceKernel: ConvolutionInferenceKernel {
    func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool {
        x.dtype == .float32 && weight.dtype == .float32 && geometry.groups == 1 && x.shape[0] > 0 && weight.shape[0] > 0
            && x.scalarCount > 0 && weight.scalarCount > 0
    }

    func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, epilogue: ConvolutionEpilogue) -> Tensor {
        let y = run(.plain(x), weight: weight, bias: bias, geometry: geometry, residual: epilogue.residual.map { .plain($0) },
                    relu: epilogue.relu, maxPool: epilogue.maxPool, blockedOutput: false, reuseResidual: false)
        return y?.plain ?? Self.composite(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue)
    }

    func forward(_ x: InferenceActivation, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                 residual: InferenceActivation?, relu: Bool, maxPool: PoolingGeometry?, blockedOutput: Bool,
                 reuseResidual: Bool) -> InferenceActivation? {
        guard x.dtype == .float32, weight.dtype == .float32, geometry.groups == 1, Shape.count(x.shape) > 0,
              weight.scalarCount > 0, residual?.dtype ?? .float32 == .float32 else { return nil }
        return run(x, weight: weight, bias: bias, geometry: geometry, residual: residual, relu: relu, maxPool: maxPool,
                   blockedOutput: blockedOutput, reuseResidual: reuseResidual)
    }

    /// An activation as the C kernel reads it: its first element, its layout (0 plain, else the
    /// channel block) and the distance between images, in elements.
    private struct Operand {
        let tensor: Tensor
        let block: Int32
        let imageStride: Int

        init(_ activation: InferenceActivation) {
            switch activation {
            case .plain(let x):
                tensor = x.contiguous()
                block = 0
            case .blocked(let x):
                tensor = x.blocks
                block = Int32(x.block)
            }
            imageStride = Shape.count(Array(tensor.shape.dropFirst()))
        }

        /// Where image `image`'s channel `channel` (a multiple of the block) starts, for planes of
        /// `plane` elements: channel blocks are outermost within an image in both layouts.
        func pointer(image: Int, channel: Int, plane: Int) -> UnsafeMutablePointer<Float> {
            tensor.elementPointer(as: Float.self) + image * imageStride + channel * plane
        }
    }

    /// The step over the pool; nil when oneDNN refuses a shape or fails.
    private func run(_ x: InferenceActivation, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                     residual: InferenceActivation?, relu: Bool, maxPool: PoolingGeometry?, blockedOutput: Bool,
                     reuseResidual: Bool) -> InferenceActivation? {
        let inputShape = x.shape
        let (batch, channels) = (inputShape[0], weight.shape[0])
        let (outHeight, outWidth) = geometry.outputSize(height: inputShape[2], width: inputShape[3],
                                                        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let pooled = maxPool.map { $0.outputSize(height: outHeight, width: outWidth) } ?? (outHeight, outWidth)
        let weights = weight.contiguous()
        let key = ConvolutionInferencePlans.StepKey(
            batch: batch, inChannels: inputShape[1], height: inputShape[2], width: inputShape[3], weight: weights.storageIdentity,
            outChannels: channels, kernelHeight: weight.shape[2], kernelWidth: weight.shape[3], geometry: geometry,
            hasBias: bias != nil, addsResidual: residual != nil, relu: relu, pool: maxPool)
        guard let prepared = ConvolutionInferencePlans.shared.prepared(key, make: {
            Self.prepare(key, weights: weights, convolved: (outHeight, outWidth))
        }) else { return nil }
        let (channelParts, parts) = (prepared.channelParts, prepared.plans.count)
        func bounds(_ part: Int) -> (batch: Range<Int>, channels: Range<Int>) {
            Self.bounds(part, batch: batch, channels: channels, channelParts: channelParts, batchParts: prepared.batchParts)
        }
        // Blocked output when asked for and every part's kernel writes the same blocked layout.
        let outputBlock = blockedOutput ? prepared.outputBlock : 0
        let outputShape = [batch, channels, pooled.0, pooled.1]
        let output: InferenceActivation
        if reuseResidual, maxPool == nil, case .blocked(let given)? = residual, given.block == outputBlock {
            // The sum post-op reads each residual element before writing the result over it.
            output = .blocked(BlockedActivation(blocks: given.blocks, shape: outputShape))
        } else if outputBlock == 0 {
            output = .plain(Tensor(uninitializedShape: outputShape, dtype: .float32))
        } else {
            let padded = BlockedActivation.paddedChannels(channels, block: outputBlock)
            output = .blocked(BlockedActivation(
                blocks: Tensor(uninitializedShape: [batch, padded / outputBlock, pooled.0, pooled.1, outputBlock], dtype: .float32),
                shape: outputShape))
        }
        let (source, target, added) = (Operand(x), Operand(output), residual.map(Operand.init))
        let biasValues = bias?.contiguous()
        let (convolvedPlane, outputPlane) = (outHeight * outWidth, pooled.0 * pooled.1)
        var failed = false
        let failures = NSLock()
        ThreadPool.shared.forEachPart(parts) { part in
            let (images, range) = bounds(part)
            let status = strata_conv_inference_execute_blocked(
                prepared.plans[part], source.pointer(image: images.lowerBound, channel: 0, plane: 0), source.block,
                prepared.packed[part].pointer, biasValues.map { $0.elementPointer(as: Float.self) + range.lowerBound },
                added?.pointer(image: images.lowerBound, channel: range.lowerBound, plane: convolvedPlane), added?.block ?? 0,
                target.pointer(image: images.lowerBound, channel: range.lowerBound, plane: outputPlane), target.block)
            if status != 0 { failures.withLock { failed = true } }
        }
        withExtendedLifetime((source, weights, biasValues, added, target, prepared)) {}
        return failed ? nil : output
    }

    /// Part `part`'s images and output channels: channel parts stay multiples of 16, the block
    /// oneDNN's AVX-512 kernels work in (and a multiple of every block, so a part's channels
    /// start on a block boundary).
    private static func bounds(_ part: Int, batch: Int, channels: Int, channelParts: Int,
                               batchParts: Int) -> (batch: Range<Int>, channels: Range<Int>) {
        let (b, c) = (part / channelParts, part % channelParts)
        let step = (channels / 16 + channelParts - 1) / channelParts * 16
        let channelRange = channelParts == 1 ? 0..<channels
            : min(c * step, channels)..<(c == channelParts - 1 ? channels : min((c + 1) * step, channels))
        return (batch * b / batchParts..<batch * (b + 1) / batchParts, channelRange)
    }

    /// The split of `key`'s step over the pool, with each part's plan and packed weights: by
    /// batch when there are at least as many images as threads, else (batch 1) by output
    /// channels. Nil when oneDNN refuses a part.
    private static func prepare(_ key: ConvolutionInferencePlans.StepKey, weights: Tensor,
                                convolved: (height: Int, width: Int)) -> ConvolutionInferencePlans.PreparedStep? {
        let (batch, channels, threads) = (key.batch, key.outChannels, ThreadPool.shared.threadCount)
        let channelParts = batch == 1 ? max(1, min(threads, channels / 16)) : 1
        let batchParts = max(1, min(threads, batch))
        var plans: [OpaquePointer] = [], packed: [PackedConvolutionWeights] = []
        for part in 0..<channelParts * batchParts {
            let (images, range) = bounds(part, batch: batch, channels: channels, channelParts: channelParts, batchParts: batchParts)
            let g = key.geometry
            let shape = strata_conv_shape(
                batch: Int32(images.count), in_channels: Int32(key.inChannels), in_height: Int32(key.height),
                in_width: Int32(key.width), out_channels: Int32(range.count), out_height: Int32(convolved.height),
                out_width: Int32(convolved.width), kernel_height: Int32(key.kernelHeight), kernel_width: Int32(key.kernelWidth),
                stride_height: Int32(g.strideHeight), stride_width: Int32(g.strideWidth), pad_top: Int32(g.padTop),
                pad_left: Int32(g.padLeft), pad_bottom: Int32(g.padBottom), pad_right: Int32(g.padRight),
                dilation_height: Int32(g.dilationHeight), dilation_width: Int32(g.dilationWidth), groups: 1)
            let planKey = ConvolutionInferencePlans.Key(shape: shape, hasBias: key.hasBias, addsResidual: key.addsResidual,
                                                        relu: key.relu, pool: key.pool, convolved: convolved)
            guard let plan = ConvolutionInferencePlans.shared.plan(planKey),
                  let values = ConvolutionInferencePlans.shared.packedWeights(weights, channels: range, plan: plan)
            else { return nil }
            plans.append(plan)
            packed.append(values)
        }
        let blocks = Set(plans.map { Int(strata_conv_inference_output_block($0)) })
        return ConvolutionInferencePlans.PreparedStep(channelParts: channelParts, batchParts: batchParts, plans: plans,
                                                      packed: packed, weight: weights, outputBlock: blocks.count == 1 ? blocks.first! : 0)
    }

    /// The same step through the reference path, for shapes oneDNN refuses.
    private static func composite(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry,
                                  epilogue: ConvolutionEpilogue) -> Tensor {
        var y = Backends.current.convolution(x, weight, geometry: geometry)
        if let bias { y = y + bias.reshaped(to: [1, -1, 1, 1]) }
        if let residual = epilogue.residual { y = y + residual }
        if epilogue.relu { y = relu(y) }
        if let pool = epilogue.maxPool { y = Backends.current.maxPool(y, geometry: pool).values }
        return y
    }
}

/// Weights in a plan's packed layout, freed with the value.
final class PackedConvolutionWeights: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    init(byteCount: Int) {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
        self.byteCount = byteCount
    }

    deinit { pointer.deallocate() }
}
