import Strata
import Testing

// The fused batch-normalization op: float64 gradients against central finite differences, the
// op against its composite of reductions and elementwise ops (float64 on the reference backend,
// float32 on the CPU backend's C kernels), and the C kernels against the reference loops
// (ReferenceBackend+BatchNorm.swift, the spec) on shapes whose channels are split across the pool.

@Suite struct BatchNormalizationTests {
    /// The composite the fused op replaces, as `BatchNorm` computed it before (PyTorch's equations).
    static func composite(_ x: Tensor, weight: Tensor?, bias: Tensor?, epsilon: Double) -> (output: Tensor, mean: Tensor, variance: Tensor) {
        var broadcastShape = [Int](repeating: 1, count: x.rank)
        broadcastShape[1] = x.shape[1]
        let axes = (0..<x.rank).filter { $0 != 1 }
        let mean = x.mean(alongAxes: axes, keepDims: true)
        let variance = x.variance(alongAxes: axes, correction: 0, keepDims: true)
        var output = (x - mean) * rsqrt(variance + epsilon)
        if let weight { output = output * weight.reshaped(to: broadcastShape) }
        if let bias { output = output + bias.reshaped(to: broadcastShape) }
        return (output, mean.reshaped(to: [-1]), variance.reshaped(to: [-1]))
    }

    /// [N, C], [N, C, L] and NCHW, one with a transposed (strided) input.
    static let shapes: [[Int]] = [[5, 3], [4, 3, 5], [3, 2, 4, 5]]

    @Test(arguments: shapes)
    func gradientsMatchFiniteDifferences(shape: [Int]) {
        let channels = shape[1]
        let x = randomInput(shape, seed: 1)
        let weight = randomInput([channels], low: 0.5, high: 1.5, seed: 2)
        let bias = randomInput([channels], seed: 3)
        checkGradients(at: [x, weight, bias]) { batchNormTraining($0[0], weight: $0[1], bias: $0[2]).output }
    }

    /// No weight and bias, a strided view as input, and a larger epsilon.
    @Test func gradientWithoutAffineOfStridedInput() {
        let x = randomInput([3, 5, 4], seed: 4).transposed(1, 2)
        checkGradient(at: x) { batchNormTraining($0, epsilon: 0.1).output }
    }

    /// The same input used twice: by the op and by the loss directly.
    @Test func gradientOfInputUsedTwice() {
        let x = randomInput([4, 3, 2], seed: 5)
        checkGradient(at: x) { batchNormTraining($0, weight: Tensor.full([3], value: 2, dtype: $0.dtype)).output * $0 }
    }

    /// Fused and composite in float64 on the reference backend: outputs, statistics and the
    /// gradients of a weighted sum of the output agree to 1e-12 relative (both are exact to
    /// about 1e-15; the absolute part admits outputs and gradients near zero).
    @Test(arguments: shapes)
    func float64MatchesComposite(shape: [Int]) {
        withBackend(ReferenceBackend()) {
            compareWithComposite(shape: shape, dtype: .float64, tolerance: Tolerance(relative: 1e-12, absolute: 1e-13))
        }
    }

    /// Fused (C kernels) and composite in float32 on the CPU backend agree to 1e-5 relative; the
    /// absolute part (1e-6, about 8 float32 ulp of 1) admits values near zero, where both carry
    /// the rounding of values of size 1. Shape [16, 8, 12, 12] splits channels across the pool.
    @Test(arguments: shapes + [[16, 8, 12, 12], [64, 4, 7, 7]])
    func float32MatchesComposite(shape: [Int]) {
        withBackend(CPUBackend.shared) {
            compareWithComposite(shape: shape, dtype: .float32, tolerance: Tolerance(relative: 1e-5, absolute: 1e-6))
        }
    }

    private func compareWithComposite(shape: [Int], dtype: DType, tolerance: Tolerance) {
        let channels = shape[1]
        // An offset mean (3) checks that the variance is not taken as E[x²] - E[x]².
        let x = (randomInput(shape, seed: 6) + 3).cast(to: dtype)
        let weight = randomInput([channels], low: 0.5, high: 1.5, seed: 7).cast(to: dtype)
        let bias = randomInput([channels], seed: 8).cast(to: dtype)
        let epsilon = 1e-5
        let fused = batchNormTraining(x, weight: weight, bias: bias, epsilon: epsilon)
        let spec = Self.composite(x, weight: weight, bias: bias, epsilon: epsilon)
        let context = "\(shape) \(dtype)"
        expectMatch(fused.output, spec.output, tolerance: tolerance, "output, \(context)")
        expectMatch(fused.mean, spec.mean, tolerance: tolerance, "mean, \(context)")
        expectMatch(fused.variance, spec.variance, tolerance: tolerance, "variance, \(context)")
        let (_, fusedGradients) = valueAndGradient(at: [x, weight, bias]) {
            weightedSum(batchNormTraining($0[0], weight: $0[1], bias: $0[2], epsilon: epsilon).output)
        }
        let (_, specGradients) = valueAndGradient(at: [x, weight, bias]) {
            weightedSum(Self.composite($0[0], weight: $0[1], bias: $0[2], epsilon: epsilon).output)
        }
        for (which, name) in ["d x", "d weight", "d bias"].enumerated() {
            expectMatch(fusedGradients[which], specGradients[which], tolerance: tolerance, "\(name), \(context)")
        }
    }

