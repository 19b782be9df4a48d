import Strata

/// The sizes of a decoder-only Transformer language model.
public struct GPTConfiguration: Sendable, Equatable {
    public var vocabularySize: Int
    /// The longest sequence the learned positions cover.
    public var contextLength: Int
    public var modelSize: Int
    public var headCount: Int
    public var layerCount: Int
    public var feedForwardSize: Int
    public var dropout: Double

    public init(vocabularySize: Int, contextLength: Int, modelSize: Int = 128, headCount: Int = 4, layerCount: Int = 2,
                feedForwardSize: Int? = nil, dropout: Double = 0) {
        precondition(vocabularySize > 0 && contextLength > 0 && layerCount > 0 && headCount > 0 && modelSize % headCount == 0,
                     "GPTConfiguration: sizes must be positive and modelSize \(modelSize) divisible by headCount \(headCount)")
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.modelSize = modelSize
        self.headCount = headCount
        self.layerCount = layerCount
        self.feedForwardSize = feedForwardSize ?? 4 * modelSize
        self.dropout = dropout
    }
}

/// The keys and values of every layer for the tokens seen so far (`[batch, heads, length,
/// headSize]` each), so that generating the next token attends to them without recomputing the
/// prefix.
public struct KeyValueCache: Sendable {
    public var keys: [Tensor] = []
    public var values: [Tensor] = []

    public init() {}

    /// The number of cached positions.
    public var length: Int { keys.first.map { $0.shape[2] } ?? 0 }
}

/// One pre-norm decoder block (GPT-2's layout, Radford et al., 2019): causal self-attention with
/// one fused query/key/value projection (`attn.c_attn`, `attn.c_proj`), then a GELU MLP
/// (`mlp.c_fc`, `mlp.c_proj`), each after a layer norm (`ln_1`, `ln_2`) and added back.
public struct GPTBlock: Module {
    public var norm1: LayerNorm
    public var attentionProjection: Linear
    public var attentionOutput: Linear
    public var norm2: LayerNorm
    public var feedForward: Linear
    public var feedForwardOutput: Linear
    public var dropout: Dropout
    public let headCount: Int

    public init(_ configuration: GPTConfiguration, generator: RandomGenerator = .current) {
        let (size, inner) = (configuration.modelSize, configuration.feedForwardSize)
        norm1 = LayerNorm(normalizedShape: [size])
        attentionProjection = Linear(inputSize: size, outputSize: 3 * size, generator: generator)
        attentionOutput = Linear(inputSize: size, outputSize: size, generator: generator)
        norm2 = LayerNorm(normalizedShape: [size])
        feedForward = Linear(inputSize: size, outputSize: inner, generator: generator)
        feedForwardOutput = Linear(inputSize: inner, outputSize: size, generator: generator)
        dropout = Dropout(probability: configuration.dropout)
        headCount = configuration.headCount
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("ln_1", &norm1)
        visitor.visit(at: "attn.c_attn", &attentionProjection)
        visitor.visit(at: "attn.c_proj", &attentionOutput)
        visitor.visit("ln_2", &norm2)
        visitor.visit(at: "mlp.c_fc", &feedForward)
        visitor.visit(at: "mlp.c_proj", &feedForwardOutput)
        visitor.visit("dropout", &dropout)
    }

    /// x: `[batch, length, size]`. With `cache` (this layer's keys and values so far), the new
    /// positions attend to the cached ones too, and the cache grows by `length`.
    public func callAsFunction(_ x: Tensor, cache: inout (keys: Tensor, values: Tensor)?) -> Tensor {
        let (batch, length, size) = (x.shape[0], x.shape[1], x.shape[2])
        let parts = attentionProjection(norm1(x)).reshaped(to: [batch, length, 3, headCount, size / headCount])
            .permuted([2, 0, 3, 1, 4])
        var (keys, values) = (parts[.index(1)], parts[.index(2)])
        let past = cache?.keys.shape[2] ?? 0
        if let cached = cache {
            keys = Tensor.concat([cached.keys, keys], axis: 2)
            values = Tensor.concat([cached.values, values], axis: 2)
        }
        if cache != nil { cache = (keys.contiguous(), values.contiguous()) }
        // New position i (absolute past + i) sees keys 0...past + i: the plain causal mask when
        // nothing is cached, no mask for a single new token, else an offset triangle.
        var mask: Tensor?
        if past > 0 && length > 1 {
            let row = Tensor.arange(Double(past), Double(past + length), dtype: .int64).reshaped(to: [length, 1])
            mask = Tensor.arange(0, Double(past + length), dtype: .int64).reshaped(to: [1, past + length]) .<= row
        }
        let attended = scaledDotProductAttention(query: parts[.index(0)], key: keys, value: values, mask: mask,
                                                 causal: past == 0 && length > 1)
        let merged = attended.permuted([0, 2, 1, 3]).reshaped(to: [batch, length, size])
        let h = x + dropout(attentionOutput(merged))
        return h + dropout(feedForwardOutput(gelu(feedForward(norm2(h)))))
    }
}

