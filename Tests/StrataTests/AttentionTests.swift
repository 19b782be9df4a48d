import Strata
import Testing

// Scaled dot-product attention: the composite of ordinary ops (the definition) checked against
// central finite differences in float64, and the fused tiled kernel (float32, CPU) pinned to the
// composite computed in float64 (values and the gradients of query, key and value), with masks of
// each kind, causal, more keys than queries and sequences longer than one key tile (64).

@Suite struct AttentionTests {
    enum MaskKind: String, CaseIterable, Sendable { case none, keyPadding, additive, boolFull }

    struct Case: Sendable, CustomTestStringConvertible {
        let batch, heads, queries, keys, depth, valueDepth: Int
        let mask: MaskKind
        let causal: Bool
        var testDescription: String {
            "[\(batch), \(heads)] \(queries)x\(keys) depth \(depth)/\(valueDepth) mask \(mask.rawValue) causal \(causal)"
        }
    }

    /// A mask of `kind` for the case: key padding hides the last keys of the second batch row.
    static func mask(_ kind: MaskKind, _ c: Case, dtype: DType) -> Tensor? {
        switch kind {
        case .none: return nil
        case .keyPadding:
            let keep = (0..<c.batch).flatMap { b in (0..<c.keys).map { j in b == 1 ? j < c.keys - 3 : true } }
            return Tensor(keep, shape: [c.batch, 1, 1, c.keys])
        case .additive:
            return Tensor.uniform([c.queries, c.keys], low: -1, high: 1, dtype: dtype, generator: RandomGenerator(seed: 9))
        case .boolFull:
            let keep = (0..<(c.batch * c.heads * c.queries * c.keys)).map { $0 % 5 != 3 || $0 % c.keys == 0 }
            return Tensor(keep, shape: [c.batch, c.heads, c.queries, c.keys])
        }
    }

    static let gradientCases = [
        Case(batch: 2, heads: 2, queries: 3, keys: 4, depth: 3, valueDepth: 2, mask: .none, causal: false),
        Case(batch: 2, heads: 1, queries: 4, keys: 4, depth: 2, valueDepth: 3, mask: .keyPadding, causal: true),
        Case(batch: 1, heads: 2, queries: 3, keys: 5, depth: 2, valueDepth: 2, mask: .additive, causal: false),
    ]

