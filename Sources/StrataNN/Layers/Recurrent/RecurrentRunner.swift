import Strata

/// The state a recurrent cell carries between time steps: `hidden`, and `cell` for an LSTM.
struct RecurrentState {
    var hidden: Tensor
    var cell: Tensor?
}

/// Runs a recurrent cell over time for every layer and direction, with PyTorch's semantics:
/// time-first internally, outputs of both directions concatenated along features, dropout
/// between layers in training, and variable lengths by masking (a sequence's state stops
/// changing after its last step, its padded outputs are zero, and the reverse direction starts
/// at each sequence's own end).
struct RecurrentRunner {
    let configuration: RecurrentConfiguration
    let isTraining: Bool
    let dropoutGenerator: RandomGenerator?

    /// `step(weights, projectedInput_t, state) -> state`, where the input projection of all time
    /// steps was computed up front by `project(weights, input)`. Without `lengths`, a given
    /// `sequence(weights, projectedInputs, initialState, reverse) -> (outputs, finalState)` runs
    /// each layer and direction in one call instead of step by step.
    func run(_ input: Tensor, weights: [RecurrentWeights], initial: [RecurrentState], lengths: [Int]?,
             project: (RecurrentWeights, Tensor) -> Tensor,
             step: (RecurrentWeights, Tensor, RecurrentState) -> RecurrentState,
             sequence: ((RecurrentWeights, Tensor, RecurrentState, Bool) -> (outputs: Tensor, final: RecurrentState))? = nil)
        -> (output: Tensor, final: [RecurrentState]) {
        let c = configuration
        var layerInput = c.batchFirst ? input.transposed(0, 1) : input
        let (time, batch) = (layerInput.shape[0], layerInput.shape[1])
        // valid[t]: [batch, 1] bool, whether step t is inside each sequence.
        let valid: [Tensor]? = lengths.map { lengths in
            precondition(lengths.count == batch && lengths.allSatisfy { (1...time).contains($0) },
                         "recurrent layer: lengths \(lengths) must hold \(batch) values in 1...\(time)")
            let lengthTensor = Tensor(lengths.map(Int64.init), shape: [batch, 1])
            return (0..<time).map { t in lengthTensor .> Double(t) }
        }
        var finals: [RecurrentState] = []
        for layer in 0..<c.layers {
            var directionOutputs: [Tensor] = []
            for direction in 0..<c.directions {
                let index = layer * c.directions + direction
                let layerWeights = weights[index]
                let projected = project(layerWeights, layerInput)
                if lengths == nil, let sequence {
                    let (outputs, final) = sequence(layerWeights, projected, initial[index], direction == 1)
                    finals.append(final)
                    directionOutputs.append(outputs)
                    continue
                }
                var state = initial[index]
                var outputs = [Tensor?](repeating: nil, count: time)
                let order = direction == 0 ? Array(0..<time) : Array((0..<time).reversed())
                for t in order {
                    let next = step(layerWeights, projected[.index(t)], state)
                    if let valid {
                        let mask = valid[t]
                        let kept = RecurrentState(hidden: select(mask, next.hidden, state.hidden),
                                                  cell: next.cell.map { select(mask, $0, state.cell!) })
                        state = kept
                        outputs[t] = select(mask, next.hidden, next.hidden.zerosLikeScalar())
                    } else {
                        state = next
                        outputs[t] = next.hidden
                    }
                }
                finals.append(state)
                directionOutputs.append(Tensor.stack(outputs.map { $0! }, axis: 0))
            }
            layerInput = directionOutputs.count == 1 ? directionOutputs[0] : Tensor.concat(directionOutputs, axis: 2)
            if layer < c.layers - 1 && isTraining && c.dropout > 0 {
                let dropout = Dropout(probability: c.dropout, generator: dropoutGenerator)
                layerInput = dropout(layerInput)
            }
        }
        return (c.batchFirst ? layerInput.transposed(0, 1) : layerInput, finals)
    }

    /// Zeros, or the slices of a given `[layers * directions, batch, hidden]` state.
    func initialStates(_ given: Tensor?, batch: Int, dtype: DType) -> [Tensor] {
        let count = configuration.layers * configuration.directions
        guard let given else {
            return (0..<count).map { _ in Tensor.zeros([batch, configuration.hiddenSize], dtype: dtype) }
        }
        precondition(given.shape == [count, batch, configuration.hiddenSize],
                     "recurrent layer: initial state \(given.shape) must be [\(count), \(batch), \(configuration.hiddenSize)]")
        return (0..<count).map { given[.index($0)] }
    }

    /// The batch size of an input, checking its shape.
    func batchSize(of input: Tensor, name: String) -> Int {
        precondition(input.rank == 3 && input.shape[2] == configuration.inputSize,
                     "\(name): input \(input.shape) must be [\(configuration.batchFirst ? "batch, time" : "time, batch"), \(configuration.inputSize)]")
        return configuration.batchFirst ? input.shape[0] : input.shape[1]
    }
}
