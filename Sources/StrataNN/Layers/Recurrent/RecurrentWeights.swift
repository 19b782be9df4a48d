import Strata

/// The weights of one layer and direction of a recurrent network, with PyTorch's names and
/// layouts: `weight_ih_l{k}` `[gates * hidden, input]`, `weight_hh_l{k}` `[gates * hidden, hidden]`,
/// `bias_ih_l{k}`, `bias_hh_l{k}` `[gates * hidden]`, and the suffix `_reverse` for the backward
/// direction. All start uniform in `±1/sqrt(hidden)`, as in PyTorch.
public struct RecurrentWeights: Module {
    public var inputWeight: Tensor
    public var hiddenWeight: Tensor
    public var inputBias: Tensor?
    public var hiddenBias: Tensor?
    let suffix: String

    init(gates: Int, inputSize: Int, hiddenSize: Int, bias: Bool, layer: Int, reverse: Bool, dtype: DType,
         generator: RandomGenerator) {
        let bound = 1 / Double(hiddenSize).squareRoot()
        func uniform(_ shape: [Int]) -> Tensor {
            Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, generator: generator)
        }
        inputWeight = uniform([gates * hiddenSize, inputSize])
        hiddenWeight = uniform([gates * hiddenSize, hiddenSize])
        inputBias = bias ? uniform([gates * hiddenSize]) : nil
        hiddenBias = bias ? uniform([gates * hiddenSize]) : nil
        suffix = "_l\(layer)" + (reverse ? "_reverse" : "")
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight_ih" + suffix, &inputWeight)
        visitor.visit("weight_hh" + suffix, &hiddenWeight)
        visitor.visit("bias_ih" + suffix, &inputBias)
        visitor.visit("bias_hh" + suffix, &hiddenBias)
    }

    /// The input projection of every time step in one matrix product: `[time, batch, input]` ->
    /// `[time, batch, gates * hidden]`, with `bias_ih` (and `bias_hh` when `includingHiddenBias`).
    /// The two biases are summed first and the product is one `linear`, so a backend's fused
    /// kernel adds the bias while each block of the product is in cache and sums its gradient in
    /// one pass: on lstm_train that is an 8 MB buffer and a 2M-element pass less per step each way.
    func projectInputs(_ input: Tensor, includingHiddenBias: Bool) -> Tensor {
        let hiddenBias = includingHiddenBias ? self.hiddenBias : nil
        let bias: Tensor? = switch (inputBias, hiddenBias) {
        case let (inputBias?, hiddenBias?): inputBias + hiddenBias
        case let (bias?, nil), let (nil, bias?): bias
        case (nil, nil): nil
        }
        return linear(input, weight: inputWeight, bias: bias)
    }

    /// `h W_hh^T` (+ `bias_hh` when asked): `[batch, hidden]` -> `[batch, gates * hidden]`.
    func projectHidden(_ hidden: Tensor, includingBias: Bool) -> Tensor {
        let projection = matmul(hidden, hiddenWeight.transposed())
        guard includingBias, let hiddenBias else { return projection }
        return projection + hiddenBias
    }
}

/// Options shared by RNN, LSTM and GRU (PyTorch's constructor arguments).
public struct RecurrentConfiguration: Sendable {
    public var inputSize: Int
    public var hiddenSize: Int
    public var layers = 1
    public var bias = true
    /// Inputs and outputs are `[batch, time, features]` instead of `[time, batch, features]`.
    public var batchFirst = false
    /// Dropout on the outputs of every layer but the last, in training.
    public var dropout = 0.0
    public var bidirectional = false

    public init(inputSize: Int, hiddenSize: Int, layers: Int = 1, bias: Bool = true, batchFirst: Bool = false,
                dropout: Double = 0, bidirectional: Bool = false) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "recurrent layer: sizes and layer count must be positive")
        precondition((0..<1).contains(dropout), "recurrent layer: dropout \(dropout) must be in [0, 1)")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.bias = bias
        self.batchFirst = batchFirst
        self.dropout = dropout
        self.bidirectional = bidirectional
    }

    var directions: Int { bidirectional ? 2 : 1 }

    /// One set of weights per layer and direction, in PyTorch's order (layer-major).
    func makeWeights(gates: Int, dtype: DType, generator: RandomGenerator) -> [RecurrentWeights] {
        (0..<layers).flatMap { layer in
            (0..<directions).map { direction in
                RecurrentWeights(gates: gates, inputSize: layer == 0 ? inputSize : hiddenSize * directions,
                                 hiddenSize: hiddenSize, bias: bias, layer: layer, reverse: direction == 1, dtype: dtype,
                                 generator: generator)
            }
        }
    }
}
