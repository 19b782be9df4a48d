import Strata

/// Long short-term memory (Hochreiter & Schmidhuber, 1997) with PyTorch's equations, gate order
/// (input, forget, cell, output) and parameter names:
///
///     i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh) split in four
///     c' = f c + i g;   h' = o tanh(c')
///
/// input: `[time, batch, inputSize]` (or `[batch, time, inputSize]` when `batchFirst`); returns
/// the top layer's hidden states `[time, batch, directions * hiddenSize]` and the final `hidden`
/// and `cell` states `[layers * directions, batch, hiddenSize]`. Without `lengths` each layer and
/// direction is one `lstmSequence` op (a fused kernel where the backend offers one); with
/// `lengths`, `lstmCell` steps under masks.
public struct LSTM: Layer {
    public var configuration: RecurrentConfiguration
    public var weights: [RecurrentWeights]
    public var dropoutGenerator: RandomGenerator?

    public init(_ configuration: RecurrentConfiguration, dtype: DType = .float32, generator: RandomGenerator = .current) {
        self.configuration = configuration
        weights = configuration.makeWeights(gates: 4, dtype: dtype, generator: generator)
    }

    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, batchFirst: Bool = false, dropout: Double = 0,
                bidirectional: Bool = false, generator: RandomGenerator = .current) {
        self.init(RecurrentConfiguration(inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, batchFirst: batchFirst,
                                         dropout: dropout, bidirectional: bidirectional), generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        for index in weights.indices { weights[index].visitParameters(&visitor) }
    }

    /// Runs the sequence from the given (or zero) states; `lengths` gives each sequence's own
    /// length for a padded batch.
    public func callAsFunction(_ input: Tensor, hidden: Tensor? = nil, cell: Tensor? = nil, lengths: [Int]? = nil)
        -> (output: Tensor, hidden: Tensor, cell: Tensor) {
        let runner = RecurrentRunner(configuration: configuration, isTraining: TrainingMode.isEnabled, dropoutGenerator: dropoutGenerator)
        let batch = runner.batchSize(of: input, name: "LSTM")
        let hiddens = runner.initialStates(hidden, batch: batch, dtype: input.dtype)
        let cells = runner.initialStates(cell, batch: batch, dtype: input.dtype)
        let (output, finals) = runner.run(
            input, weights: weights, initial: zip(hiddens, cells).map { RecurrentState(hidden: $0, cell: $1) }, lengths: lengths,
            project: { weights, x in weights.projectInputs(x, includingHiddenBias: true) },
            step: { weights, projected, state in
                let (hidden, cell) = lstmCell(projected: projected, hidden: state.hidden, cell: state.cell!,
                                              hiddenWeight: weights.hiddenWeight)
                return RecurrentState(hidden: hidden, cell: cell)
            },
            sequence: { weights, projected, state, reverse in
                let (hiddens, cell) = lstmSequence(projected: projected, hidden: state.hidden, cell: state.cell!,
                                                   hiddenWeight: weights.hiddenWeight, reverse: reverse)
                let last = reverse ? 0 : hiddens.shape[0] - 1
                return (hiddens, RecurrentState(hidden: hiddens[.index(last)], cell: cell))
            })
        return (output, Tensor.stack(finals.map(\.hidden), axis: 0), Tensor.stack(finals.map { $0.cell! }, axis: 0))
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let result: (output: Tensor, hidden: Tensor, cell: Tensor) = self(input, hidden: nil, cell: nil, lengths: nil)
        return result.output
    }
}
