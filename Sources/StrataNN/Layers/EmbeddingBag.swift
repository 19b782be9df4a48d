import Strata

/// A lookup table whose rows are summed (or averaged) per example: a linear layer over sparse
/// one-hot or multi-hot inputs without materialising them.
///
/// input: int32/int64 `[batch, k]`, `k` active indices per example; returns `[batch,
/// embeddingSize]`. `weight` is `[count, embeddingSize]`, initialised from N(0, 1) as
/// `Embedding` (PyTorch's `nn.EmbeddingBag`), or from `initializer` when given. With
/// `embeddingSize` 1 and zero initialisation it is the wide part of a Wide & Deep model: a
/// logistic regression over crossed and one-hot features.
public struct EmbeddingBag: Layer {
    public var weight: Tensor
    public var mode: EmbeddingBagMode

    public init(count: Int, embeddingSize: Int, mode: EmbeddingBagMode = .sum, initializer: Initializer? = nil,
                dtype: DType = .float32, generator: RandomGenerator = .current) {
        precondition(count > 0 && embeddingSize > 0,
                     "EmbeddingBag: count \(count) and embeddingSize \(embeddingSize) must be positive")
        weight = initializer?.tensor([count, embeddingSize], dtype: dtype, generator: generator)
            ?? Tensor.normal([count, embeddingSize], dtype: dtype, generator: generator)
        self.mode = mode
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        weight.embeddingBag(indices: input, mode: mode)
    }

    /// The variable-length form: bag `b` holds `indices[offsets[b]..<offsets[b + 1]]`, each row
    /// scaled by `weights` when given (see `Tensor.embeddingBag(indices:offsets:weights:mode:)`).
    /// Returns `[offsets.count, embeddingSize]`.
    public func callAsFunction(indices: Tensor, offsets: [Int], weights: Tensor? = nil) -> Tensor {
        weight.embeddingBag(indices: indices, offsets: offsets, weights: weights, mode: mode)
    }
}
