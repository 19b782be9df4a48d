import Strata

/// A lookup table of learned vectors.
///
/// input: integer indices of any shape; returns: `input.shape + [embeddingSize]`. `weight` is
/// `[count, embeddingSize]`, initialised from N(0, 1) as in PyTorch. Rows at `paddingIndex`
/// start at zero and receive no gradient.
public struct Embedding: Layer {
    public var weight: Tensor
    public var paddingIndex: Int?

    public init(count: Int, embeddingSize: Int, paddingIndex: Int? = nil, dtype: DType = .float32,
                generator: RandomGenerator = .current) {
        precondition(paddingIndex.map { (-count..<count).contains($0) } ?? true,
                     "Embedding: paddingIndex \(paddingIndex!) is out of range for \(count) rows")
        let normalizedPadding = paddingIndex.map { $0 < 0 ? $0 + count : $0 }
        var table = Tensor.normal([count, embeddingSize], dtype: dtype, generator: generator)
        if let row = normalizedPadding {
            table = table * (Tensor.arange(0, Double(count), dtype: dtype) .!= Double(row)).cast(to: dtype).unsqueezed(axis: 1)
        }
        weight = table
        self.paddingIndex = normalizedPadding
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.dtype.isInteger, "Embedding: indices must be int32 or int64, got \(input.dtype)")
        let flat = input.reshaped(to: [-1]).cast(to: .int64)
        var rows = weight.indexSelect(axis: 0, indices: flat)
        if let paddingIndex {
            // Same values, but padding positions pass no gradient to their row.
            let isPadding = (flat .== Double(paddingIndex)).unsqueezed(axis: 1)
            rows = select(isPadding, rows.detached, rows)
        }
        return rows.reshaped(to: input.shape + [weight.shape[1]])
    }
}