    /// The C kernels against the reference loops run in float64 and rounded: only the kernels'
    /// float32 rounding counts. Strided gradient and input exercise the dense copies.
    @Test(arguments: [[1, 1], [7, 3, 1], [2, 5, 17], [32, 8, 20, 20]])
    func cpuKernelsMatchReference(shape: [Int]) {
        let channels = shape[1]
        let generator = RandomGenerator(seed: 12)
        let x = Tensor.uniform(shape, low: -2, high: 4, generator: generator)
        let gradient = Tensor.uniform(shape.reversed(), low: -1, high: 1, generator: generator)
            .permuted(Array((0..<shape.count).reversed()))
        let weight = Tensor.uniform([channels], low: 0.5, high: 1.5, generator: generator)
        let bias = Tensor.uniform([channels], low: -1, high: 1, generator: generator)
        for affine in [true, false] {
            let (w, b) = affine ? (weight, bias) : (nil, nil)
            let fast = CPUBackend.shared.batchNormalization(x, weight: w, bias: b, epsilon: 1e-5)
            let fastGradients = CPUBackend.shared.batchNormalizationBackward(
                gradient, x, mean: fast.mean, inverseStandardDeviation: fast.inverseStandardDeviation, weight: w)
            let reference = ReferenceBackend()
            let exact = reference.batchNormalization(x.cast(to: .float64), weight: w?.cast(to: .float64), bias: b?.cast(to: .float64),
                                                     epsilon: 1e-5)
            let exactGradients = reference.batchNormalizationBackward(
                gradient.cast(to: .float64), x.cast(to: .float64), mean: exact.mean,
                inverseStandardDeviation: exact.inverseStandardDeviation, weight: w?.cast(to: .float64))
            // Sums over up to 12,800 values per channel that partly cancel: hence the absolute part.
            let tolerance = Tolerance(relative: 1e-5, absolute: 1e-5)
            let context = "\(shape), affine \(affine)"
            expectMatch(fast.output, exact.output.cast(to: .float32), tolerance: tolerance, "output, \(context)")
            expectMatch(fast.mean, exact.mean.cast(to: .float32), tolerance: tolerance, "mean, \(context)")
            expectMatch(fast.variance, exact.variance.cast(to: .float32), tolerance: tolerance, "variance, \(context)")
            expectMatch(fast.inverseStandardDeviation, exact.inverseStandardDeviation.cast(to: .float32), tolerance: tolerance,
                        "inverse standard deviation, \(context)")
            expectMatch(fastGradients.input, exactGradients.input.cast(to: .float32), tolerance: tolerance, "d x, \(context)")
            expectMatch(fastGradients.weight, exactGradients.weight.cast(to: .float32), tolerance: tolerance, "d weight, \(context)")
            expectMatch(fastGradients.bias, exactGradients.bias.cast(to: .float32), tolerance: tolerance, "d bias, \(context)")
        }
    }

    /// Splitting channels across threads leaves every value unchanged (each channel is summed by
    /// one thread in a fixed order): one call against the per-channel calls on slices.
    @Test func cpuResultsDoNotDependOnSplit() {
        let x = Tensor.uniform([32, 8, 20, 20], low: -2, high: 2, generator: RandomGenerator(seed: 13))
        let whole = CPUBackend.shared.batchNormalization(x, weight: nil, bias: nil, epsilon: 1e-5)
        for channel in 0..<8 {
            let part = CPUBackend.shared.batchNormalization(x.sliced(axis: 1, start: channel, end: channel + 1), weight: nil, bias: nil,
                                                            epsilon: 1e-5)
            expectMatch(part.output, whole.output.sliced(axis: 1, start: channel, end: channel + 1).contiguous(), "channel \(channel)")
            expectMatch(part.mean, whole.mean.sliced(axis: 0, start: channel, end: channel + 1).contiguous(), "mean \(channel)")
        }
    }
}
