import Strata
import StrataNN
import Testing

// The LSTM layer on the CPU backend, whose fused kernel runs each layer and direction's
// `lstmSequence`, against the same backend without fused kernels, where the op runs its per-step
// composite of core ops (the specification): outputs, final states and the gradients of every
// parameter, of the input and of the initial states, for one and several layers, both
// directions, batch-first inputs and given initial states, in float32 (the kernel's dtype).

@Suite struct LSTMFusionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        var layers = 1
        var bidirectional = false
        var batchFirst = false
        var givenStates = false
        var time = 5
        var batch = 3
        var inputSize = 4
        var hiddenSize = 6
        var testDescription: String { name }

        static let all = [
            Case(name: "one layer"),
            Case(name: "two layers, bidirectional, given states", layers: 2, bidirectional: true, givenStates: true),
            Case(name: "batch first, given states", batchFirst: true, givenStates: true),
            Case(name: "three layers", layers: 3),
            // Large enough for the CPU kernels to split each step's hidden units across threads.
            Case(name: "bidirectional, split across threads", bidirectional: true, givenStates: true,
                 time: 3, batch: 16, inputSize: 8, hiddenSize: 136),
        ]
    }

    /// The CPU backend without fused kernels: the layer's ops run their composites.
    static let composite = CPUBackend.shared.offeringFusedKernels(FusedKernels())

    /// Every result of one path: output, final states, then the gradients, keyed by name.
    static func results(_ test: Case, dtype: DType) -> [String: Tensor] {
        let generator = RandomGenerator(seed: 3)
        let lstm = LSTM(RecurrentConfiguration(inputSize: test.inputSize, hiddenSize: test.hiddenSize, layers: test.layers,
                                               batchFirst: test.batchFirst, bidirectional: test.bidirectional),
                        dtype: dtype, generator: generator)
        let states = test.layers * (test.bidirectional ? 2 : 1)
        let input = Tensor.uniform(test.batchFirst ? [test.batch, test.time, test.inputSize] : [test.time, test.batch, test.inputSize],
                                   low: -1, high: 1, dtype: dtype, generator: generator)
        let hidden = Tensor.uniform([states, test.batch, test.hiddenSize], low: -1, high: 1, dtype: dtype, generator: generator)
        let cell = Tensor.uniform([states, test.batch, test.hiddenSize], low: -1, high: 1, dtype: dtype, generator: generator)
        // A weighted sum with distinct coefficients, so a swapped or dropped element shows.
        func loss(_ lstm: LSTM, _ input: Tensor, _ hidden: Tensor?, _ cell: Tensor?) -> Tensor {
            let result = lstm(input, hidden: hidden, cell: cell)
            return [result.output, result.hidden, result.cell].enumerated().map { index, value in
                let weights = Tensor.uniform(value.shape, low: 0.5, high: 1.5, dtype: dtype, generator: RandomGenerator(seed: UInt64(index)))
                return (value * weights).sum()
            }.reduce(Tensor.zeros([], dtype: dtype)) { $0 + $1 }
        }
        let (given, givenCell) = test.givenStates ? (hidden, cell) : (nil, nil)
        let result = lstm(input, hidden: given, cell: givenCell)
        var all = ["output": result.output, "hidden": result.hidden, "cell": result.cell]
        let (_, parameterGradients) = valueAndGradient(at: lstm) { loss($0, input, given, givenCell) }
        for (name, gradient) in parameterGradients { all["d \(name)"] = gradient }
        if test.givenStates {
            let (_, gradients) = valueAndGradient(at: [input, hidden, cell]) { loss(lstm, $0[0], $0[1], $0[2]) }
            (all["d input"], all["d initial hidden"], all["d initial cell"]) = (gradients[0], gradients[1], gradients[2])
        } else {
            all["d input"] = valueAndGradient(at: input) { loss(lstm, $0, nil, nil) }.gradient
        }
        return all
    }

    static func expectSame(_ fused: [String: Tensor], _ composite: [String: Tensor], relative: Double, absolute: Double,
                           _ test: Case, sourceLocation: SourceLocation = #_sourceLocation) {
        expectFusedMatchesComposite(fused, composite, relative: relative, absolute: absolute, caseName: test.name,
                                    reference: "step by step", sourceLocation: sourceLocation)
    }

    /// float32 on the CPU backend: 1e-5 relative (the absolute part covers gradients that
    /// cancellation leaves near zero, as in RNNFidelityTests).
    @Test(arguments: Case.all)
    func float32MatchesComposite(_ test: Case) {
        Self.expectSame(withBackend(CPUBackend.shared) { Self.results(test, dtype: .float32) },
                        withBackend(Self.composite) { Self.results(test, dtype: .float32) },
                        relative: 1e-5, absolute: 1e-6, test)
    }
}
