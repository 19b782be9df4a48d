import Foundation
import Strata
import Testing

// The per-sample softmax cross-entropy `softmaxCrossEntropy`: float64 gradients of its composite
// against central finite differences (and the float32 gradient, which runs the CPU backend's
// fused kernel, against them), and the kernel pinned to the composite on the same primitives:
// the forward bit for bit (the same float32 functions in the same order), the gradient within
// float32 rounding.

@Suite struct SoftmaxCrossEntropyTests {
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    @Test(arguments: [[5, 3], [4, 20], [1, 1]])
    func gradientMatchesFiniteDifferences(shape: [Int]) {
        let logits = randomInput(shape, low: -3, high: 3, seed: 41)
        let labels = Tensor((0..<shape[0]).map { Int64(($0 * 7 + 1) % shape[1]) })
        checkGradient(at: logits) { softmaxCrossEntropy(logits: $0, labels: labels) }
    }

    /// Rows of 10 (mlp_train's head) and of 37 (sixteen lanes and a tail), a row of large logits
    /// (the shift keeps exp finite) and a batch split across the pool.
    @Test(arguments: [[128, 10], [9, 37], [4096, 10]])
    func float32MatchesComposite(shape: [Int]) {
        let generator = RandomGenerator(seed: 42)
        var logits = Tensor.uniform(shape, low: -4, high: 4, generator: generator)
        logits = Tensor.concat([logits.sliced(axis: 0, start: 0, end: shape[0] - 1) ,
                                logits.sliced(axis: 0, start: shape[0] - 1, end: shape[0]) + 80], axis: 0)
        let labels = Tensor.uniform([shape[0]], high: Double(shape[1]), generator: generator).cast(to: .int64)
        let upstream = Tensor.uniform([shape[0]], low: -1, high: 1, generator: generator)
        func run() -> (Tensor, Tensor) {
            let losses = softmaxCrossEntropy(logits: logits, labels: labels)
            let slope = gradient(at: logits) { (softmaxCrossEntropy(logits: $0, labels: labels) * upstream).sum() }
            return (losses, slope)
        }
        let (fused, fusedGradient) = run()
        let (spec, specGradient) = withBackend(Self.composite) { run() }
        expectMatch(fused, spec, "losses \(shape)")
        expectMatch(fusedGradient, specGradient, tolerance: Tolerance(relative: 1e-5, absolute: 1e-7), "gradient \(shape)")
    }

    /// int32 labels run the same kernel (cast once); float64 logits run the composite.
    @Test func labelsOfEitherIntegerTypeAndFloat64() {
        let logits = Tensor([[1, 2, 3], [0, -1, 2]] as [[Float]])
        let fromInt32 = softmaxCrossEntropy(logits: logits, labels: Tensor([2, 0] as [Int32]))
        #expect(fromInt32.scalars(as: Float.self) == softmaxCrossEntropy(logits: logits, labels: Tensor([2, 0] as [Int64])).scalars(as: Float.self))
        // By hand: log(e + e² + e³) - 3 and log(1 + e⁻¹ + e²) - 0.
        let expected = [Foundation.log(M_E + M_E * M_E + M_E * M_E * M_E) - 3, Foundation.log(1 + 1 / M_E + M_E * M_E)]
        let double = softmaxCrossEntropy(logits: logits.cast(to: .float64), labels: Tensor([2, 0] as [Int64])).scalars(as: Double.self)
        #expect(zip(double, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        #expect(zip(fromInt32.scalars(as: Float.self), expected).allSatisfy { Swift.abs(Double($0) - $1) < 1e-6 })
    }
}
