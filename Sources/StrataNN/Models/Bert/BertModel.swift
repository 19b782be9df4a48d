import Strata

/// BERT's embeddings (`embeddings.*` in Hugging Face's names): word, position and token-type
/// embeddings summed, then layer norm and dropout.
public struct BertEmbeddings: Module {
    public var word: Embedding
    public var position: Embedding
    public var tokenType: Embedding
    public var norm: LayerNorm
    public var dropout: Dropout

    public init(_ configuration: BertConfiguration, generator: RandomGenerator = .current) {
        let size = configuration.hiddenSize
        word = Embedding(count: configuration.vocabularySize, embeddingSize: size, generator: generator)
        position = Embedding(count: configuration.maximumPositions, embeddingSize: size, generator: generator)
        tokenType = Embedding(count: configuration.typeVocabularySize, embeddingSize: size, generator: generator)
        norm = LayerNorm(normalizedShape: [size], epsilon: configuration.layerNormEpsilon)
        dropout = Dropout(probability: configuration.hiddenDropout)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("word_embeddings", &word)
        visitor.visit("position_embeddings", &position)
        visitor.visit("token_type_embeddings", &tokenType)
        visitor.visit("LayerNorm", &norm)
        visitor.visit("dropout", &dropout)
    }

    /// ids, tokenTypes: `[batch, length]` int64; returns `[batch, length, hidden]`.
    public func callAsFunction(_ ids: Tensor, tokenTypes: Tensor) -> Tensor {
        let length = ids.shape[1]
        precondition(length <= position.weight.shape[0],
                     "BertEmbeddings: \(length) tokens exceed the \(position.weight.shape[0]) positions")
        let positions = position.weight.sliced(axis: 0, start: 0, end: length)
        return dropout(norm(word(ids) + positions + tokenType(tokenTypes)))
    }
}

/// One BERT encoder layer (`encoder.layer.N`): post-norm self-attention with separate query, key
/// and value projections, then the GELU feed-forward block.
public struct BertLayer: Module {
    public var query, key, value, attentionOutput: Linear
    public var attentionNorm: LayerNorm
    public var intermediate, output: Linear
    public var outputNorm: LayerNorm
    public var dropout: Dropout
    public var attentionDropout: Double
    public let headCount: Int

    public init(_ configuration: BertConfiguration, generator: RandomGenerator = .current) {
        let (size, inner) = (configuration.hiddenSize, configuration.intermediateSize)
        query = Linear(inputSize: size, outputSize: size, generator: generator)
        key = Linear(inputSize: size, outputSize: size, generator: generator)
        value = Linear(inputSize: size, outputSize: size, generator: generator)
        attentionOutput = Linear(inputSize: size, outputSize: size, generator: generator)
        attentionNorm = LayerNorm(normalizedShape: [size], epsilon: configuration.layerNormEpsilon)
        intermediate = Linear(inputSize: size, outputSize: inner, generator: generator)
        output = Linear(inputSize: inner, outputSize: size, generator: generator)
        outputNorm = LayerNorm(normalizedShape: [size], epsilon: configuration.layerNormEpsilon)
        dropout = Dropout(probability: configuration.hiddenDropout)
        attentionDropout = configuration.attentionDropout
        headCount = configuration.headCount
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit(at: "attention.self.query", &query)
        visitor.visit(at: "attention.self.key", &key)
        visitor.visit(at: "attention.self.value", &value)
        visitor.visit(at: "attention.output.dense", &attentionOutput)
        visitor.visit(at: "attention.output.LayerNorm", &attentionNorm)
        visitor.visit(at: "intermediate.dense", &intermediate)
        visitor.visit(at: "output.dense", &output)
        visitor.visit(at: "output.LayerNorm", &outputNorm)
    }

    /// hidden: `[batch, length, size]`; keep: bool `[batch, 1, 1, length]`, true at real tokens.
    public func callAsFunction(_ hidden: Tensor, keep: Tensor?) -> Tensor {
        let (batch, length, size) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        func heads(_ projection: Linear) -> Tensor {
            projection(hidden).reshaped(to: [batch, length, headCount, size / headCount]).permuted([0, 2, 1, 3])
        }
        let attended = scaledDotProductAttention(query: heads(query), key: heads(key), value: heads(value), mask: keep,
                                                 dropout: TrainingMode.isEnabled ? attentionDropout : 0)
        let merged = attended.permuted([0, 2, 1, 3]).reshaped(to: [batch, length, size])
        let x = attentionNorm(hidden + dropout(attentionOutput(merged)))
        return outputNorm(x + dropout(output(gelu(intermediate(x)))))
    }
}

