import Strata

/// Standardizes each channel: `(x - mean[c]) / standardDeviation[c]`.
///
/// batch: `[N, C, H, W]` with C = `mean.count`; returns the same shape. Draws nothing.
public struct Normalize: Transform {
    public let mean: [Double]
    public let standardDeviation: [Double]

    public init(mean: [Double], standardDeviation: [Double]) {
        precondition(mean.count == standardDeviation.count,
                     "Normalize: \(mean.count) means but \(standardDeviation.count) standard deviations")
        precondition(standardDeviation.allSatisfy { $0 > 0 },
                     "Normalize: standard deviations must be positive, got \(standardDeviation)")
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    public func callAsFunction(_ batch: Tensor, generator: RandomGenerator) -> Tensor {
        requireImageBatch(batch, "Normalize")
        precondition(batch.shape[1] == mean.count,
                     "Normalize: batch \(batch.shape) has \(batch.shape[1]) channels but \(mean.count) means")
        let channels = [1, mean.count, 1, 1]
        let shift = Tensor(mean.map { Float($0) }, shape: channels)
        let scale = Tensor(standardDeviation.map { Float($0) }, shape: channels)
        return (batch - shift) / scale
    }
}