    @Test(arguments: gradientCases)
    func compositeGradientsMatchFiniteDifferences(c: Case) {
        let q = randomInput([c.batch, c.heads, c.queries, c.depth], seed: 1)
        let k = randomInput([c.batch, c.heads, c.keys, c.depth], seed: 2)
        // A transposed view for the value: the ops take any layout.
        let v = randomInput([c.batch, c.heads, c.valueDepth, c.keys], seed: 3).transposed()
        // The check repeats in float32 (GradientCheckSettings.checkFloat32): the mask follows the inputs' dtype.
        checkGradients(at: [q, k, v]) {
            scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], mask: Self.mask(c.mask, c, dtype: $0[0].dtype),
                                      causal: c.causal)
        }
    }

    static let conformanceCases = gradientCases + [
        Case(batch: 2, heads: 3, queries: 17, keys: 9, depth: 8, valueDepth: 5, mask: .boolFull, causal: false),
        Case(batch: 2, heads: 2, queries: 70, keys: 70, depth: 16, valueDepth: 16, mask: .keyPadding, causal: true),
        Case(batch: 2, heads: 2, queries: 33, keys: 150, depth: 12, valueDepth: 7, mask: .keyPadding, causal: false),
        Case(batch: 1, heads: 1, queries: 130, keys: 130, depth: 32, valueDepth: 32, mask: .additive, causal: true),
        Case(batch: 1, heads: 2, queries: 1, keys: 40, depth: 8, valueDepth: 8, mask: .none, causal: false),
        // Whole and partial register chunks (16 floats) of depth and value depth, more queries than keys.
        Case(batch: 1, heads: 2, queries: 100, keys: 90, depth: 40, valueDepth: 32, mask: .additive, causal: true),
        // The full-block fast paths (depth and value depth 32) with a key tile ending mid-way
        // (99 keys: 35 in the last tile, not a multiple of four) and a padding mask.
        Case(batch: 2, heads: 1, queries: 72, keys: 99, depth: 32, valueDepth: 32, mask: .keyPadding, causal: false),
    ]

    /// The fused float32 kernel against the composite in float64: values and the three gradients.
    @Test(arguments: conformanceCases)
    func fusedKernelMatchesComposite(c: Case) {
        let generator = RandomGenerator(seed: 21)
        let q = Tensor.uniform([c.batch, c.heads, c.queries, c.depth], low: -2, high: 2, generator: generator)
        let k = Tensor.uniform([c.batch, c.heads, c.keys, c.depth], low: -2, high: 2, generator: generator)
        let v = Tensor.uniform([c.batch, c.heads, c.keys, c.valueDepth], low: -2, high: 2, generator: generator)
        let weights = Tensor.uniform([c.batch, c.heads, c.queries, c.valueDepth], low: -1, high: 1, generator: generator)
        let (fastValue, fast) = valueAndGradient(at: [q, k, v]) { inputs in
            let output = scaledDotProductAttention(query: inputs[0], key: inputs[1], value: inputs[2],
                                                   mask: Self.mask(c.mask, c, dtype: .float32), causal: c.causal)
            return (output * weights).sum()
        }
        let (exactValue, exact) = valueAndGradient(at: [q, k, v].map { $0.cast(to: .float64) }) { inputs in
            let output = scaledDotProductAttentionComposite(query: inputs[0], key: inputs[1], value: inputs[2],
                                                            mask: Self.mask(c.mask, c, dtype: .float64), causal: c.causal)
            return (output * weights.cast(to: .float64)).sum()
        }
        let output = scaledDotProductAttention(query: q, key: k, value: v, mask: Self.mask(c.mask, c, dtype: .float32),
                                               causal: c.causal)
        let expected = scaledDotProductAttentionComposite(query: q.cast(to: .float64), key: k.cast(to: .float64),
                                                          value: v.cast(to: .float64),
                                                          mask: Self.mask(c.mask, c, dtype: .float64), causal: c.causal)
        // float32 rounding over sums of up to 150 products of magnitude <= 4.
        let tolerance = Tolerance(relative: 1e-4, absolute: 2e-5)
        expectMatch(output, expected.cast(to: .float32), tolerance: tolerance, "output, \(c.testDescription)")
        expectMatch(fastValue, exactValue.cast(to: .float32), tolerance: tolerance, "loss, \(c.testDescription)")
        for (name, index) in [("query", 0), ("key", 1), ("value", 2)] {
            expectMatch(fast[index], exact[index].cast(to: .float32), tolerance: tolerance, "d \(name), \(c.testDescription)")
        }
    }

    /// Query, key and value as the heads of one packed projection `[batch, length, 3, heads,
    /// depth]` permuted (rows 3 * heads * depth apart, which the kernel reads in place), and an
    /// output gradient that arrives permuted too, against the composite in float64: the loss and
    /// the packed projection's gradient, on the full-block path (depth 32) and the generic one.
    @Test(arguments: [(32, true), (8, false)])
    func packedHeadsMatchComposite(depth: Int, causal: Bool) {
        let (batch, length, heads) = (2, 40, 3)
        let generator = RandomGenerator(seed: 22)
        let packed = Tensor.uniform([batch, length, 3 * heads * depth], low: -2, high: 2, generator: generator)
        let weights = Tensor.uniform([batch, length, heads, depth], low: -1, high: 1, generator: generator)
        func loss(_ packed: Tensor, _ weights: Tensor, _ attention: (Tensor, Tensor, Tensor) -> Tensor) -> Tensor {
            let parts = packed.reshaped(to: [batch, length, 3, heads, depth]).permuted([2, 0, 3, 1, 4])
            let output = attention(parts[.index(0)], parts[.index(1)], parts[.index(2)])
            return (output.permuted([0, 2, 1, 3]) * weights).sum()
        }
        let (fastValue, fast) = valueAndGradient(at: [packed]) { inputs in
            loss(inputs[0], weights) { scaledDotProductAttention(query: $0, key: $1, value: $2, causal: causal) }
        }
        let (exactValue, exact) = valueAndGradient(at: [packed.cast(to: .float64)]) { inputs in
            loss(inputs[0], weights.cast(to: .float64)) { scaledDotProductAttentionComposite(query: $0, key: $1, value: $2, causal: causal) }
        }
        let tolerance = Tolerance(relative: 1e-4, absolute: 2e-5)
        let context = "depth \(depth), causal \(causal)"
        expectMatch(fastValue, exactValue.cast(to: .float32), tolerance: tolerance, "loss, \(context)")
        expectMatch(fast[0], exact[0].cast(to: .float32), tolerance: tolerance, "d packed, \(context)")
    }

    /// The composite's own float32 result equals the fused one (the path the kernel replaces),
    /// with a transposed view as the key (copied dense) and an expanded one as the value (read in
    /// place, each slice at its stride-0 offset).
    @Test func fusedMatchesFloat32Composite() {
        let generator = RandomGenerator(seed: 5)
        let q = Tensor.uniform([3, 2, 20, 8], generator: generator)
        let k = Tensor.uniform([3, 2, 8, 20], generator: generator).transposed()
        let v = Tensor.uniform([1, 2, 20, 8], generator: generator).expanded(to: [3, 2, 20, 8])
        expectMatch(scaledDotProductAttention(query: q, key: k, value: v, causal: true),
                    scaledDotProductAttentionComposite(query: q, key: k, value: v, causal: true),
                    tolerance: Tolerance(relative: 1e-5, absolute: 1e-6), "causal self-attention")
    }

    /// The kernel is offered through the backend's fused-kernel seam: without it, the op is the composite.
    @Test func theSeamChoosesTheKernel() {
        let generator = RandomGenerator(seed: 6)
        let q = Tensor.uniform([2, 2, 9, 4], generator: generator)
        #expect(CPUBackend.shared.fusedKernels.attention != nil)
        let plain = withBackend(CPUBackend.shared.offeringFusedKernels(FusedKernels())) {
            scaledDotProductAttention(query: q, key: q, value: q, causal: true)
        }
        expectMatch(plain, scaledDotProductAttentionComposite(query: q, key: q, value: q, causal: true), "without the kernel")
    }

    /// Dropout zeroes weights on the composite path and is reproducible from its generator.
    @Test func dropoutIsSeeded() {
        let q = Tensor.uniform([1, 1, 6, 4], generator: RandomGenerator(seed: 1))
        let a = scaledDotProductAttention(query: q, key: q, value: q, dropout: 0.5, generator: RandomGenerator(seed: 3))
        let b = scaledDotProductAttention(query: q, key: q, value: q, dropout: 0.5, generator: RandomGenerator(seed: 3))
        let plain = scaledDotProductAttention(query: q, key: q, value: q)
        expectMatch(a, b, "same seed")
        #expect(storedValues(a) != storedValues(plain))
    }
}