/// BERT's encoder (Devlin et al., 2019) with Hugging Face's `BertModel` parameter names
/// (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, ...,
/// `pooler.dense.weight`), so its safetensors files load as they are.
///
/// ids: `[batch, length]` int64 token ids; attentionMask: `[batch, length]` (1 or true at real
/// tokens, 0 at padding); returns the last hidden states `[batch, length, hiddenSize]`.
public struct BertModel: Module {
    public let configuration: BertConfiguration
    public var embeddings: BertEmbeddings
    public var encoder: BertEncoder
    /// `pooler.dense`: tanh of it over the [CLS] state is `pooledOutput`.
    public var pooler: Linear

    public init(_ configuration: BertConfiguration, generator: RandomGenerator = .current) {
        precondition(configuration.problem == nil, "BertModel: \(configuration.problem!)")
        self.configuration = configuration
        embeddings = BertEmbeddings(configuration, generator: generator)
        encoder = BertEncoder(layers: (0..<configuration.layerCount).map { _ in BertLayer(configuration, generator: generator) })
        pooler = Linear(inputSize: configuration.hiddenSize, outputSize: configuration.hiddenSize, generator: generator)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("embeddings", &embeddings)
        visitor.visit("encoder", &encoder)
        visitor.visit(at: "pooler.dense", &pooler)
    }

    public func callAsFunction(_ ids: Tensor, attentionMask: Tensor? = nil, tokenTypes: Tensor? = nil) -> Tensor {
        precondition(ids.rank == 2 && ids.dtype.isInteger, "BertModel: ids must be integer [batch, length], got \(ids.shape) \(ids.dtype)")
        precondition(attentionMask == nil || attentionMask!.shape == ids.shape,
                     "BertModel: attentionMask \(attentionMask!.shape) must match ids \(ids.shape)")
        let types = tokenTypes ?? Tensor.zeros(ids.shape, dtype: .int64)
        let keep = attentionMask.map { mask in
            (mask.dtype == .bool ? mask : mask .!= 0).reshaped(to: [ids.shape[0], 1, 1, ids.shape[1]])
        }
        return encoder.layers.reduce(embeddings(ids, tokenTypes: types)) { hidden, layer in layer(hidden, keep: keep) }
    }

    /// `tanh(pooler(hidden[:, 0]))`: BERT's pooled [CLS] output `[batch, hiddenSize]`.
    public func pooledOutput(_ hidden: Tensor) -> Tensor {
        tanh(pooler(hidden[.all, .index(0)]))
    }
}

/// BERT's stack of layers (`encoder.layer.N`).
public struct BertEncoder: Module {
    public var layers: [BertLayer]

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("layer", &layers)
    }
}

/// Sentence-transformers' pooling: the mean of the token states where `attentionMask` is set,
/// then L2 normalization. hidden: `[batch, length, size]`; attentionMask: `[batch, length]`;
/// returns `[batch, size]` unit vectors. The count is clamped at 1e-9 and the norm at 1e-12, as
/// sentence-transformers and `torch.nn.functional.normalize` do.
public func meanPooledEmbeddings(_ hidden: Tensor, attentionMask: Tensor) -> Tensor {
    let weights = (attentionMask.dtype == .bool ? attentionMask : attentionMask .!= 0).cast(to: hidden.dtype).unsqueezed(axis: 2)
    let counts = maximum(weights.sum(alongAxes: [1]), weights.scalarTensor(1e-9))
    let means = (hidden * weights).sum(alongAxes: [1]) / counts
    let norms = maximum(sqrt(square(means).sum(alongAxes: [1], keepDims: true)), means.scalarTensor(1e-12))
    return means / norms
}

extension Tensor {
    fileprivate func scalarTensor(_ value: Double) -> Tensor { Tensor(value, dtype: dtype) }
}
