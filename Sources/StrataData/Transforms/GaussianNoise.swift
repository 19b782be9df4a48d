import Strata

/// Adds independent normal noise with mean 0 and `standardDeviation` to every value.
///
/// batch: `[N, C, H, W]`; returns the same shape. Draws one normal per value.
public struct GaussianNoise: Transform {
    public let standardDeviation: Double

    public init(standardDeviation: Double) {
        precondition(standardDeviation >= 0, "GaussianNoise: standardDeviation must be >= 0, got \(standardDeviation)")
        self.standardDeviation = standardDeviation
    }

    public func callAsFunction(_ batch: Tensor, generator: RandomGenerator) -> Tensor {
        requireImageBatch(batch, "GaussianNoise")
        return batch + Tensor.normal(batch.shape, standardDeviation: standardDeviation, dtype: .float32, generator: generator)
    }
}
