import Strata
import Testing

// The fused embedding bags (`Tensor.concatenatedEmbeddingBags`, the CPU backend's kernel in
// float32 and float64) and the fused sigmoid cross-entropy (float32): float64 gradients against
// central finite differences, and each kernel pinned to its composite on the same primitives,
// values and gradients.

@Suite struct ConcatenatedEmbeddingBagsTests {
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// Three tables taking bags of 2, 1 and 3 ids (repeated ids, unused rows), then two
    /// dense columns: `[batch, 3 + 2 + 1 + 2]`.
    static let shapes = [[4, 3], [5, 2], [3, 1]]
    static let bagSizes = [2, 1, 3]
    static let ids = Tensor([1, 1, 3, 0, 0, 2,
                             3, 0, 0, 2, 2, 2,
                             2, 3, 3, 1, 0, 0,
                             0, 1, 1, 1, 2, 0] as [Int64], shape: [4, 6])

    @Test func valuesAreTheSumsOfTheLookedUpRowsSideBySide() {
        let tables = [Tensor([1, 2, 3, 4, 5, 6, 7, 8] as [Double], shape: [4, 2]), Tensor([10, 20, 30] as [Double], shape: [3, 1])]
        let ids = Tensor([2, 3, 1, 0, 0, 2] as [Int32], shape: [2, 3])
        let numeric = Tensor([-1, -2] as [Double], shape: [2, 1])
        for backend in [CPUBackend.shared, Self.composite] {
            let output = withBackend(backend) {
                Tensor.concatenatedEmbeddingBags(tables: tables, indices: ids, bagSizes: [2, 1], appending: numeric)
            }
            // Row 0: r2 + r3 of the first table, row 1 of the second, then -1; row 1: r0 + r0, row 2, -2.
            #expect(output.shape == [2, 4])
            #expect(output.scalars(as: Double.self) == [12, 14, 20, -1, 2, 4, 30, -2])
        }
    }

    @Test(arguments: [true, false])
    func float64GradientsMatchFiniteDifferences(fused: Bool) {
        let inputs = Self.shapes.enumerated().map { randomInput($1, seed: 70 + UInt64($0)) } + [randomInput([4, 2], seed: 79)]
        withBackend(fused ? CPUBackend.shared : Self.composite) {
            checkGradients(at: inputs) { inputs in
                Tensor.concatenatedEmbeddingBags(tables: Array(inputs[..<3]), indices: Self.ids, bagSizes: Self.bagSizes,
                                                 appending: inputs[3])
            }
            // The one-table form, as `embeddingBag(indices:)` runs it.
            checkGradient(at: inputs[0]) { $0.embeddingBag(indices: Tensor([3, 3, 0, 1, 1, 1] as [Int64], shape: [2, 3])) }
        }
    }

    /// Values and gradients (every table and the appended columns) against the composite, in
    /// both dtypes the kernel runs, with an empty bag and no appended columns as well.
    @Test(arguments: [DType.float32, .float64])
    func fusedMatchesComposite(dtype: DType) {
        let generator = RandomGenerator(seed: 81)
        for (bagSizes, appends) in [(Self.bagSizes, true), ([3, 0, 3], false)] {
            let tables = Self.shapes.map { Tensor.normal($0, dtype: dtype, generator: generator) }
            let dense = Tensor.normal([4, 2], dtype: dtype, generator: generator)
            let upstream = Tensor.normal([4, 6 + (appends ? 2 : 0)], dtype: dtype, generator: generator)
            func run() -> (Tensor, [Tensor]) {
                let inputs = tables + (appends ? [dense] : [])
                let output = Tensor.concatenatedEmbeddingBags(tables: tables, indices: Self.ids, bagSizes: bagSizes,
                                                              appending: appends ? dense : nil)
                let (_, gradients) = valueAndGradient(at: inputs) { inputs in
                    (Tensor.concatenatedEmbeddingBags(tables: Array(inputs[..<3]), indices: Self.ids, bagSizes: bagSizes,
                                                      appending: appends ? inputs[3] : nil) * upstream).sum()
                }
                return (output, gradients)
            }
            let (fused, fusedGradients) = run()
            let (spec, specGradients) = withBackend(Self.composite) { run() }
            let tolerance = Tolerance(relative: dtype == .float32 ? 1e-6 : 1e-14, absolute: dtype == .float32 ? 1e-6 : 1e-14)
            expectMatch(fused, spec, tolerance: tolerance, "values \(dtype) \(bagSizes)")
            for (index, (fusedGradient, specGradient)) in zip(fusedGradients, specGradients).enumerated() {
                expectMatch(fusedGradient, specGradient, tolerance: tolerance, "gradient \(index) \(dtype) \(bagSizes)")
            }
        }
    }

    @Test func sigmoidCrossEntropyGradientsMatchFiniteDifferences() {
        let targets = Tensor([0, 1, 1, 0, 0.25, 1] as [Double], shape: [2, 3])
        checkGradients(at: randomInput([2, 3], low: -4, high: 4, seed: 83), targets) { logits, targets in
            sigmoidCrossEntropy(logits: logits, targets: targets)
        }
        // The float32 kernel's gradient against the float64 finite differences' values.
        let logits = randomInput([2, 3], low: -4, high: 4, seed: 84)
        let expected = gradient(at: logits) { sigmoidCrossEntropy(logits: $0, targets: targets).sum() }
        let fused = gradient(at: logits.cast(to: .float32)) { sigmoidCrossEntropy(logits: $0, targets: targets.cast(to: .float32)).sum() }
        expectMatch(fused.cast(to: .float64), expected, tolerance: Tolerance(relative: 1e-6, absolute: 1e-7), "float32 kernel gradient")
    }

    /// The loss bit for bit (the same float32 functions in the same order) and the gradients of
    /// the logits (within rounding) and of tracked targets, per element and through a mean
    /// (whose gradient reaches the kernel as one broadcast value), large logits included.
    @Test func sigmoidCrossEntropyKernelMatchesComposite() {
        let generator = RandomGenerator(seed: 85)
        let logits = Tensor.concat([Tensor.uniform([300], low: -6, high: 6, generator: generator), Tensor([-90, 90, 0] as [Float])])
        let targets = Tensor.uniform([303], generator: generator)
        let upstream = Tensor.uniform([303], low: -1, high: 1, generator: generator)
        func run() -> (Tensor, [Tensor], Tensor) {
            let losses = sigmoidCrossEntropy(logits: logits, targets: targets)
            let (_, weighted) = valueAndGradient(at: [logits, targets]) { (sigmoidCrossEntropy(logits: $0[0], targets: $0[1]) * upstream).sum() }
            let mean = gradient(at: logits) { sigmoidCrossEntropy(logits: $0, targets: targets).mean() }
            return (losses, weighted, mean)
        }
        let (fused, fusedGradients, fusedMean) = run()
        let (spec, specGradients, specMean) = withBackend(Self.composite) { run() }
        expectMatch(fused, spec, "losses")
        let tolerance = Tolerance(relative: 1e-6, absolute: 1e-7)
        expectMatch(fusedGradients[0], specGradients[0], tolerance: tolerance, "logits' gradient")
        expectMatch(fusedGradients[1], specGradients[1], tolerance: tolerance, "targets' gradient")
        expectMatch(fusedMean, specMean, tolerance: Tolerance(relative: 1e-6, absolute: 1e-9), "logits' gradient through a mean")
    }
}
