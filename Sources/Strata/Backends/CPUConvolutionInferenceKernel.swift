import CStrataDNNL
import Foundation

/// The CPU's convolution step for inference: one oneDNN convolution with the
/// bias, residual sum and ReLU as post-ops and the max-pool on its blocked output (float32,
/// ungrouped). Plans are cached per shape and weights are packed into oneDNN's layout once per
/// weight tensor, so repeated inference on one model reorders only activations.
///
/// The work is split over the pool: by batch when there are at least as many images as threads,
/// else (batch 1) by output channels, so a single image still uses every core.
struct CPUConvolutionInferenceKernel: ConvolutionInferenceKernel {
    func supports(_ x: Tensor, weight: Tensor, geometry: ConvolutionGeometry) -> Bool {
        x.dtype == .float32 && weight.dtype == .float32 && geometry.groups == 1 && x.shape[0] > 0 && weight.shape[0] > 0
            && x.scalarCount > 0 && weight.scalarCount > 0
    }

    func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvolutionGeometry, epilogue: ConvolutionEpilogue) -> Tensor {
        let (batch, channels) = (x.shape[0], weight.shape[0])
        let (outHeight, outWidth) = geometry.outputSize(height: x.shape[2], width: x.shape[3],
                                                        kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let pooled = epilogue.maxPool.map { $0.outputSize(height: outHeight, width: outWidth) } ?? (outHeight, outWidth)
        let threads = ThreadPool.shared.threadCount
        // Channel parts stay multiples of 16, the block oneDNN's AVX-512 kernels work in.
        let channelParts = batch == 1 ? max(1, min(threads, channels / 16)) : 1
        let batchParts = max(1, min(threads, batch))
        let parts = channelParts * batchParts
        func bounds(_ part: Int) -> (batch: Range<Int>, channels: Range<Int>) {
            let (b, c) = (part / channelParts, part % channelParts)
            let step = (channels / 16 + channelParts - 1) / channelParts * 16
            let channelRange = channelParts == 1 ? 0..<channels : min(c * step, channels)..<(c == channelParts - 1 ? channels : min((c + 1) * step, channels))
            return (batch * b / batchParts..<batch * (b + 1) / batchParts, channelRange)
        }
        let (source, weights) = (x.contiguous(), weight.contiguous())
        let (biasValues, residual) = (bias?.contiguous(), epilogue.residual?.contiguous())
        var steps: [(plan: OpaquePointer, packed: PackedConvolutionWeights)] = []
        for part in 0..<parts {
            let (images, range) = bounds(part)
            let shape = strata_conv_shape(
                batch: Int32(images.count), in_channels: Int32(x.shape[1]), in_height: Int32(x.shape[2]), in_width: Int32(x.shape[3]),
                out_channels: Int32(range.count), out_height: Int32(outHeight), out_width: Int32(outWidth),
                kernel_height: Int32(weight.shape[2]), kernel_width: Int32(weight.shape[3]),
                stride_height: Int32(geometry.strideHeight), stride_width: Int32(geometry.strideWidth),
                pad_top: Int32(geometry.padTop), pad_left: Int32(geometry.padLeft), pad_bottom: Int32(geometry.padBottom),
                pad_right: Int32(geometry.padRight), dilation_height: Int32(geometry.dilationHeight),
                dilation_width: Int32(geometry.dilationWidth), groups: 1)
            let key = ConvolutionInferencePlans.Key(shape: shape, hasBias: bias != nil, addsResidual: residual != nil,
                                                    relu: epilogue.relu, pool: epilogue.maxPool, convolved: (outHeight, outWidth))
            guard let plan = ConvolutionInferencePlans.shared.plan(key),
                  let packed = ConvolutionInferencePlans.shared.packedWeights(weights, channels: range, plan: plan)
            else { return Self.composite(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue) }
            steps.append((plan, packed))
        }
        let result = Tensor(uninitializedShape: [batch, channels, pooled.0, pooled.1], dtype: .float32)
        let (inputImage, convolvedPlane, outputPlane) = (Shape.count(Array(x.shape.dropFirst())), outHeight * outWidth, pooled.0 * pooled.1)
        var failed = false
        let failures = NSLock()
        ThreadPool.shared.forEachPart(parts) { part in
            let (images, range) = bounds(part)
            let status = strata_conv_inference_execute(
                steps[part].plan, source.elementPointer(as: Float.self) + images.lowerBound * inputImage,
                steps[part].packed.pointer, biasValues.map { $0.elementPointer(as: Float.self) + range.lowerBound },
                residual.map { $0.elementPointer(as: Float.self) + (images.lowerBound * channels + range.lowerBound) * convolvedPlane },
                result.elementPointer(as: Float.self) + (images.lowerBound * channels + range.lowerBound) * outputPlane)
            if status != 0 { failures.withLock { failed = true } }
        }
        withExtendedLifetime((source, weights, biasValues, residual, steps)) {}
        return failed ? Self.composite(x, weight: weight, bias: bias, geometry: geometry, epilogue: epilogue) : result
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
