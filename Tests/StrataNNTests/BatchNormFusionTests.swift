import Strata
import StrataNN
import Testing

// BatchNorm's training path on the CPU backend, whose fused kernel runs `batchNormTraining`,
// against the same backend without fused kernels, where the op runs its composite of reductions
// and elementwise ops (the specification): outputs, the running statistics after two training
// steps, and the gradients of the parameters and of the input, in float32 (the kernel's dtype).

@Suite struct BatchNormFusionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let shape: [Int]
        var affine = true
        var momentum: Double? = 0.1
        var testDescription: String { name }

        static let all = [
            Case(name: "BatchNorm2d", shape: [4, 3, 5, 6]),
            Case(name: "BatchNorm2d without affine, cumulative average", shape: [2, 4, 3, 3], affine: false, momentum: nil),
            Case(name: "BatchNorm1d [N, C]", shape: [8, 5]),
            Case(name: "BatchNorm1d [N, C, L]", shape: [3, 4, 7]),
            // Enough values per channel for the CPU kernels to split channels across threads.
            Case(name: "BatchNorm2d split across threads", shape: [16, 8, 14, 14]),
        ]
    }

    /// The CPU backend without fused kernels: the layer's ops run their composites.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// Every result of one path keyed by name: the second step's output, the running statistics
    /// after both steps, and the gradients of a weighted sum of the second step's output.
    static func results(_ test: Case, dtype: DType) -> [String: Tensor] {
        let generator = RandomGenerator(seed: 5)
        let features = test.shape[1]
        var layer = test.shape.count == 4
            ? BatchNorm2d(featureCount: features, momentum: test.momentum, affine: test.affine, dtype: dtype)
            : BatchNorm1d(featureCount: features, momentum: test.momentum, affine: test.affine, dtype: dtype)
        if test.affine {
            layer.weight = Tensor.uniform([features], low: 0.5, high: 1.5, dtype: dtype, generator: generator)
            layer.bias = Tensor.uniform([features], low: -1, high: 1, dtype: dtype, generator: generator)
        }
        let first = Tensor.uniform(test.shape, low: -1, high: 3, dtype: dtype, generator: generator)
        let input = Tensor.uniform(test.shape, low: -2, high: 2, dtype: dtype, generator: generator)
        let weights = Tensor.uniform(test.shape, low: 0.5, high: 1.5, dtype: dtype, generator: generator)
        _ = withStatisticsUpdates(of: &layer) { layer in layer(first) }
        var all = ["output": withStatisticsUpdates(of: &layer) { layer in layer(input) }]
        all["running_mean"] = layer.runningMean
        all["running_var"] = layer.runningVariance
        // Gradients are taken on a copy, whose statistics are not applied anywhere: a copy never
        // shares state, so those above stay as they are.
        let copy = layer
        if test.affine {
            let (_, gradients) = valueAndGradient(at: copy) { ($0(input) * weights).sum() }
            for (name, gradient) in gradients { all["d \(name)"] = gradient }
        }
        all["d input"] = valueAndGradient(at: input) { (copy($0) * weights).sum() }.gradient
        return all
    }

    static func expectSame(_ fused: [String: Tensor], _ composite: [String: Tensor], relative: Double, absolute: Double,
                           _ test: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFusedMatchesComposite(fused, composite, relative: relative, absolute: absolute, caseName: test.name,
                                    reference: "composite", sourceLocation: sourceLocation)
    }

    /// float32 on the CPU backend: 1e-5 relative; the absolute part covers input gradients that
    /// cancellation leaves near zero (as in FidelityTests).
    @Test(arguments: Case.all)
    func float32MatchesComposite(_ test: Case) {
        Self.expectSame(withBackend(CPUBackend.shared) { Self.results(test, dtype: .float32) },
                        withBackend(Self.composite) { Self.results(test, dtype: .float32) },
                        relative: 1e-5, absolute: 1e-6, test)
    }
}
