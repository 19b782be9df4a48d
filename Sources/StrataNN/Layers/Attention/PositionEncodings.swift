import Foundation
import Strata

/// Learned absolute positions (GPT-2, BERT): an `Embedding` of `maximumLength` rows added to the
/// token embeddings.
///
/// input: `[batch, length, embedSize]`; returns: the same, plus `weight[offset ..< offset + length]`.
/// `weight` is `[maximumLength, embedSize]`, N(0, 1) like an Embedding's unless given.
public struct LearnedPositionEmbedding: Layer {
    public var embedding: Embedding

    public init(maximumLength: Int, embedSize: Int, dtype: DType = .float32, generator: RandomGenerator = .current) {
        embedding = Embedding(count: maximumLength, embeddingSize: embedSize, dtype: dtype, generator: generator)
    }

    public var maximumLength: Int { embedding.weight.shape[0] }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &embedding.weight)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, offset: 0) }

    /// Adds the positions `offset ..< offset + length` (a key/value cache continues at its length).
    public func callAsFunction(_ input: Tensor, offset: Int) -> Tensor {
        let length = input.shape[input.rank - 2]
        precondition(offset >= 0 && offset + length <= maximumLength,
                     "LearnedPositionEmbedding: positions \(offset)..<\(offset + length) exceed maximumLength \(maximumLength)")
        return input + embedding.weight.sliced(axis: 0, start: offset, end: offset + length)
    }
}

/// The fixed sinusoidal encoding of Vaswani et al. (2017): position p, dimension 2i holds
/// `sin(p / 10000^(2i / embedSize))` and 2i + 1 the cosine. No parameters: the rows are computed
/// for each call (in float64, then rounded), so nothing is stored for the visitor to list.
///
/// input: `[..., length, embedSize]`; returns: the input plus rows `offset ..< offset + length`.
public struct SinusoidalPositionEncoding: Layer {
    public let maximumLength: Int
    public let embedSize: Int
    public let base: Double

    public init(maximumLength: Int, embedSize: Int, base: Double = 10000) {
        precondition(embedSize % 2 == 0, "SinusoidalPositionEncoding: embedSize \(embedSize) must be even")
        self.maximumLength = maximumLength
        self.embedSize = embedSize
        self.base = base
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}

    /// Rows `positions` of the table, `[positions.count, embedSize]`.
    public func table(_ positions: Range<Int>, dtype: DType = .float32) -> Tensor {
        var values = [Double](repeating: 0, count: positions.count * embedSize)
        for (row, position) in positions.enumerated() {
            for pair in 0..<(embedSize / 2) {
                let angle = Double(position) / Foundation.pow(base, Double(2 * pair) / Double(embedSize))
                values[row * embedSize + 2 * pair] = Foundation.sin(angle)
                values[row * embedSize + 2 * pair + 1] = Foundation.cos(angle)
            }
        }
        return Tensor(values, shape: [positions.count, embedSize]).cast(to: dtype)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { self(input, offset: 0) }

    /// Adds the rows `offset ..< offset + length`.
    public func callAsFunction(_ input: Tensor, offset: Int) -> Tensor {
        let length = input.shape[input.rank - 2]
        precondition(input.shape[input.rank - 1] == embedSize && offset >= 0 && offset + length <= maximumLength,
                     "SinusoidalPositionEncoding: input \(input.shape) at offset \(offset) does not fit "
                        + "[\(maximumLength), \(embedSize)]")
        return input + table(offset..<(offset + length), dtype: input.dtype)
    }
}

/// Rotary position embedding (Su et al., 2021, RoFormer) in the half-split form of GPT-NeoX and
/// Hugging Face's LLaMA: dimension i < d/2 pairs with i + d/2, rotated by the angle
/// `position * base^(-2i / d)`:
///
///     rotate(x) = x * cos + [-x2, x1] * sin    (x1, x2 the two halves)
///
/// Applied to queries and keys `[..., length, headSize]` before attention. No parameters.
public struct RotaryPositionEncoding: Sendable {
    public let headSize: Int
    public let base: Double

    public init(headSize: Int, base: Double = 10000) {
        precondition(headSize % 2 == 0, "RotaryPositionEncoding: headSize \(headSize) must be even")
        self.headSize = headSize
        self.base = base
    }

    /// `x` rotated for positions `offset ..< offset + length`.
    public func callAsFunction(_ x: Tensor, offset: Int = 0) -> Tensor {
        precondition(x.rank >= 2 && x.shape[x.rank - 1] == headSize,
                     "RotaryPositionEncoding: input \(x.shape) must end in headSize \(headSize)")
        let length = x.shape[x.rank - 2]
        let half = headSize / 2
        var cosines = [Double](repeating: 0, count: length * headSize), sines = cosines
        for position in 0..<length {
            for i in 0..<half {
                let angle = Double(offset + position) * Foundation.pow(base, -2 * Double(i) / Double(headSize))
                for column in [i, i + half] {
                    cosines[position * headSize + column] = Foundation.cos(angle)
                    sines[position * headSize + column] = Foundation.sin(angle)
                }
            }
        }
        let cosine = Tensor(cosines, shape: [length, headSize]).cast(to: x.dtype)
        let sine = Tensor(sines, shape: [length, headSize]).cast(to: x.dtype)
        let halves = x.split(sizes: [half, half], axis: -1)
        let rotated = Tensor.concat([-halves[1], halves[0]], axis: x.rank - 1)
        return x * cosine + rotated * sine
    }
}
