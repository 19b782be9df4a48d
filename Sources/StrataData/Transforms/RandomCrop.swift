import Strata

/// Pads each image with `padding` zeros on every side, then cuts a `height` x `width` window at
/// a uniformly random position, drawn per sample (the CIFAR augmentation of He et al. 2016,
/// "Deep Residual Learning for Image Recognition", with padding 4 and a 32 x 32 crop).
///
/// batch: `[N, C, H, W]`; returns `[N, C, height, width]`. Draws `2 N` uniforms (row offset,
/// column offset per sample).
public struct RandomCrop: Transform {
    public let height: Int
    public let width: Int
    public let padding: Int

    public init(height: Int, width: Int, padding: Int = 0) {
        precondition(height > 0 && width > 0 && padding >= 0,
                     "RandomCrop: needs a positive size and padding >= 0, got \(height) x \(width), padding \(padding)")
        self.height = height
        self.width = width
        self.padding = padding
    }

    public func callAsFunction(_ batch: Tensor, generator: RandomGenerator) -> Tensor {
        requireImageBatch(batch, "RandomCrop")
        let (count, channels, inputHeight, inputWidth) = (batch.shape[0], batch.shape[1], batch.shape[2], batch.shape[3])
        let rowChoices = inputHeight + 2 * padding - height + 1
        let columnChoices = inputWidth + 2 * padding - width + 1
        precondition(rowChoices > 0 && columnChoices > 0,
                     "RandomCrop: a \(height) x \(width) crop does not fit batch \(batch.shape) padded by \(padding)")
        let draws = Tensor.uniform([count, 2], dtype: .float64, generator: generator).scalars(as: Double.self)
        let input = batch.scalars(as: Float.self)
        var output = [Float](repeating: 0, count: count * channels * height * width)
        for sample in 0..<count {
            // Offsets in the padded image; min guards the (measure-zero) draw rounding up to 1.
            let top = min(Int(draws[2 * sample] * Double(rowChoices)), rowChoices - 1) - padding
            let left = min(Int(draws[2 * sample + 1] * Double(columnChoices)), columnChoices - 1) - padding
            for channel in 0..<channels {
                let source = (sample * channels + channel) * inputHeight * inputWidth
                let target = (sample * channels + channel) * height * width
                for row in 0..<height {
                    let sourceRow = top + row
                    guard (0..<inputHeight).contains(sourceRow) else { continue }  // zero padding
                    for column in 0..<width {
                        let sourceColumn = left + column
                        guard (0..<inputWidth).contains(sourceColumn) else { continue }
                        output[target + row * width + column] = input[source + sourceRow * inputWidth + sourceColumn]
                    }
                }
            }
        }
        return Tensor(output, shape: [count, channels, height, width])
    }
}
