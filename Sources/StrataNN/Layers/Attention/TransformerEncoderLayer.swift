import Strata

/// One Transformer encoder layer with PyTorch's names and defaults (`nn.TransformerEncoderLayer`):
/// self-attention then a feed-forward block, each with dropout, a residual connection and layer
/// normalization, after the block (post-norm, the default) or before it (`normFirst`).
///
/// input: `[batch, length, modelSize]` with `batchFirst`, else `[length, batch, modelSize]`;
/// returns: the same shape. Defaults: feed-forward size 2048, dropout 0.1, relu, epsilon 1e-5.
public struct TransformerEncoderLayer: Layer {
    public var selfAttention: MultiheadAttention
    public var linear1: Linear
    public var dropout: Dropout
    public var linear2: Linear
    public var norm1: LayerNorm
    public var norm2: LayerNorm
    public var dropout1: Dropout
    public var dropout2: Dropout
    public var activation: TransformerActivation
    public var normFirst: Bool

    public init(modelSize: Int, headCount: Int, feedForwardSize: Int = 2048, dropout: Double = 0.1,
                activation: TransformerActivation = .relu, layerNormEpsilon: Double = 1e-5, batchFirst: Bool = false,
                normFirst: Bool = false, bias: Bool = true, dtype: DType = .float32, generator: RandomGenerator = .current) {
        selfAttention = MultiheadAttention(embedSize: modelSize, headCount: headCount, dropout: dropout, bias: bias,
                                           batchFirst: batchFirst, dtype: dtype, generator: generator)
        linear1 = Linear(inputSize: modelSize, outputSize: feedForwardSize, bias: bias, dtype: dtype, generator: generator)
        self.dropout = Dropout(probability: dropout)
        linear2 = Linear(inputSize: feedForwardSize, outputSize: modelSize, bias: bias, dtype: dtype, generator: generator)
        norm1 = LayerNorm(normalizedShape: [modelSize], epsilon: layerNormEpsilon, dtype: dtype)
        norm2 = LayerNorm(normalizedShape: [modelSize], epsilon: layerNormEpsilon, dtype: dtype)
        dropout1 = Dropout(probability: dropout)
        dropout2 = Dropout(probability: dropout)
        self.activation = activation
        self.normFirst = normFirst
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("self_attn", &selfAttention)
        visitor.visit("linear1", &linear1)
        visitor.visit("dropout", &dropout)
        visitor.visit("linear2", &linear2)
        visitor.visit("norm1", &norm1)
        visitor.visit("norm2", &norm2)
        visitor.visit("dropout1", &dropout1)
        visitor.visit("dropout2", &dropout2)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, mask: nil) }

    /// The layer with PyTorch's `src_mask` (`mask`), `src_key_padding_mask` and `is_causal`
    /// (masks as `MultiheadAttention` takes them).
    public func callAsFunction(_ input: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        func attend(_ x: Tensor) -> Tensor {
            dropout1(selfAttention(query: x, key: x, value: x, keyPaddingMask: keyPaddingMask, attentionMask: mask,
                                   isCausal: isCausal))
        }
        func feedForward(_ x: Tensor) -> Tensor {
            dropout2(FeedForward.apply(x, linear1: linear1, linear2: linear2, dropout: dropout, activation: activation))
        }
        if normFirst {
            let x = input + attend(norm1(input))
            return x + feedForward(norm2(x))
        }
        let x = norm1(input + attend(input))
        return norm2(x + feedForward(x))
    }
}

/// A stack of encoder layers (`nn.TransformerEncoder`): `layers.0`, `layers.1`, ..., and an
/// optional final `norm`. Input and output shapes as `TransformerEncoderLayer`.
public struct TransformerEncoder: Layer {
    public var layers: [TransformerEncoderLayer]
    public var norm: LayerNorm?

    /// `layerCount` copies of `layer` (same initial weights, as PyTorch's deep copies), then `norm`.
    public init(layer: TransformerEncoderLayer, layerCount: Int, norm: LayerNorm? = nil) {
        layers = Array(repeating: layer, count: layerCount)
        self.norm = norm
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("layers", &layers)
        if norm != nil { visitor.visit("norm", &norm!) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, mask: nil) }

    /// Every layer with the same masks, then the final norm.
    public func callAsFunction(_ input: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        let output = layers.reduce(input) { x, layer in layer(x, mask: mask, keyPaddingMask: keyPaddingMask, isCausal: isCausal) }
        return norm.map { $0(output) } ?? output
    }
}
