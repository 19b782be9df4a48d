import Strata

/// The Elman recurrent network (Elman, 1990) as PyTorch's `nn.RNN`:
/// `h' = act(W_ih x + b_ih + W_hh h + b_hh)` with `act` tanh (default) or ReLU.
///
/// input: `[time, batch, inputSize]` (or batch first); returns the top layer's hidden states and
/// the final hidden states `[layers * directions, batch, hiddenSize]`. Without `lengths` each
/// layer and direction is one `rnnSequence` op (a fused kernel where the backend offers one);
/// with `lengths`, `rnnCell` steps under masks.
public struct RNN: Layer {
    /// tanh or ReLU (`RecurrentNonlinearity`, shared with the `rnnSequence` op).
    public typealias Nonlinearity = RecurrentNonlinearity

    public var configuration: RecurrentConfiguration
    public var nonlinearity: Nonlinearity
    public var weights: [RecurrentWeights]
    public var dropoutGenerator: RandomGenerator?

    public init(_ configuration: RecurrentConfiguration, nonlinearity: Nonlinearity = .tanh, dtype: DType = .float32,
                generator: RandomGenerator = .current) {
        self.configuration = configuration
        self.nonlinearity = nonlinearity
        weights = configuration.makeWeights(gates: 1, dtype: dtype, generator: generator)
    }

    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, nonlinearity: Nonlinearity = .tanh, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false, generator: RandomGenerator = .current) {
        self.init(RecurrentConfiguration(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, batchFirst: batchFirst,
                                         dropout: dropout, bidirectional: bidirectional),
                  nonlinearity: nonlinearity, generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for index in weights.indices { weights[index].visitParameters(&visitor) }
    }

    public func callAsFunction(_ input: Tensor, hidden: Tensor? = nil, lengths: [Int]? = nil) -> (output: Tensor, hidden: Tensor) {
        let runner = RecurrentRunner(configuration: configuration, isTraining: TrainingMode.isEnabled, dropoutGenerator: dropoutGenerator)
        let batch = runner.batchSize(of: input, name: "RNN")
        let initial = runner.initialStates(hidden, batch: batch, dtype: input.dtype).map { RecurrentState(hidden: $0) }
        let nonlinearity = nonlinearity
        let (output, finals) = runner.run(
            input, weights: weights, initial: initial, lengths: lengths,
            project: { weights, x in weights.projectInputs(x, includingHiddenBias: true) },
            step: { weights, projected, state in
                RecurrentState(hidden: rnnCell(projected: projected, hidden: state.hidden, hiddenWeight: weights.hiddenWeight,
                                               nonlinearity: nonlinearity))
            },
            sequence: { weights, projected, state, reverse in
                let hiddens = rnnSequence(projected: projected, hidden: state.hidden, hiddenWeight: weights.hiddenWeight,
                                          nonlinearity: nonlinearity, reverse: reverse)
                return (hiddens, RecurrentState(hidden: hiddens[.index(reverse ? 0 : hiddens.shape[0] - 1)]))
            })
        return (output, Tensor.stack(finals.map(\.hidden), axis: 0))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let result: (output: Tensor, hidden: Tensor) = self(input, hidden: nil, lengths: nil)
        return result.output
    }
}
