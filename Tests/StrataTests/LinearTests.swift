import Foundation
import Strata
import Testing

// The dense-layer op `linear`: float64 gradients of its composite against central finite
// differences (and the float32 gradient, which runs the CPU backend's fused kernel, against
// them), the fused kernel pinned bit for bit to the composite on the same primitives (it makes
// the same GEMM calls and rounds its epilogues as `+ bias` and `relu` do), on shapes whose
// products and gradient passes are split across the pool, and the seam: the kernel runs exactly
// when it supports the operands.

/// Counts the calls that reach the CPU backend's linear kernel, from any thread.
private final class LinearCallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]

    func record(_ name: String) { lock.withLock { counts[name, default: 0] += 1 } }
    subscript(name: String) -> Int { lock.withLock { counts[name, default: 0] } }
}

private struct CountedLinearKernel: LinearKernel {
    let counter: LinearCallCounter
    let accepting: Bool
    var wrapped: any LinearKernel { CPUBackend.shared.fusedKernels.linear! }

    func supports(input: Tensor, weight: Tensor, bias: Tensor?) -> Bool {
        accepting && wrapped.supports(input: input, weight: weight, bias: bias)
    }

    func forward(_ input: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation) -> Tensor {
        counter.record("forward")
        return wrapped.forward(input, weight: weight, bias: bias, activation: activation)
    }

    func backward(_ gradient: Tensor, input: Tensor, weight: Tensor, output: Tensor, activation: LinearActivation,
                  needs: LinearGradientNeeds) -> (input: Tensor?, weight: Tensor?, bias: Tensor?) {
        counter.record("backward")
        return wrapped.backward(gradient, input: input, weight: weight, output: output, activation: activation, needs: needs)
    }
}

@Suite struct LinearTests {
    /// The CPU backend without fused kernels: `linear` runs its composite.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// (input shape, output size): a matrix, a batch of sequences, a single vector.
    static let shapes: [([Int], Int)] = [([5, 4], 3), ([2, 3, 4], 6), ([4], 2)]

    @Test(arguments: shapes, [LinearActivation.identity, .relu])
    func gradientsMatchFiniteDifferences(shape: ([Int], Int), activation: LinearActivation) {
        let (inputShape, outputSize) = shape
        let inputSize = inputShape.last!
        // Inputs away from zero and a bias that keeps some outputs on each side of the ReLU's kink.
        let x = inputAwayFromZero(inputShape, seed: 1)
        let weight = randomInput([outputSize, inputSize], low: -1, high: 1, seed: 2)
        let bias = randomInput([outputSize], low: -0.5, high: 0.5, seed: 3)
        checkGradients(at: [x, weight, bias]) { linear($0[0], weight: $0[1], bias: $0[2], activation: activation) }
        checkGradients(at: [x, weight]) { linear($0[0], weight: $0[1], bias: nil, activation: activation) }
    }

    /// The op's value is the composite's: `relu(matmul(x, wᵀ) + b)`, as the reference backend computes it.
    @Test func valueIsTheComposite() {
        let x = randomInput([3, 4], seed: 4)
        let weight = randomInput([5, 4], seed: 5)
        let bias = randomInput([5], seed: 6)
        let expected = withBackend(ReferenceBackend()) { relu(matmul(x, weight.transposed()) + bias) }
        expectMatch(linear(x, weight: weight, bias: bias, activation: .relu), expected, tolerance: Tolerance(relative: 1e-12, absolute: 1e-12),
                    "relu(x wᵀ + b)")
    }

