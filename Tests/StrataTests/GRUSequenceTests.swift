import Strata
import Testing

// The GRU sequence op: float64 gradients against central finite differences through the CPU
// backend's fused kernel (which runs float64 with the same loops as float32) and through the
// composite of gruCell steps (the specification), both directions, with and without b_hh, on
// strided inputs; and the fused kernel pinned to the composite in float32 (1e-5) and float64,
// values and gradients, on shapes small enough for one part, with enough batch rows for
// each thread to take its own, and with the hidden units split across the pool.

@Suite struct GRUSequenceTests {
    /// The CPU backend without fused kernels: `gruSequence` runs its composite.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// Inputs `[projected, hidden, hiddenWeight, hiddenBias]` in float64, the first and third as
    /// views (a transpose, a strided slice) to exercise the kernel's dense copies.
    static func stridedInputs(time: Int, batch: Int, size: Int) -> [Tensor] {
        [randomInput([time, 3 * size, batch], seed: 1).transposed(1, 2),
         randomInput([batch, size], low: -1, high: 1, seed: 2),
         randomInput([3 * size, 2 * size], low: -1, high: 1, seed: 3).sliced(axis: 1, start: 0, end: 2 * size, step: 2),
         randomInput([3 * size], low: -1, high: 1, seed: 4)]
    }

    @Test(arguments: [false, true])
    func fusedGradientsMatchFiniteDifferences(reverse: Bool) {
        #expect(CPUBackend.shared.fusedKernels.gruSequence!.supports(projected: randomInput([1, 1, 3])))
        let inputs = Self.stridedInputs(time: 4, batch: 3, size: 2)
        checkGradients(at: inputs) { gruSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], hiddenBias: $0[3], reverse: reverse) }
        checkGradients(at: Array(inputs.prefix(3))) { gruSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], reverse: reverse) }
    }

    @Test(arguments: [false, true])
    func compositeGradientsMatchFiniteDifferences(reverse: Bool) {
        let inputs = Self.stridedInputs(time: 3, batch: 2, size: 2)
        withBackend(Self.composite) {
            checkGradients(at: inputs) { gruSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], hiddenBias: $0[3], reverse: reverse) }
        }
    }

    /// Only the final state used: the gradient reaches the kernel as zeros but for one step.
    @Test func gradientOfFinalStateAlone() {
        let inputs = Self.stridedInputs(time: 3, batch: 2, size: 3)
        checkGradients(at: inputs) { gruSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], hiddenBias: $0[3])[.index(2)] }
    }

    struct Shape: Sendable, CustomTestStringConvertible {
        let time, batch, size: Int
        var testDescription: String { "time \(time), batch \(batch), hidden \(size)" }
    }

    /// Single steps, odd sizes, (batch 17, hidden 168) with enough rows for each thread to run the
    /// whole sequence on its own rows (8 and 9), and (batch 4, hidden 296) with too few rows, past
    /// the 2 MFLOP at which each step's units are split across threads (2 * 4 * 3 * 296² ≈ 2.1
    /// MFLOP), with a part that is not a multiple of 16 (`RecurrentSteps.Schedule`).
    static let shapes = [Shape(time: 1, batch: 1, size: 1), Shape(time: 3, batch: 5, size: 7), Shape(time: 4, batch: 17, size: 168),
                         Shape(time: 3, batch: 4, size: 296)]

    /// The hidden states and the gradients of `Σ hiddens * outputGradient` with respect to
    /// projected, hidden, hiddenWeight and hiddenBias, on the current backend.
    static func outputsAndGradients(_ shape: Shape, dtype: DType, reverse: Bool) -> [String: Tensor] {
        let (time, batch, size) = (shape.time, shape.batch, shape.size)
        let generator = RandomGenerator(seed: 11)
        let values = [Tensor.uniform([time, batch, 3 * size], low: -2, high: 2, dtype: dtype, generator: generator),
                      Tensor.uniform([batch, size], low: -1, high: 1, dtype: dtype, generator: generator),
                      Tensor.uniform([3 * size, size], low: -0.5, high: 0.5, dtype: dtype, generator: generator),
                      Tensor.uniform([3 * size], low: -0.5, high: 0.5, dtype: dtype, generator: generator)]
        let outputGradient = Tensor.uniform([time, batch, size], low: -1, high: 1, dtype: dtype, generator: generator)
        let (_, gradients) = valueAndGradient(at: values) {
            (gruSequence(projected: $0[0], hidden: $0[1], hiddenWeight: $0[2], hiddenBias: $0[3], reverse: reverse) * outputGradient).sum()
        }
        return ["hiddens": gruSequence(projected: values[0], hidden: values[1], hiddenWeight: values[2], hiddenBias: values[3],
                                       reverse: reverse),
                "d projected": gradients[0], "d hidden": gradients[1], "d hiddenWeight": gradients[2], "d hiddenBias": gradients[3]]
    }

    /// float32: 1e-5 relative, with an absolute part for the gradients of h, W_hh and b_hh, sums
    /// of 3 * hidden (and time * batch) products that partly cancel. Up to ~3e-6 apart when each
    /// thread takes 8 or 9 rows: oneDNN sums the thin per-step products in another order than the
    /// composite's full-batch ones (float64 below pins the same loops to 1e-12).
    @Test(arguments: shapes)
    func float32MatchesComposite(shape: Shape) {
        for reverse in [false, true] {
            let fused = withBackend(CPUBackend.shared) { Self.outputsAndGradients(shape, dtype: .float32, reverse: reverse) }
            let spec = withBackend(Self.composite) { Self.outputsAndGradients(shape, dtype: .float32, reverse: reverse) }
            expectNamedMatches(fused, spec, relative: 1e-5, absolute: 5e-6, "\(shape.testDescription), reverse \(reverse)")
        }
    }

    /// float64: the kernel and the composite differ only in rounding order.
    @Test(arguments: shapes)
    func float64MatchesComposite(shape: Shape) {
        for reverse in [false, true] {
            let fused = withBackend(CPUBackend.shared) { Self.outputsAndGradients(shape, dtype: .float64, reverse: reverse) }
            let spec = withBackend(Self.composite) { Self.outputsAndGradients(shape, dtype: .float64, reverse: reverse) }
            expectNamedMatches(fused, spec, relative: 1e-12, absolute: 1e-13, "\(shape.testDescription), reverse \(reverse)")
        }
    }
}
