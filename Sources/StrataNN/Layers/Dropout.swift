import Strata

/// Inverted dropout (Srivastava et al., 2014): in training, zeroes each element with
/// probability `probability` and scales the rest by `1 / (1 - probability)`; the identity in
/// inference (`withTrainingMode(false)`). The mask comes from `generator` (the task's default
/// generator when nil).
public struct Dropout: Layer {
    public var probability: Double
    public var generator: RandomGenerator?

    public init(probability: Double = 0.5, generator: RandomGenerator? = nil) {
        precondition((0..<1).contains(probability), "Dropout: probability \(probability) must be in [0, 1)")
        self.probability = probability
        self.generator = generator
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {}

    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard TrainingMode.isEnabled, probability > 0 else { return input }
        let keep = 1 - probability
        let mask = Tensor.bernoulli(input.shape, probability: keep, dtype: input.dtype,
                                    generator: generator ?? .current)
        return input * mask * (1 / keep)
    }
}