/// A decoder-only Transformer language model (GPT-2's layout with GPT-2's names: `wte`, `wpe`,
/// `h.N.*`, `ln_f`, `lm_head`): token and learned position embeddings, pre-norm causal blocks, a
/// final layer norm and a linear head to the vocabulary.
///
/// tokens: `[batch, length]` int64, length <= contextLength (counting cached positions);
/// returns logits `[batch, length, vocabularySize]`.
public struct GPT: Module {
    public let configuration: GPTConfiguration
    public var tokenEmbedding: Embedding
    public var positionEmbedding: LearnedPositionEmbedding
    public var blocks: [GPTBlock]
    public var finalNorm: LayerNorm
    public var head: Linear
    public var dropout: Dropout

    public init(_ configuration: GPTConfiguration, generator: RandomGenerator = .current) {
        self.configuration = configuration
        tokenEmbedding = Embedding(count: configuration.vocabularySize, embeddingSize: configuration.modelSize, generator: generator)
        positionEmbedding = LearnedPositionEmbedding(maximumLength: configuration.contextLength, embedSize: configuration.modelSize,
                                                     generator: generator)
        // GPT-2 draws embeddings from N(0, 0.02²); N(0, 1) rows would swamp the first layer norm's input.
        tokenEmbedding.weight = tokenEmbedding.weight * 0.02
        positionEmbedding.embedding.weight = positionEmbedding.embedding.weight * 0.02
        blocks = (0..<configuration.layerCount).map { _ in GPTBlock(configuration, generator: generator) }
        finalNorm = LayerNorm(normalizedShape: [configuration.modelSize])
        head = Linear(inputSize: configuration.modelSize, outputSize: configuration.vocabularySize, generator: generator)
        dropout = Dropout(probability: configuration.dropout)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("wte", &tokenEmbedding)
        visitor.visit("wpe", &positionEmbedding)
        visitor.visit("h", &blocks)
        visitor.visit("ln_f", &finalNorm)
        visitor.visit("lm_head", &head)
        visitor.visit("drop", &dropout)
    }

    /// Logits for every position, recomputing the whole sequence (training, or generation without a cache).
    public func callAsFunction(_ tokens: Tensor) -> Tensor {
        var cache: KeyValueCache?
        return run(tokens, cache: &cache)
    }

    /// Logits for the new `tokens`, which follow the cached positions; the cache grows by their length.
    public func callAsFunction(_ tokens: Tensor, cache: inout KeyValueCache) -> Tensor {
        var optional: KeyValueCache? = cache
        defer { cache = optional! }
        return run(tokens, cache: &optional)
    }

    private func run(_ tokens: Tensor, cache: inout KeyValueCache?) -> Tensor {
        precondition(tokens.rank == 2 && tokens.dtype.isInteger, "GPT: tokens must be integer [batch, length], got \(tokens.shape)")
        let offset = cache?.length ?? 0
        var x = dropout(positionEmbedding(tokenEmbedding(tokens), offset: offset))
        for (index, block) in blocks.enumerated() {
            var layerCache: (keys: Tensor, values: Tensor)?
            if let cache {
                layerCache = index < cache.keys.count ? (cache.keys[index], cache.values[index])
                    : (Tensor.zeros([tokens.shape[0], block.headCount, 0, configuration.modelSize / block.headCount], dtype: x.dtype),
                       Tensor.zeros([tokens.shape[0], block.headCount, 0, configuration.modelSize / block.headCount], dtype: x.dtype))
            }
            x = block(x, cache: &layerCache)
            if let layerCache, cache != nil {
                if index < cache!.keys.count {
                    cache!.keys[index] = layerCache.keys
                    cache!.values[index] = layerCache.values
                } else {
                    cache!.keys.append(layerCache.keys)
                    cache!.values.append(layerCache.values)
                }
            }
        }
        return head(finalNorm(x))
    }
}
