import Strata
import Testing

// Batch normalization in training: float64 gradients of the op (its composite) against central
// finite differences, and the CPU backend's fused float32 kernel pinned to the composite, the
// specification: through the op and autodiff against the composite on the same primitives, and
// kernel call by kernel call against the composite run in float64, on shapes whose channels are
// split across the pool.

@Suite struct BatchNormalizationTests {
    /// The CPU backend without fused kernels: `batchNormTraining` runs its composite.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// The CPU backend's kernel (the seam's entry, not a copy of it).
    static var kernel: any BatchNormTrainingKernel { CPUBackend.shared.fusedKernels.batchNormTraining! }

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

    /// The statistics carry no gradient, on the composite as on the kernel: adding them to the
    /// loss leaves the input's gradient as the output alone gives it.
    @Test(arguments: [DType.float32, .float64])
    func statisticsCarryNoGradient(dtype: DType) {
        let x = randomInput([4, 3], seed: 9).cast(to: dtype)
        for backend in [CPUBackend.shared, Self.composite] {
            withBackend(backend) {
                let alone = valueAndGradient(at: x) { weightedSum(batchNormTraining($0).output) }.gradient
                let withStatistics = valueAndGradient(at: x) { x in
                    let result = batchNormTraining(x)
                    return weightedSum(result.output) + result.mean.sum() + result.variance.sum()
                }.gradient
                expectMatch(withStatistics, alone, "\(dtype), \(backend.fusedKernels.batchNormTraining == nil ? "composite" : "kernel")")
            }
        }
    }

    /// Kernel (through the op) and composite in float32 on the CPU backend agree to 1e-5
    /// relative; the absolute part (1e-6, about 8 float32 ulp of 1) admits values near zero,
    /// where both carry the rounding of values of size 1. Shape [16, 8, 12, 12] splits channels
    /// across the pool.
    @Test(arguments: shapes + [[16, 8, 12, 12], [64, 4, 7, 7]])
    func float32MatchesComposite(shape: [Int]) {
        let channels = shape[1]
        let tolerance = Tolerance(relative: 1e-5, absolute: 1e-6)
        // An offset mean (3) checks that the variance is not taken as E[x²] - E[x]².
        let x = (randomInput(shape, seed: 6) + 3).cast(to: .float32)
        let weight = randomInput([channels], low: 0.5, high: 1.5, seed: 7).cast(to: .float32)
        let bias = randomInput([channels], seed: 8).cast(to: .float32)
        func run() -> (output: Tensor, mean: Tensor, variance: Tensor, gradients: [Tensor]) {
            let result = batchNormTraining(x, weight: weight, bias: bias, epsilon: 1e-5)
            let (_, gradients) = valueAndGradient(at: [x, weight, bias]) {
                weightedSum(batchNormTraining($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-5).output)
            }
            return (result.output, result.mean, result.variance, gradients)
        }
        let fused = withBackend(CPUBackend.shared) { run() }
        let spec = withBackend(Self.composite) { run() }
        let context = "\(shape) float32"
        expectMatch(fused.output, spec.output, tolerance: tolerance, "output, \(context)")
        expectMatch(fused.mean, spec.mean, tolerance: tolerance, "mean, \(context)")
        expectMatch(fused.variance, spec.variance, tolerance: tolerance, "variance, \(context)")
        for (which, name) in ["d x", "d weight", "d bias"].enumerated() {
            expectMatch(fused.gradients[which], spec.gradients[which], tolerance: tolerance, "\(name), \(context)")
        }
    }

    /// The kernel's forward and backward against the composite run in float64 and rounded: only
    /// the kernel's float32 rounding counts. Strided gradient and input exercise the dense copies.
    @Test(arguments: [[1, 1], [7, 3, 1], [2, 5, 17], [32, 8, 20, 20]])
    func cpuKernelMatchesComposite(shape: [Int]) {
        let channels = shape[1]
        let generator = RandomGenerator(seed: 12)
        let x = Tensor.uniform(shape, low: -2, high: 4, generator: generator)
        let gradient = Tensor.uniform(shape.reversed(), low: -1, high: 1, generator: generator)
            .permuted(Array((0..<shape.count).reversed()))
        let weight = Tensor.uniform([channels], low: 0.5, high: 1.5, generator: generator)
        let bias = Tensor.uniform([channels], low: -1, high: 1, generator: generator)
        for affine in [true, false] {
            let (w, b) = affine ? (weight, bias) : (nil, nil)
            let fast = Self.kernel.forward(x, weight: w, bias: b, epsilon: 1e-5)
            let fastGradients = Self.kernel.backward(gradient, x, mean: fast.mean, inverseStandardDeviation: fast.inverseStandardDeviation,
                                                     weight: w)
            // Without affine parameters the kernel's dweight and dbias are still Σ g x̂ and Σ g:
            // those of a weight of ones and a bias of zeros, which change no value.
            let (exact, exactGradients) = withBackend(ReferenceBackend()) {
                let inputs = [x, w ?? Tensor.ones([channels]), b ?? Tensor.zeros([channels])].map { $0.cast(to: .float64) }
                let exact = batchNormTraining(inputs[0], weight: inputs[1], bias: inputs[2], epsilon: 1e-5)
                let (_, exactGradients) = valueAndGradient(at: inputs) {
                    (batchNormTraining($0[0], weight: $0[1], bias: $0[2], epsilon: 1e-5).output * gradient.cast(to: .float64)).sum()
                }
                return (exact, exactGradients)
            }
            let exactInverse = withBackend(ReferenceBackend()) { rsqrt(exact.variance + 1e-5) }
            // Sums over up to 12,800 values per channel that partly cancel: hence the absolute part.
            let tolerance = Tolerance(relative: 1e-5, absolute: 1e-5)
            let context = "\(shape), affine \(affine)"
            expectMatch(fast.output, exact.output.cast(to: .float32), tolerance: tolerance, "output, \(context)")
            expectMatch(fast.mean, exact.mean.cast(to: .float32), tolerance: tolerance, "mean, \(context)")
            expectMatch(fast.variance, exact.variance.cast(to: .float32), tolerance: tolerance, "variance, \(context)")
            expectMatch(fast.inverseStandardDeviation, exactInverse.cast(to: .float32), tolerance: tolerance,
                        "inverse standard deviation, \(context)")
            expectMatch(fastGradients.input, exactGradients[0].cast(to: .float32), tolerance: tolerance, "d x, \(context)")
            expectMatch(fastGradients.weight, exactGradients[1].cast(to: .float32), tolerance: tolerance, "d weight, \(context)")
            expectMatch(fastGradients.bias, exactGradients[2].cast(to: .float32), tolerance: tolerance, "d bias, \(context)")
        }
    }

    /// Splitting channels across threads leaves every value unchanged (each channel is summed by
    /// one thread in a fixed order): one call against the per-channel calls on slices.
    @Test func cpuResultsDoNotDependOnSplit() {
        let x = Tensor.uniform([32, 8, 20, 20], low: -2, high: 2, generator: RandomGenerator(seed: 13))
        let whole = Self.kernel.forward(x, weight: nil, bias: nil, epsilon: 1e-5)
        for channel in 0..<8 {
            let part = Self.kernel.forward(x.sliced(axis: 1, start: channel, end: channel + 1), weight: nil, bias: nil, epsilon: 1e-5)
            expectMatch(part.output, whole.output.sliced(axis: 1, start: channel, end: channel + 1).contiguous(), "channel \(channel)")
            expectMatch(part.mean, whole.mean.sliced(axis: 0, start: channel, end: channel + 1).contiguous(), "mean \(channel)")
        }
    }
}
