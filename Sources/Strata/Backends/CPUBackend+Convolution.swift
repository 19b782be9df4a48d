import CStrataDNNL
import CStrataKernels
import Foundation

// Convolution through oneDNN plans (cached per shape) and pooling through C kernels. oneDNN runs
// single-threaded; the batch is split across Strata's pool instead, one part per thread, so no
// OpenMP team spins beside the pool.

/// oneDNN plans by kind and shape; nil marks a shape oneDNN refused (the reference serves it).
final class ConvolutionPlans: @unchecked Sendable {
    static let shared = ConvolutionPlans()

    struct Key: Hashable {
        let kind: UInt32
        let batch: Int, input: [Int], weight: [Int], output: [Int]
        let geometry: ConvolutionGeometry
    }

    private let lock = NSLock()
    private var plans: [Key: OpaquePointer?] = [:]

    func plan(_ kind: strata_conv_kind, batch: Int, input: [Int], weight: [Int], output: [Int],
              geometry g: ConvolutionGeometry) -> OpaquePointer? {
        let key = Key(kind: kind.rawValue, batch: batch, input: input, weight: weight, output: output, geometry: g)
        return lock.withLock {
            if let known = plans[key] { return known }
            var shape = strata_conv_shape(
                batch: Int32(batch), in_channels: Int32(input[1]), in_height: Int32(input[2]), in_width: Int32(input[3]),
                out_channels: Int32(output[1]), out_height: Int32(output[2]), out_width: Int32(output[3]),
                kernel_height: Int32(weight[2]), kernel_width: Int32(weight[3]),
                stride_height: Int32(g.strideHeight), stride_width: Int32(g.strideWidth),
                pad_top: Int32(g.padTop), pad_left: Int32(g.padLeft), pad_bottom: Int32(g.padBottom), pad_right: Int32(g.padRight),
                dilation_height: Int32(g.dilationHeight), dilation_width: Int32(g.dilationWidth), groups: Int32(g.groups))
            let plan = strata_conv_plan_create(kind, &shape)
            plans[key] = plan
            return plan
        }
    }
}

extension CPUBackend {
    /// The plans of one convolution kind for the batch in parts, one per pool thread (nil when
    /// oneDNN refuses one), and the parts' bounds.
    private func convolutionPlans(_ kind: strata_conv_kind, input: [Int], weight: [Int], output: [Int],
                                  geometry: ConvolutionGeometry) -> (plans: [OpaquePointer], bounds: [Int])? {
        let batch = input[0]
        let parts = max(1, min(ThreadPool.shared.threadCount, batch))
        let bounds = (0...parts).map { batch * $0 / parts }
        var plans: [OpaquePointer] = []
        for part in 0..<parts {
            let size = bounds[part + 1] - bounds[part]
            guard let plan = ConvolutionPlans.shared.plan(kind, batch: size, input: [size] + input.dropFirst(),
                                                          weight: weight, output: [size] + output.dropFirst(), geometry: geometry)
            else { return nil }
            plans.append(plan)
        }
        return (plans, bounds)
    }

    /// Whether every plan of this convolution kind and shape keeps tensor `tensor` (0 first, 1
    /// second, 2 output) in oneDNN's nChw16c layout, so a caller may hand it over in that layout.
    func convolutionKeepsBlocked16(_ kind: strata_conv_kind, tensor: Int32, input: [Int], weight: [Int], output: [Int],
                                   geometry: ConvolutionGeometry) -> Bool {
        guard let (plans, _) = convolutionPlans(kind, input: input, weight: weight, output: output, geometry: geometry)
        else { return false }
        return plans.allSatisfy { strata_conv_plan_is_blocked16($0, tensor) != 0 }
    }

