import Strata

/// One Transformer decoder layer with PyTorch's names and defaults (`nn.TransformerDecoderLayer`):
/// self-attention over the target, attention over the encoder's `memory`, then a feed-forward
/// block; each with dropout, a residual connection and layer normalization (post-norm, or before
/// each block with `normFirst`).
///
/// target: `[batch, targetLength, modelSize]` with `batchFirst` (else length first); memory:
/// `[batch, memoryLength, modelSize]`; returns the target's shape.
public struct TransformerDecoderLayer: Module {
    public var selfAttention: MultiheadAttention
    public var crossAttention: MultiheadAttention
    public var linear1: Linear
    public var dropout: Dropout
    public var linear2: Linear
    public var norm1: LayerNorm
    public var norm2: LayerNorm
    public var norm3: LayerNorm
    public var dropout1: Dropout
    public var dropout2: Dropout
    public var dropout3: Dropout
    public var activation: TransformerActivation
    public var normFirst: Bool

    public init(modelSize: Int, headCount: Int, feedForwardSize: Int = 2048, dropout: Double = 0.1,
                activation: TransformerActivation = .relu, layerNormEpsilon: Double = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false, bias: Bool = true, dtype: DType = .float32, generator: RandomGenerator = .current) {
        selfAttention = MultiheadAttention(embedSize: modelSize, headCount: headCount, dropout: dropout, bias: bias,
                                           batchFirst: batchFirst, dtype: dtype, generator: generator)
        crossAttention = MultiheadAttention(embedSize: modelSize, headCount: headCount, dropout: dropout, bias: bias,
                                            batchFirst: batchFirst, dtype: dtype, generator: generator)
        linear1 = Linear(inputSize: modelSize, outputSize: feedForwardSize, bias: bias, dtype: dtype, generator: generator)
        self.dropout = Dropout(probability: dropout)
        linear2 = Linear(inputSize: feedForwardSize, outputSize: modelSize, bias: bias, dtype: dtype, generator: generator)
        norm1 = LayerNorm(normalizedShape: [modelSize], epsilon: layerNormEpsilon, dtype: dtype)
        norm2 = LayerNorm(normalizedShape: [modelSize], epsilon: layerNormEpsilon, dtype: dtype)
        norm3 = LayerNorm(normalizedShape: [modelSize], epsilon: layerNormEpsilon, dtype: dtype)
        dropout1 = Dropout(probability: dropout)
        dropout2 = Dropout(probability: dropout)
        dropout3 = Dropout(probability: dropout)
        self.activation = activation
        self.normFirst = normFirst
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("self_attn", &selfAttention)
        visitor.visit("multihead_attn", &crossAttention)
        visitor.visit("linear1", &linear1)
        visitor.visit("dropout", &dropout)
        visitor.visit("linear2", &linear2)
        visitor.visit("norm1", &norm1)
        visitor.visit("norm2", &norm2)
        visitor.visit("norm3", &norm3)
        visitor.visit("dropout1", &dropout1)
        visitor.visit("dropout2", &dropout2)
        visitor.visit("dropout3", &dropout3)
    }

    /// The layer with PyTorch's `tgt_mask`, `memory_mask`, key padding masks and `tgt_is_causal`.
    public func callAsFunction(_ target: Tensor, memory: Tensor, targetMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               targetKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               targetIsCausal: Bool = false) -> Tensor {
        func attendSelf(_ x: Tensor) -> Tensor {
            dropout1(selfAttention(query: x, key: x, value: x, keyPaddingMask: targetKeyPaddingMask, attentionMask: targetMask,
                                   isCausal: targetIsCausal))
        }
        func attendMemory(_ x: Tensor) -> Tensor {
            dropout2(crossAttention(query: x, key: memory, value: memory, keyPaddingMask: memoryKeyPaddingMask,
                                    attentionMask: memoryMask))
        }
        func feedForward(_ x: Tensor) -> Tensor {
            dropout3(FeedForward.apply(x, linear1: linear1, linear2: linear2, dropout: dropout, activation: activation))
        }
        if normFirst {
            var x = target + attendSelf(norm1(target))
            x = x + attendMemory(norm2(x))
            return x + feedForward(norm3(x))
        }
        var x = norm1(target + attendSelf(target))
        x = norm2(x + attendMemory(x))
        return norm3(x + feedForward(x))
    }
}
