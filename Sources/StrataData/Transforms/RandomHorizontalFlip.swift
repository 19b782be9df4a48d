import Strata

/// Mirrors each image left to right with probability `probability`, decided per sample.
///
/// batch: `[N, C, H, W]`; returns the same shape. Draws `N` uniforms; sample n flips when its
/// draw is below `probability`.
public struct RandomHorizontalFlip: Transform {
    public let probability: Double

    public init(probability: Double = 0.5) {
        precondition((0...1).contains(probability), "RandomHorizontalFlip: probability \(probability) is outside [0, 1]")
        self.probability = probability
    }

    /// Which of `count` samples the next call with this generator state flips.
    public func flips(count: Int, generator: RandomGenerator) -> [Bool] {
        Tensor.uniform([count], dtype: .float64, generator: generator).scalars(as: Double.self).map { $0 < probability }
    }

    public func callAsFunction(_ batch: Tensor, generator: RandomGenerator) -> Tensor {
        requireImageBatch(batch, "RandomHorizontalFlip")
        let flipped = flips(count: batch.shape[0], generator: generator)
        let width = batch.shape[3]
        let rowsPerSample = batch.shape[1] * batch.shape[2]
        var values = batch.scalars(as: Float.self)
        for (sample, flip) in flipped.enumerated() where flip {
            for row in 0..<rowsPerSample {
                let start = (sample * rowsPerSample + row) * width
                values[start..<start + width].reverse()
            }
        }
        return Tensor(values, shape: batch.shape)
    }
}
