import Strata

/// Gated recurrent unit (Cho et al., 2014) with PyTorch's equations, gate order (reset, update,
/// new) and parameter names; the reset gate multiplies the hidden projection including its bias:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr);   z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r (W_hn h + b_hn));   h' = (1 - z) n + z h
///
/// input: `[time, batch, inputSize]` (or batch first); returns the top layer's hidden states and
/// the final hidden states `[layers * directions, batch, hiddenSize]`. Without `lengths` each
/// layer and direction is one `gruSequence` op (a fused kernel where the backend offers one);
/// with `lengths`, `gruCell` steps under masks.
public struct GRU: Layer {
    public var configuration: RecurrentConfiguration
    public var weights: [RecurrentWeights]
    public var dropoutGenerator: RandomGenerator?

    public init(_ configuration: RecurrentConfiguration, dtype: DType = .float32, generator: RandomGenerator = .current) {
        self.configuration = configuration
        weights = configuration.makeWeights(gates: 3, dtype: dtype, generator: generator)
    }

    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, batchFirst: Bool = false, dropout: Double = 0,
                bidirectional: Bool = false, generator: RandomGenerator = .current) {
        self.init(RecurrentConfiguration(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, batchFirst: batchFirst,
                                         dropout: dropout, bidirectional: bidirectional), generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for index in weights.indices { weights[index].visitParameters(&visitor) }
    }

    public func callAsFunction(_ input: Tensor, hidden: Tensor? = nil, lengths: [Int]? = nil) -> (output: Tensor, hidden: Tensor) {
        let runner = RecurrentRunner(configuration: configuration, isTraining: TrainingMode.isEnabled, dropoutGenerator: dropoutGenerator)
        let batch = runner.batchSize(of: input, name: "GRU")
        let initial = runner.initialStates(hidden, batch: batch, dtype: input.dtype).map { RecurrentState(hidden: $0) }
        let (output, finals) = runner.run(
            input, weights: weights, initial: initial, lengths: lengths,
            project: { weights, x in weights.projectInputs(x, includingHiddenBias: false) },
            step: { weights, projected, state in
                RecurrentState(hidden: gruCell(projected: projected, hidden: state.hidden, hiddenWeight: weights.hiddenWeight,
                                               hiddenBias: weights.hiddenBias))
            },
            sequence: { weights, projected, state, reverse in
                let hiddens = gruSequence(projected: projected, hidden: state.hidden, hiddenWeight: weights.hiddenWeight,
                                          hiddenBias: weights.hiddenBias, reverse: reverse)
                return (hiddens, RecurrentState(hidden: hiddens[.index(reverse ? 0 : hiddens.shape[0] - 1)]))
            })
        return (output, Tensor.stack(finals.map(\.hidden), axis: 0))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let result: (output: Tensor, hidden: Tensor) = self(input, hidden: nil, lengths: nil)
        return result.output
    }
}
