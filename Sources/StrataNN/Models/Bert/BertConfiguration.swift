/// The sizes of a BERT encoder, read from Hugging Face's `config.json` (its key names).
public struct BertConfiguration: Codable, Sendable, Equatable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maximumPositions: Int
    public var typeVocabularySize: Int
    public var layerNormEpsilon: Double
    public var hiddenDropout: Double
    public var attentionDropout: Double
    /// Only `gelu` (the exact form) is supported.
    public var hiddenActivation: String

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", hiddenSize = "hidden_size", layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads", intermediateSize = "intermediate_size"
        case maximumPositions = "max_position_embeddings", typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps", hiddenDropout = "hidden_dropout_prob"
        case attentionDropout = "attention_probs_dropout_prob", hiddenActivation = "hidden_act"
    }

    public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                maximumPositions: Int = 512, typeVocabularySize: Int = 2, layerNormEpsilon: Double = 1e-12,
                hiddenDropout: Double = 0.1, attentionDropout: Double = 0.1, hiddenActivation: String = "gelu") {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maximumPositions = maximumPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
        self.hiddenActivation = hiddenActivation
    }

    /// A description of what makes the configuration unusable, or nil: sizes positive, the hidden
    /// size divisible by the head count, dropouts in [0, 1), the activation `gelu`.
    public var problem: String? {
        let sizes = [vocabularySize, hiddenSize, layerCount, headCount, intermediateSize, maximumPositions, typeVocabularySize]
        if sizes.contains(where: { $0 <= 0 || $0 > 1 << 24 }) { return "sizes must be positive and below 2^24, got \(sizes)" }
        if hiddenSize % headCount != 0 { return "hidden_size \(hiddenSize) is not divisible by num_attention_heads \(headCount)" }
        if ![hiddenDropout, attentionDropout].allSatisfy({ (0..<1).contains($0) }) { return "dropout probabilities must be in [0, 1)" }
        if !(layerNormEpsilon > 0 && layerNormEpsilon < 1) { return "layer_norm_eps \(layerNormEpsilon) must be in (0, 1)" }
        if hiddenActivation != "gelu" { return "hidden_act \(hiddenActivation) is not supported (only gelu)" }
        return nil
    }
}