    /// Fused (through the op and autodiff) and composite on the CPU backend, float32: equal bit
    /// for bit, values and every gradient. [128, 784] x [512, 784] is mlp_train's first layer,
    /// whose products are cut across the pool; [3, 7] x [5, 7] stays on one thread.
    @Test(arguments: [([128, 784], 512), ([64, 512], 256), ([3, 7], 5), ([256, 45], 1)], [LinearActivation.identity, .relu])
    func float32MatchesCompositeExactly(shape: ([Int], Int), activation: LinearActivation) {
        let (inputShape, outputSize) = shape
        let generator = RandomGenerator(seed: 7)
        let x = Tensor.uniform(inputShape, low: -1, high: 1, generator: generator)
        let weight = Tensor.uniform([outputSize, inputShape[1]], low: -0.1, high: 0.1, generator: generator)
        let bias = Tensor.uniform([outputSize], low: -0.1, high: 0.1, generator: generator)
        let upstream = Tensor.uniform([inputShape[0], outputSize], low: -1, high: 1, generator: generator)
        for withBias in [true, false] {
            func run() -> (Tensor, [Tensor]) {
                let inputs = withBias ? [x, weight, bias] : [x, weight]
                let (_, gradients) = valueAndGradient(at: inputs) {
                    (linear($0[0], weight: $0[1], bias: withBias ? $0[2] : nil, activation: activation) * upstream).sum()
                }
                return (linear(x, weight: weight, bias: withBias ? bias : nil, activation: activation), gradients)
            }
            let (fused, fusedGradients) = withBackend(CPUBackend.shared) { run() }
            let (spec, specGradients) = withBackend(Self.composite) { run() }
            let context = "\(inputShape) -> \(outputSize), \(activation), bias \(withBias)"
            expectMatch(fused, spec, "output, \(context)")
            for (name, (gradient, expected)) in zip(["d input", "d weight", "d bias"], zip(fusedGradients, specGradients)) {
                expectMatch(gradient, expected, "\(name), \(context)")
            }
        }
    }

    /// Strided operands (a transposed input and weight, a transposed upstream gradient) go through
    /// the kernel's dense copies and still give the composite's numbers; an untracked input asks
    /// for no input gradient.
    @Test func stridedOperandsAndUntrackedInput() {
        let generator = RandomGenerator(seed: 8)
        let x = Tensor.uniform([40, 33], low: -1, high: 1, generator: generator).transposed()      // [33, 40]
        let weight = Tensor.uniform([40, 24], low: -0.2, high: 0.2, generator: generator).transposed() // [24, 40]
        let bias = Tensor.uniform([24], low: -0.2, high: 0.2, generator: generator)
        let upstream = Tensor.uniform([24, 33], low: -1, high: 1, generator: generator).transposed()
        func run() -> [Tensor] {
            valueAndGradient(at: [weight, bias]) { (linear(x, weight: $0[0], bias: $0[1], activation: .relu) * upstream).sum() }.gradients
        }
        let fused = withBackend(CPUBackend.shared) { run() }
        let spec = withBackend(Self.composite) { run() }
        expectMatch(fused[0], spec[0], "d weight")
        expectMatch(fused[1], spec[1], "d bias")
    }

    /// One forward and one backward call while the kernel accepts; none, and the composite's
    /// exact numbers, while it declines (float64 is declined by the CPU kernel itself).
    @Test(arguments: [true, false])
    func linearRunsAnAcceptingKernel(accepting: Bool) {
        let counter = LinearCallCounter()
        let backend = CPUBackend.shared.offeringFusedKernels(FusedKernels(linear: CountedLinearKernel(counter: counter, accepting: accepting)))
        let generator = RandomGenerator(seed: 9)
        let inputs = [Tensor.uniform([6, 5], low: -1, high: 1, generator: generator),
                      Tensor.uniform([4, 5], low: -1, high: 1, generator: generator),
                      Tensor.uniform([4], low: -1, high: 1, generator: generator)]
        func run() -> (Tensor, [Tensor]) {
            valueAndGradient(at: inputs) { linear($0[0], weight: $0[1], bias: $0[2], activation: .relu).square().sum() }
        }
        let (value, gradients) = withBackend(backend) { run() }
        #expect(counter["forward"] == (accepting ? 1 : 0) && counter["backward"] == (accepting ? 1 : 0))
        _ = withBackend(backend) { linear(inputs[0].cast(to: .float64), weight: inputs[1].cast(to: .float64), bias: nil) }
        #expect(counter["forward"] == (accepting ? 1 : 0), "float64 runs the composite")
        let (expected, expectedGradients) = withBackend(Self.composite) { run() }
        expectMatch(value, expected, "loss")
        for (gradient, expected) in zip(gradients, expectedGradients) { expectMatch(gradient, expected, "gradient") }
    }
}
