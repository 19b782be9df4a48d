import Strata
import Testing

// The Elman RNN sequence op, tanh and ReLU: float64 gradients against central finite differences
// through the CPU backend's fused kernel (float64, the same loops as float32) and through the
// composite of rnnCell steps (the specification), both directions, on strided inputs; and the
// fused kernel pinned to the composite in float32 (1e-5) and float64, values and gradients, on
// shapes small enough for one part, with enough batch rows for each thread to take its own, and
// with the hidden units split across the pool.

@Suite struct RNNSequenceTests {
    /// The CPU backend without fused kernels: `rnnSequence` runs its composite.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    struct Case: Sendable, CustomTestStringConvertible {
        let nonlinearity: RecurrentNonlinearity
        let reverse: Bool
        var testDescription: String { "\(nonlinearity)\(reverse ? ", reverse" : "")" }
        static let all = [RecurrentNonlinearity.tanh, .relu].flatMap { n in [false, true].map { Case(nonlinearity: n, reverse: $0) } }
    }

    /// `[projected, hidden, hiddenWeight]` in float64 as views (a transpose, a strided slice),
    /// hidden size 3. The pre-activations stay clear of ReLU's kink: |projected| >= 0.5, and
    /// |h W_hh^T| <= 3 * 0.05 * max |h| <= 0.15 * 2.35 < 0.36 (max |h| <= 2 / (1 - 0.15) by
    /// induction over steps, the initial state within ±1), so every pre-activation is at least 0.14
    /// from zero, far beyond the finite-difference step.
    static func stridedInputs(time: Int, batch: Int) -> [Tensor] {
        [inputAwayFromZero([time, 3, batch], low: 0.5, high: 2, seed: 1).transposed(1, 2),
         randomInput([batch, 3], low: -1, high: 1, seed: 2),
         randomInput([3, 6], low: -0.05, high: 0.05, seed: 3).sliced(axis: 1, start: 0, end: 6, step: 2)]
    }

    @Test(arguments: Case.all)
    func fusedGradientsMatchFiniteDifferences(_ test: Case) {
        #expect(CPUBackend.shared.fusedKernels.rnnSequence!.supports(projected: randomInput([1, 1, 1]), nonlinearity: test.nonlinearity))
        let inputs = Self.stridedInputs(time: 4, batch: 3)
        checkGradients(at: inputs) {
            rnnSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], nonlinearity: test.nonlinearity, reverse: test.reverse)
        }
    }

    @Test(arguments: Case.all)
    func compositeGradientsMatchFiniteDifferences(_ test: Case) {
        let inputs = Self.stridedInputs(time: 3, batch: 2)
        withBackend(Self.composite) {
            checkGradients(at: inputs) {
                rnnSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], nonlinearity: test.nonlinearity, reverse: test.reverse)
            }
        }
    }

    struct Shape: Sendable, CustomTestStringConvertible {
        let time, batch, size: Int
        var testDescription: String { "time \(time), batch \(batch), hidden \(size)" }
    }

    /// Single steps, odd sizes, (batch 17, hidden 264) with enough rows for each thread to run the
    /// whole sequence on its own rows (8 and 9), and (batch 4, hidden 520) with too few rows, past
    /// the 2 MFLOP at which each step's units are split across threads (2 * 4 * 520² ≈ 2.2 MFLOP),
    /// with a part that is not a multiple of 16 (`RecurrentSteps.Schedule`).
    static let shapes = [Shape(time: 1, batch: 1, size: 1), Shape(time: 3, batch: 5, size: 7), Shape(time: 4, batch: 17, size: 264),
                         Shape(time: 3, batch: 4, size: 520)]

    /// The hidden states and the gradients of `Σ hiddens * outputGradient` with respect to
    /// projected, hidden and hiddenWeight, on the current backend.
    static func outputsAndGradients(_ shape: Shape, _ test: Case, dtype: DType) -> [String: Tensor] {
        let (time, batch, size) = (shape.time, shape.batch, shape.size)
        let generator = RandomGenerator(seed: 12)
        let values = [Tensor.uniform([time, batch, size], low: -2, high: 2, dtype: dtype, generator: generator),
                      Tensor.uniform([batch, size], low: -1, high: 1, dtype: dtype, generator: generator),
                      Tensor.uniform([size, size], low: -0.1, high: 0.1, dtype: dtype, generator: generator)]
        let outputGradient = Tensor.uniform([time, batch, size], low: -1, high: 1, dtype: dtype, generator: generator)
        func run(_ values: [Tensor]) -> Tensor {
            rnnSequence(projected: values[0], hidden: values[1], hiddenWeight: values[2], nonlinearity: test.nonlinearity,
                        reverse: test.reverse)
        }
        let (_, gradients) = valueAndGradient(at: values) { (run($0) * outputGradient).sum() }
        return ["hiddens": run(values), "d projected": gradients[0], "d hidden": gradients[1], "d hiddenWeight": gradients[2]]
    }

    /// float32: 1e-5 relative, with an absolute part for the gradients of h and W_hh, sums of
    /// hidden (and time * batch) products that partly cancel. Up to ~3e-6 apart when each thread
    /// takes 8 or 9 rows: oneDNN sums the thin per-step products in another order than the
    /// composite's full-batch ones (float64 below pins the same loops to 1e-12).
    @Test(arguments: shapes)
    func float32MatchesComposite(shape: Shape) {
        for test in Case.all {
            let fused = withBackend(CPUBackend.shared) { Self.outputsAndGradients(shape, test, dtype: .float32) }
            let spec = withBackend(Self.composite) { Self.outputsAndGradients(shape, test, dtype: .float32) }
            expectNamedMatches(fused, spec, relative: 1e-5, absolute: 5e-6, "\(shape.testDescription), \(test.testDescription)")
        }
    }

    /// float64: the kernel and the composite differ only in rounding order.
    @Test(arguments: shapes)
    func float64MatchesComposite(shape: Shape) {
        for test in Case.all {
            let fused = withBackend(CPUBackend.shared) { Self.outputsAndGradients(shape, test, dtype: .float64) }
            let spec = withBackend(Self.composite) { Self.outputsAndGradients(shape, test, dtype: .float64) }
            expectNamedMatches(fused, spec, relative: 1e-12, absolute: 1e-13, "\(shape.testDescription), \(test.testDescription)")
        }
    }
}
