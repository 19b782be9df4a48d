import Foundation
import Strata

/// Draws the next token of a language model from its logits: from
/// `softmax(logits / temperature)`, restricted to the `topK` largest logits when set (top-k
/// sampling, Fan et al., 2018, "Hierarchical Neural Story Generation"). Temperature 0 is greedy
/// decoding: the argmax, which is also the limit of the draws as the temperature falls to 0.
public struct TokenSampler: Sendable, Equatable {
    /// The softmax temperature, at least 0: below 1 sharpens the distribution, above 1 flattens
    /// it, 0 picks the argmax. Default 1.
    public var temperature: Double
    /// When set (at least 1), only the tokens whose logit is among the `topK` largest can be
    /// drawn; ties with the `topK`-th largest logit are kept. Default nil: every token.
    public var topK: Int?

    public init(temperature: Double = 1, topK: Int? = nil) {
        precondition(temperature >= 0 && temperature.isFinite, "TokenSampler: temperature \(temperature) must be finite and >= 0")
        precondition(topK.map { $0 >= 1 } ?? true, "TokenSampler: topK \(topK!) must be at least 1")
        self.temperature = temperature
        self.topK = topK
    }

    /// The distribution each row is drawn from (a one-hot argmax at temperature 0).
    ///
    /// logits: `[vocabulary]` or `[rows, vocabulary]`; returns `rows` arrays of `vocabulary`
    /// probabilities (one row for a rank-1 input).
    public func probabilities(_ logits: Tensor) -> [[Double]] {
        precondition((logits.rank == 1 || logits.rank == 2) && logits.dtype.isFloatingPoint && logits.shape.last! > 0,
                     "TokenSampler: logits must be floating-point [vocabulary] or [rows, vocabulary], "
                     + "got \(logits.shape) \(logits.dtype)")
        let vocabulary = logits.shape.last!
        let values = logits.scalars(as: Double.self)
        return stride(from: 0, to: values.count, by: vocabulary).map { start in
            distribution(Array(values[start..<(start + vocabulary)]))
        }
    }

    /// One token index per row, each drawn with one uniform number from `generator` (none at
    /// temperature 0), so a seeded generator reproduces the draws.
    ///
    /// logits: `[vocabulary]` or `[rows, vocabulary]`; returns `rows` indices in `0..<vocabulary`.
    public func sample(_ logits: Tensor, generator: RandomGenerator = .current) -> [Int] {
        let rows = probabilities(logits)
        if temperature == 0 { return rows.map { $0.firstIndex(of: 1)! } }
        let draws = Tensor.uniform([rows.count], dtype: .float64, generator: generator).scalars(as: Double.self)
        return zip(rows, draws).map { probabilities, draw in
            // Inverse of the cumulative distribution; rounding can leave the sum a hair below
            // the draw, and then the last token that can be drawn at all is the answer.
            var remaining = draw
            for (index, probability) in probabilities.enumerated() where probability > 0 {
                remaining -= probability
                if remaining < 0 { return index }
            }
            return probabilities.lastIndex { $0 > 0 }!
        }
    }

    private func distribution(_ logits: [Double]) -> [Double] {
        precondition(logits.allSatisfy { !$0.isNaN }, "TokenSampler: logits hold NaN")
        var threshold = -Double.infinity
        if let topK, topK < logits.count { threshold = logits.sorted(by: >)[topK - 1] }
        let largest = logits.max()!
        if temperature == 0 {
            let index = logits.firstIndex(of: largest)!
            return logits.indices.map { $0 == index ? 1 : 0 }
        }
        // Softmax shifted by the largest logit, so exp never overflows.
        let weights = logits.map { $0 >= threshold ? exp(($0 - largest) / temperature) : 0 }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}