    /// Runs a convolution kind over the batch in parts, one per pool thread. `first` and the
    /// output are split along the batch when `splitsOutput`; for weight gradients each part
    /// writes its own partial sum, which are added at the end. The tensors whose bit is set in
    /// `layouts` (1 first, 2 second, 4 output) are in the plans' nChw16c layout already (see
    /// `convolutionKeepsBlocked16`), shaped `[batch, channels rounded up to 16, height, width]`.
    func runConvolution(_ kind: strata_conv_kind, first: Tensor, second: Tensor, outputShape: [Int],
                        input: [Int], weight: [Int], output: [Int], geometry: ConvolutionGeometry, layouts: Int32 = 0) -> Tensor? {
        guard let (plans, bounds) = convolutionPlans(kind, input: input, weight: weight, output: output, geometry: geometry)
        else { return nil }
        let parts = plans.count
        let (a, b) = (first.contiguous(), second.contiguous())
        let splitsSecond = kind == STRATA_CONV_BACKWARD_WEIGHTS
        let weightGradient = kind == STRATA_CONV_BACKWARD_WEIGHTS
        let partials = weightGradient ? (0..<parts).map { _ in Tensor(uninitializedShape: outputShape, dtype: .float32) } : []
        let result = weightGradient ? partials[0] : Tensor(uninitializedShape: outputShape, dtype: .float32)
        let (aPlane, bPlane) = (Shape.count(Array(a.shape.dropFirst())), Shape.count(Array(b.shape.dropFirst())))
        let outputPlane = Shape.count(Array(outputShape.dropFirst()))
        let (pa, pb) = (a.elementPointer(as: Float.self), b.elementPointer(as: Float.self))
        var failed = false
        let failures = NSLock()
        ThreadPool.shared.forEachPart(parts) { part in
            let start = bounds[part]
            let firstPointer = pa + start * aPlane
            let secondPointer = splitsSecond ? pb + start * bPlane : pb
            let target = weightGradient ? partials[part].elementPointer(as: Float.self)
                : result.elementPointer(as: Float.self) + start * outputPlane
            if strata_conv_plan_execute_layouts(plans[part], firstPointer, secondPointer, target, layouts) != 0 {
                failures.withLock { failed = true }
            }
        }
        withExtendedLifetime((a, b, partials)) {}
        if failed { return nil }
        return partials.dropFirst().reduce(result) { binary(.add, $0, $1) }
    }

    public func convolution(_ x: Tensor, _ weight: Tensor, geometry: ConvolutionGeometry) -> Tensor {
        let (oh, ow) = geometry.outputSize(height: x.shape[2], width: x.shape[3], kernelHeight: weight.shape[2], kernelWidth: weight.shape[3])
        let output = [x.shape[0], weight.shape[0], oh, ow]
        guard x.dtype == .float32, x.shape[0] > 0, Shape.count(output) > 0,
              let result = runConvolution(STRATA_CONV_FORWARD, first: x, second: weight, outputShape: output,
                                          input: x.shape, weight: weight.shape, output: output, geometry: geometry)
        else { return reference.convolution(x, weight, geometry: geometry) }
        return result
    }

    public func convolutionBackwardInput(_ gradient: Tensor, _ weight: Tensor, inputShape: [Int], geometry: ConvolutionGeometry) -> Tensor {
        guard gradient.dtype == .float32, inputShape[0] > 0, gradient.scalarCount > 0,
              let result = runConvolution(STRATA_CONV_BACKWARD_DATA, first: gradient, second: weight, outputShape: inputShape,
                                          input: inputShape, weight: weight.shape, output: gradient.shape, geometry: geometry)
        else { return reference.convolutionBackwardInput(gradient, weight, inputShape: inputShape, geometry: geometry) }
        return result
    }

    public func convolutionBackwardWeight(_ x: Tensor, _ gradient: Tensor, weightShape: [Int], geometry: ConvolutionGeometry) -> Tensor {
        guard x.dtype == .float32, x.shape[0] > 0, gradient.scalarCount > 0,
              let result = runConvolution(STRATA_CONV_BACKWARD_WEIGHTS, first: x, second: gradient, outputShape: weightShape,
                                          input: x.shape, weight: weightShape, output: gradient.shape, geometry: geometry)
        else { return reference.convolutionBackwardWeight(x, gradient, weightShape: weightShape, geometry: geometry) }
        return result
    }

