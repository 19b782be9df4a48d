import Foundation
import Strata

/// Which parts of a Wide & Deep model are built: the linear model alone, the network alone, or
/// both with their logits summed.
public enum WideDeepParts: String, CaseIterable, Codable, Sendable {
    case wide
    case deep
    case both = "wide-deep"
}

/// The sizes of a `WideDeep` model; `Codable`, so a saved model can be rebuilt.
public struct WideDeepConfiguration: Codable, Sendable, Equatable {
    public var parts: WideDeepParts
    /// The rows of the wide table (the encoder's wide id space).
    public var wideFeatureCount: Int
    /// The number of ids of each categorical column, buckets included.
    public var categoryCounts: [Int]
    /// The width of each categorical column's embedding.
    public var embeddingSizes: [Int]
    public var numericCount: Int
    /// The widths of the deep part's hidden ReLU layers.
    public var hiddenSizes: [Int]
    /// Dropout after each hidden layer (0 for none).
    public var dropout: Double

    /// `embeddingSizes` defaults to `embeddingSize(forCategoryCount:)` of each column.
    public init(parts: WideDeepParts, wideFeatureCount: Int, categoryCounts: [Int], numericCount: Int,
                embeddingSizes: [Int]? = nil, hiddenSizes: [Int] = [64, 32], dropout: Double = 0) {
        self.parts = parts
        self.wideFeatureCount = wideFeatureCount
        self.categoryCounts = categoryCounts
        self.embeddingSizes = embeddingSizes ?? categoryCounts.map(Self.embeddingSize(forCategoryCount:))
        self.numericCount = numericCount
        self.hiddenSizes = hiddenSizes
        self.dropout = dropout
    }

    /// `min(16, round(1.6 n^0.56))`: fast.ai's rule of thumb for tabular embeddings, capped
    /// small because Adult-sized columns have tens of categories (education: 18 ids -> 8).
    public static func embeddingSize(forCategoryCount count: Int) -> Int {
        max(1, min(16, Int((1.6 * Foundation.pow(Double(count), 0.56)).rounded())))
    }

    /// The width of the deep part's input: the embeddings and the numeric columns side by side.
    public var deepInputSize: Int { embeddingSizes.reduce(0, +) + numericCount }
}

/// Wide & Deep (Cheng et al., 2016, "Wide & Deep Learning for Recommender Systems"): a linear
/// model over sparse one-hot and crossed features (memorization) plus a feed-forward network
/// over embeddings of the categorical columns and the numeric columns (generalization), whose
/// logits are summed and trained jointly with binary cross-entropy.
///
/// Inputs (from `TabularEncoder`): `wide` int64 `[batch, wideFields]` ids, `categorical` int64
/// `[batch, categoricalColumns]`, `numeric` float `[batch, numericColumns]`; returns logits
/// `[batch]`. The wide part is an `EmbeddingBag` of width 1 starting at zero, so no one-hot
/// matrix is ever built and an L1 proximal step (`wide.` parameters) can zero its weights.
/// Paths: `wide.weight`, `embeddings.N.weight`, `deep.N.weight`/`bias` (Linear, ReLU[,
/// Dropout] per hidden layer, then a bias-free Linear to one logit), and the shared `bias`.
public struct WideDeep: Module {
    public let configuration: WideDeepConfiguration
    public var wide: EmbeddingBag?
    public var embeddings: [Embedding]
    public var deep: Sequential?
    /// `[1]`: the one intercept of the summed logit.
    public var bias: Tensor

    public init(_ configuration: WideDeepConfiguration, dtype: DType = .float32, generator: RandomGenerator = .current) {
        let usesWide = configuration.parts != .deep, usesDeep = configuration.parts != .wide
        precondition(!usesWide || configuration.wideFeatureCount > 0, "WideDeep: the wide part needs wide features")
        precondition(!usesDeep || configuration.deepInputSize > 0, "WideDeep: the deep part needs categorical or numeric columns")
        precondition(configuration.embeddingSizes.count == configuration.categoryCounts.count,
                     "WideDeep: \(configuration.embeddingSizes.count) embedding sizes for \(configuration.categoryCounts.count) columns")
        self.configuration = configuration
        wide = usesWide ? EmbeddingBag(count: configuration.wideFeatureCount, embeddingSize: 1, initializer: .constant(0),
                                       dtype: dtype, generator: generator) : nil
        embeddings = usesDeep ? zip(configuration.categoryCounts, configuration.embeddingSizes).map {
            Embedding(count: $0, embeddingSize: $1, dtype: dtype, generator: generator)
        } : []
        if usesDeep {
            var layers: [any Layer] = []
            var width = configuration.deepInputSize
            for hidden in configuration.hiddenSizes {
                layers.append(Linear(inputSize: width, outputSize: hidden, dtype: dtype, generator: generator))
                layers.append(ReLU())
                if configuration.dropout > 0 { layers.append(Dropout(probability: configuration.dropout, generator: generator)) }
                width = hidden
            }
            layers.append(Linear(inputSize: width, outputSize: 1, bias: false, dtype: dtype, generator: generator))
            deep = Sequential(layers)
        } else {
            deep = nil
        }
        bias = Tensor.zeros([1], dtype: dtype)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        if wide != nil { visitor.visit("wide", &wide!) }
        visitor.visit("embeddings", &embeddings)
        if deep != nil { visitor.visit("deep", &deep!) }
        visitor.visit("bias", &bias)
    }

    /// The summed logits `[batch]` of the parts the configuration builds.
    public func callAsFunction(wide wideIDs: Tensor, categorical: Tensor, numeric: Tensor) -> Tensor {
        precondition(categorical.rank == 2 && numeric.rank == 2 && wideIDs.rank == 2,
                     "WideDeep: wide \(wideIDs.shape), categorical \(categorical.shape) and numeric \(numeric.shape) must be [batch, n]")
        var logits = bias.reshaped(to: [1, 1])
        if let wide { logits = logits + wide(wideIDs) }
        if let deep {
            precondition(categorical.shape[1] == embeddings.count && numeric.shape[1] == configuration.numericCount,
                         "WideDeep: categorical \(categorical.shape) and numeric \(numeric.shape) do not match "
                            + "\(embeddings.count) embedded and \(configuration.numericCount) numeric columns")
            logits = logits + deep(deepInput(categorical: categorical, numeric: numeric.cast(to: bias.dtype)))
        }
        return logits.reshaped(to: [-1])
    }

    /// The deep part's input `[batch, Σ embeddingSizes + numericCount]`: each categorical
    /// column's embedding, then the numeric columns. One fused lookup
    /// (`Tensor.concatenatedEmbeddingBags`, one id per table) unless a table has a padding row,
    /// whose lookups `Embedding` keeps out of the gradient.
    private func deepInput(categorical: Tensor, numeric: Tensor) -> Tensor {
        guard embeddings.allSatisfy({ $0.paddingIndex == nil }), !embeddings.isEmpty else {
            let columns = embeddings.indices.map { embeddings[$0](categorical[.all, .index($0)]) }
            return Tensor.concat(columns + [numeric], axis: 1)
        }
        return Tensor.concatenatedEmbeddingBags(tables: embeddings.map(\.weight), indices: categorical,
                                                bagSizes: embeddings.map { _ in 1 }, appending: numeric)
    }
}
