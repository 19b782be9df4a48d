import Strata

/// Multi-head attention with PyTorch's parameters and masks (`nn.MultiheadAttention`, Vaswani
/// et al., 2017): the query, key and value are projected by `in_proj_weight` `[3 * embedSize,
/// embedSize]` and `in_proj_bias`, split into `headCount` heads of `embedSize / headCount`,
/// attended with `scaledDotProductAttention` and projected back by `out_proj`.
///
/// query: `[batch, queries, embedSize]` with `batchFirst`, else `[queries, batch, embedSize]`;
/// key and value likewise with `keys`; returns the query's shape. Initialization as PyTorch:
/// Xavier-uniform `in_proj_weight`, zero biases, `out_proj.weight` as a Linear's.
public struct MultiheadAttention: Layer {
    public var inputProjectionWeight: Tensor
    public var inputProjectionBias: Tensor?
    public var outputProjection: Linear
    public let headCount: Int
    public var batchFirst: Bool
    /// The probability of dropping an attention weight in training (`withTrainingMode(true)`).
    public var dropout: Double
    public var generator: RandomGenerator?

    public init(embedSize: Int, headCount: Int, dropout: Double = 0, bias: Bool = true, batchFirst: Bool = false,
                dtype: DType = .float32, generator: RandomGenerator = .current) {
        precondition(headCount > 0 && embedSize % headCount == 0,
                     "MultiheadAttention: embedSize \(embedSize) must be divisible by headCount \(headCount)")
        precondition((0..<1).contains(dropout), "MultiheadAttention: dropout \(dropout) must be in [0, 1)")
        inputProjectionWeight = Initializer.xavierUniform().tensor([3 * embedSize, embedSize], dtype: dtype, generator: generator)
        inputProjectionBias = bias ? Tensor.zeros([3 * embedSize], dtype: dtype) : nil
        outputProjection = Linear(inputSize: embedSize, outputSize: embedSize, bias: bias, dtype: dtype, generator: generator)
        if bias { outputProjection.bias = Tensor.zeros([embedSize], dtype: dtype) }
        self.headCount = headCount
        self.batchFirst = batchFirst
        self.dropout = dropout
    }

    public var embedSize: Int { inputProjectionWeight.shape[1] }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("in_proj_weight", &inputProjectionWeight)
        visitor.visit("in_proj_bias", &inputProjectionBias)
        visitor.visit("out_proj", &outputProjection)
    }

    /// Self-attention without masks.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        self(query: input, key: input, value: input)
    }

    /// Attention of `query` over `key` and `value`.
    /// - `keyPaddingMask`: `[batch, keys]`; bool true marks padding to ignore (PyTorch's sense), or
    ///   float added to the scores.
    /// - `attentionMask`: `[queries, keys]` or `[batch * headCount, queries, keys]`; bool true
    ///   marks a position that may not be attended, or float added.
    /// - `isCausal`: query i attends to keys 0...i only.
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, keyPaddingMask: Tensor? = nil,
                               attentionMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        let embed = embedSize
        precondition(query.rank == 3 && key.rank == 3 && value.rank == 3 && query.shape[2] == embed
                        && key.shape[2] == embed && value.shape[2] == embed,
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) must be rank 3 "
                        + "ending in embedSize \(embed)")
        let (q, k, v) = batchFirst ? (query, key, value)
            : (query.transposed(0, 1), key.transposed(0, 1), value.transposed(0, 1))
        let (batch, queries, keys) = (q.shape[0], q.shape[1], k.shape[1])
        precondition(k.shape[0] == batch && v.shape[0] == batch && v.shape[1] == keys,
                     "MultiheadAttention: query \(query.shape), key \(key.shape) and value \(value.shape) disagree on batch or keys")
        let weights = inputProjectionWeight.chunked(3, axis: 0)
        let biases = inputProjectionBias?.chunked(3, axis: 0)
        func heads(_ x: Tensor, _ part: Int) -> Tensor {
            var projected = matmul(x, weights[part].transposed())
            if let biases { projected = projected + biases[part] }
            return projected.reshaped(to: [batch, x.shape[1], headCount, embed / headCount]).permuted([0, 2, 1, 3])
        }
        let mask = combinedMask(keyPaddingMask: keyPaddingMask, attentionMask: attentionMask, batch: batch, queries: queries,
                                keys: keys, dtype: q.dtype)
        let attended = scaledDotProductAttention(query: heads(q, 0), key: heads(k, 1), value: heads(v, 2), mask: mask,
                                                 causal: isCausal, dropout: TrainingMode.isEnabled ? dropout : 0, generator: generator)
        let merged = outputProjection(attended.permuted([0, 2, 1, 3]).reshaped(to: [batch, queries, embed]))
        return batchFirst ? merged : merged.transposed(0, 1)
    }

    /// Both masks as one additive mask broadcastable to `[batch, heads, queries, keys]`, or one
    /// bool mask (true: attend) when only one bool mask is given, which keeps the fused kernel's
    /// broadcast strides.
    private func combinedMask(keyPaddingMask: Tensor?, attentionMask: Tensor?, batch: Int, queries: Int, keys: Int,
                              dtype: DType) -> Tensor? {
        var parts: [Tensor] = []
        if let keyPaddingMask {
            precondition(keyPaddingMask.shape == [batch, keys],
                         "MultiheadAttention: keyPaddingMask \(keyPaddingMask.shape) must be [batch \(batch), keys \(keys)]")
            parts.append(keyPaddingMask.reshaped(to: [batch, 1, 1, keys]))
        }
        if let attentionMask {
            let shaped: Tensor
            if attentionMask.shape == [queries, keys] {
                shaped = attentionMask
            } else {
                precondition(attentionMask.shape == [batch * headCount, queries, keys],
                             "MultiheadAttention: attentionMask \(attentionMask.shape) must be [\(queries), \(keys)] or "
                                + "[\(batch * headCount), \(queries), \(keys)]")
                shaped = attentionMask.reshaped(to: [batch, headCount, queries, keys])
            }
            parts.append(shaped)
        }
        if parts.count == 1, parts[0].dtype == .bool { return .!parts[0] }
        return parts.map { part in
            part.dtype == .bool ? select(part, Tensor(-Double.infinity, dtype: dtype), Tensor(0, dtype: dtype)) : part
        }.reduce(nil as Tensor?) { sum, part in sum.map { $0 + part } ?? part }
    }
}
