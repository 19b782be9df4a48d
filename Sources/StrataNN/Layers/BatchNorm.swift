import Strata

/// The running statistics of a batch normalization layer.
///
/// A reference type on purpose: a forward pass in training updates them, also inside a
/// gradient transform that works on a copy of the model, as PyTorch's forward updates its
/// buffers. Copies of a model share them; `BatchNorm.copyingStatistics()` separates a copy.
public final class BatchNormStatistics: @unchecked Sendable {
    public var mean: Tensor
    public var variance: Tensor
    /// int64 scalar, as PyTorch's `num_batches_tracked`.
    public var batchesTracked: Tensor

    public init(mean: Tensor, variance: Tensor, batchesTracked: Tensor) {
        self.mean = mean
        self.variance = variance
        self.batchesTracked = batchesTracked
    }
}

/// Batch normalization (Ioffe & Szegedy, 2015) over axis 1, with PyTorch's behaviour.
///
/// Training normalises with the batch mean and biased variance and updates the running
/// statistics with `momentum` (running variance uses the unbiased batch variance; a nil momentum
/// means a cumulative average); inference, and training while `isFrozen`, normalise with the
/// running statistics. `weight` (ones) and `bias` (zeros) exist when `affine`.
public struct BatchNorm: Layer {
    public var weight: Tensor?
    public var bias: Tensor?
    public private(set) var statistics: BatchNormStatistics
    public var momentum: Double?
    public var epsilon: Double
    public var isTraining = true
    /// While true the layer normalizes with its running statistics and leaves them unchanged,
    /// also in training mode: a frozen layer of a fine-tuned backbone keeps the statistics it was
    /// pretrained with. Set by `setFrozen(where:)` when the layer's parameters are frozen.
    public var isFrozen = false
    /// Accepted input ranks, for the error message of a wrong input.
    let ranks: ClosedRange<Int>
    let name: String

    init(name: String, ranks: ClosedRange<Int>, featureCount: Int, momentum: Double?, epsilon: Double, affine: Bool, dtype: DType) {
        self.name = name
        self.ranks = ranks
        self.momentum = momentum
        self.epsilon = epsilon
        weight = affine ? Tensor.ones([featureCount], dtype: dtype) : nil
        bias = affine ? Tensor.zeros([featureCount], dtype: dtype) : nil
        statistics = BatchNormStatistics(mean: Tensor.zeros([featureCount], dtype: dtype),
                                         variance: Tensor.ones([featureCount], dtype: dtype),
                                         batchesTracked: Tensor.zeros([], dtype: .int64))
    }

    /// A copy whose running statistics are its own.
    public func copyingStatistics() -> BatchNorm {
        var copy = self
        copy.statistics = BatchNormStatistics(mean: statistics.mean, variance: statistics.variance,
                                              batchesTracked: statistics.batchesTracked)
        return copy
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
        visitor.visit("running_mean", &statistics.mean, kind: .buffer)
        visitor.visit("running_var", &statistics.variance, kind: .buffer)
        visitor.visit("num_batches_tracked", &statistics.batchesTracked, kind: .buffer)
        visitor.visitTrainingFlag(&isTraining)
        // Without affine parameters the running mean's path stands for the layer.
        visitor.visitFrozenFlag(&isFrozen, tensors: weight == nil ? ["running_mean"] : ["weight", "bias"])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let features = statistics.mean.shape[0]
        precondition(ranks.contains(input.rank) && input.shape[1] == features,
                     "\(name): input \(input.shape) must have rank \(ranks) and \(features) features on axis 1")
        var broadcastShape = [Int](repeating: 1, count: input.rank)
        broadcastShape[1] = features
        if isTraining && !isFrozen {
            // A fused kernel where the backend offers one, else the composite.
            let (output, mean, variance) = batchNormTraining(input, weight: weight, bias: bias, epsilon: epsilon)
            updateStatistics(mean: mean, variance: variance, count: input.scalarCount / features)
            return output
        }
        let mean = statistics.mean.reshaped(to: broadcastShape)
        let variance = statistics.variance.reshaped(to: broadcastShape)
        var output = (input - mean) * rsqrt(variance + epsilon)
        if let weight { output = output * weight.reshaped(to: broadcastShape) }
        if let bias { output = output + bias.reshaped(to: broadcastShape) }
        return output
    }

    private func updateStatistics(mean: Tensor, variance: Tensor, count: Int) {
        withoutGradients {
            let tracked = statistics.batchesTracked.scalar(as: Int64.self) + 1
            statistics.batchesTracked = Tensor(tracked)
            let factor = momentum ?? 1 / Double(tracked)
            let unbiased = variance.reshaped(to: [-1]) * (Double(count) / Double(max(count - 1, 1)))
            statistics.mean = statistics.mean * (1 - factor) + mean.detached.reshaped(to: [-1]) * factor
            statistics.variance = statistics.variance * (1 - factor) + unbiased.detached * factor
        }
    }
}

/// Batch normalization of `[batch, features]` or `[batch, features, length]` (PyTorch's
/// `BatchNorm1d`); defaults momentum 0.1, epsilon 1e-5, affine.
public func BatchNorm1d(featureCount: Int, momentum: Double? = 0.1, epsilon: Double = 1e-5, affine: Bool = true,
                        dtype: DType = .float32) -> BatchNorm {
    BatchNorm(name: "BatchNorm1d", ranks: 2...3, featureCount: featureCount, momentum: momentum, epsilon: epsilon,
              affine: affine, dtype: dtype)
}

/// Batch normalization of `[batch, channels, height, width]` (PyTorch's `BatchNorm2d`);
/// defaults momentum 0.1, epsilon 1e-5, affine.
public func BatchNorm2d(featureCount: Int, momentum: Double? = 0.1, epsilon: Double = 1e-5, affine: Bool = true,
                        dtype: DType = .float32) -> BatchNorm {
    BatchNorm(name: "BatchNorm2d", ranks: 4...4, featureCount: featureCount, momentum: momentum, epsilon: epsilon,
              affine: affine, dtype: dtype)
}
