import Strata
import Testing

// Layer normalization: the composite of reductions and elementwise ops (the definition) checked
// against central finite differences in float64, and the fused CPU kernel (float32) pinned to the
// composite computed in float64: values and the gradients of x, weight and bias, with and without
// the affine parameters, one and two normalized dimensions, strided inputs and more rows than
// one block of the kernel's weight-gradient sums (64).

@Suite struct LayerNormalizationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let shape: [Int]
        let normalizedCount: Int
        let weight, bias, transposed: Bool
        var testDescription: String {
            "\(shape) over \(normalizedCount) weight \(weight) bias \(bias) transposed \(transposed)"
        }
    }

    static let cases = [
        Case(shape: [3, 5], normalizedCount: 1, weight: true, bias: true, transposed: false),
        Case(shape: [2, 3, 4], normalizedCount: 2, weight: true, bias: false, transposed: false),
        Case(shape: [4, 6], normalizedCount: 1, weight: false, bias: true, transposed: true),
        Case(shape: [2, 3], normalizedCount: 1, weight: false, bias: false, transposed: false),
    ]

    /// `x` of `c`'s shape (a transposed view when `c.transposed`) and its parameters.
    static func inputs(_ c: Case, dtype: DType, seed: UInt64) -> (x: Tensor, weight: Tensor?, bias: Tensor?) {
        let generator = RandomGenerator(seed: seed)
        let x = c.transposed
            ? Tensor.uniform(Array(c.shape.dropLast(2)) + [c.shape[c.shape.count - 1], c.shape[c.shape.count - 2]], low: -3,
                             high: 3, dtype: dtype, generator: generator).transposed()
            : Tensor.uniform(c.shape, low: -3, high: 3, dtype: dtype, generator: generator)
        let normalized = Array(c.shape.suffix(c.normalizedCount))
        let weight = Tensor.uniform(normalized, low: 0.5, high: 1.5, dtype: dtype, generator: generator)
        let bias = Tensor.uniform(normalized, low: -1, high: 1, dtype: dtype, generator: generator)
        return (x, c.weight ? weight : nil, c.bias ? bias : nil)
    }

    @Test(arguments: cases)
    func compositeGradientsMatchFiniteDifferences(c: Case) {
        let (x, weight, bias) = Self.inputs(c, dtype: .float64, seed: 3)
        let parameters = [weight, bias].compactMap { $0 }
        checkGradients(at: [x] + parameters) { inputs in
            var rest = inputs.dropFirst().makeIterator()
            return layerNormalization(inputs[0], normalizedCount: c.normalizedCount, weight: c.weight ? rest.next() : nil,
                                      bias: c.bias ? rest.next() : nil)
        }
    }

    static let conformanceCases = cases + [
        Case(shape: [130, 40], normalizedCount: 1, weight: true, bias: true, transposed: false),
        Case(shape: [3, 70, 17], normalizedCount: 1, weight: true, bias: true, transposed: true),
        Case(shape: [2, 33, 384], normalizedCount: 1, weight: true, bias: true, transposed: false),
    ]

    /// The fused float32 kernel against the composite in float64.
    @Test(arguments: conformanceCases)
    func fusedKernelMatchesComposite(c: Case) {
        let (x, weight, bias) = Self.inputs(c, dtype: .float32, seed: 5)
        let parameters = [weight, bias].compactMap { $0 }
        let seed = Tensor.uniform(c.shape, low: -1, high: 1, generator: RandomGenerator(seed: 6))
        func loss(_ inputs: [Tensor], fused: Bool) -> Tensor {
            var rest = inputs.dropFirst().makeIterator()
            let (w, b) = (c.weight ? rest.next() : nil, c.bias ? rest.next() : nil)
            let output = fused ? layerNormalization(inputs[0], normalizedCount: c.normalizedCount, weight: w, bias: b)
                : layerNormalizationComposite(inputs[0], normalizedCount: c.normalizedCount, weight: w, bias: b)
            return (output * seed.cast(to: output.dtype)).sum()
        }
        let (fastValue, fast) = valueAndGradient(at: [x] + parameters) { loss($0, fused: true) }
        let (exactValue, exact) = valueAndGradient(at: ([x] + parameters).map { $0.cast(to: .float64) }) { loss($0, fused: false) }
        let output = layerNormalization(x, normalizedCount: c.normalizedCount, weight: weight, bias: bias)
        let expected = layerNormalizationComposite(x.cast(to: .float64), normalizedCount: c.normalizedCount,
                                                   weight: weight?.cast(to: .float64), bias: bias?.cast(to: .float64))
        // float32 rounding of normalized values of magnitude <= 4 and of sums over up to 4,290 rows.
        let tolerance = Tolerance(relative: 1e-4, absolute: 2e-5)
        expectMatch(output, expected.cast(to: .float32), tolerance: tolerance, "output, \(c.testDescription)")
        expectMatch(fastValue, exactValue.cast(to: .float32), tolerance: Tolerance(relative: 1e-4, absolute: 1e-3),
                    "loss, \(c.testDescription)")
        for index in fast.indices {
            expectMatch(fast[index], exact[index].cast(to: .float32), tolerance: tolerance,
                        "gradient \(index), \(c.testDescription)")
        }
    }

    /// The composite path runs when the backend offers no kernel: the same values in float32.
    @Test func compositeBackendAgreesInFloat32() {
        let c = Self.conformanceCases[4]
        let (x, weight, bias) = Self.inputs(c, dtype: .float32, seed: 8)
        let fused = layerNormalization(x, normalizedCount: 1, weight: weight, bias: bias)
        let composite = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) {
            layerNormalization(x, normalizedCount: 1, weight: weight, bias: bias)
        }
        expectMatch(fused, composite, tolerance: Tolerance(relative: 1e-5, absolute: 1e-5), "fused against composite")
    }
}