    private func poolShape(_ input: [Int], _ g: PoolingGeometry, output: (Int, Int)) -> strata_pool_shape {
        strata_pool_shape(planes: input[0] * input[1], height: input[2], width: input[3], out_height: output.0, out_width: output.1,
                          kernel_height: g.kernelHeight, kernel_width: g.kernelWidth, stride_height: g.strideHeight,
                          stride_width: g.strideWidth, pad_height: g.padHeight, pad_width: g.padWidth,
                          dilation_height: g.dilationHeight, dilation_width: g.dilationWidth,
                          count_include_pad: g.countIncludePad ? 1 : 0)
    }

    /// Runs a pooling kernel over planes in parallel chunks: `body(shapeOfChunk, firstPlane)`.
    private func forEachPlaneChunk(_ shape: strata_pool_shape, _ body: (inout strata_pool_shape, Int) -> Void) {
        let work = shape.height * shape.width
        pool.forEachChunk(of: shape.planes, grain: max(1, Self.parallelGrain / max(work, 1))) { planes in
            var chunk = shape
            chunk.planes = planes.count
            body(&chunk, planes.lowerBound)
        }
    }

    public func maxPool(_ x: Tensor, geometry: PoolingGeometry) -> (values: Tensor, indices: Tensor) {
        guard x.dtype == .float32 else { return reference.maxPool(x, geometry: geometry) }
        let source = x.contiguous()
        let output = geometry.outputSize(height: x.shape[2], width: x.shape[3])
        let shape = poolShape(x.shape, geometry, output: output)
        let values = Tensor(uninitializedShape: [x.shape[0], x.shape[1], output.0, output.1], dtype: .float32)
        let indices = Tensor(uninitializedShape: values.shape, dtype: .int64)
        let (inPlane, outPlane) = (x.shape[2] * x.shape[3], output.0 * output.1)
        forEachPlaneChunk(shape) { chunk, first in
            strata_max_pool_f32(source.elementPointer(as: Float.self) + first * inPlane,
                                values.elementPointer(as: Float.self) + first * outPlane,
                                indices.elementPointer(as: Int64.self) + first * outPlane, &chunk)
        }
        return (values, indices)
    }

    public func averagePool(_ x: Tensor, geometry: PoolingGeometry) -> Tensor {
        guard x.dtype == .float32 else { return reference.averagePool(x, geometry: geometry) }
        let source = x.contiguous()
        let output = geometry.outputSize(height: x.shape[2], width: x.shape[3])
        let result = Tensor(uninitializedShape: [x.shape[0], x.shape[1], output.0, output.1], dtype: .float32)
        let (inPlane, outPlane) = (x.shape[2] * x.shape[3], output.0 * output.1)
        forEachPlaneChunk(poolShape(x.shape, geometry, output: output)) { chunk, first in
            strata_average_pool_f32(source.elementPointer(as: Float.self) + first * inPlane,
                                    result.elementPointer(as: Float.self) + first * outPlane, &chunk)
        }
        return result
    }

    public func averagePoolBackward(_ gradient: Tensor, inputShape: [Int], geometry: PoolingGeometry) -> Tensor {
        guard gradient.dtype == .float32 else {
            return reference.averagePoolBackward(gradient, inputShape: inputShape, geometry: geometry)
        }
        let g = gradient.contiguous()
        let result = full(shape: inputShape, value: 0, dtype: .float32)
        let output = (gradient.shape[2], gradient.shape[3])
        let (inPlane, outPlane) = (inputShape[2] * inputShape[3], output.0 * output.1)
        forEachPlaneChunk(poolShape(inputShape, geometry, output: output)) { chunk, first in
            strata_average_pool_backward_f32(g.elementPointer(as: Float.self) + first * outPlane,
                                             result.elementPointer(as: Float.self) + first * inPlane, &chunk)
        }
        return result
    }
}
