import Strata

/// Batch normalization (Ioffe & Szegedy, 2015) over axis 1, with PyTorch's behaviour.
///
/// In training mode (`withTrainingMode(true)`, the default) it normalizes with the batch mean and
/// biased variance and computes new running statistics with `momentum` (running variance uses the
/// unbiased batch variance; a nil momentum means a cumulative average). The layer is a value and
/// does not change: the new statistics are recorded for the caller to apply to its model
/// (`withStatisticsUpdates(of:_:)`). Inference, and training where the layer's parameters are
/// frozen (`withFrozenStatistics(of:where:_:)`), normalize with the running statistics.
/// `weight` (ones) and `bias` (zeros) exist when `affine`. Inside `withCrossProcessSum(_:_:)`
/// (data-parallel training with synchronized batch normalization) training mode normalizes with
/// the statistics of the global batch over all ranks (`synchronizedBatchNormTraining`), and the
/// running statistics follow them, so they are the same on every rank.
public struct BatchNorm: Layer {
    public var weight: Tensor?
    public var bias: Tensor?
    /// `[features]`, PyTorch's `running_mean`; zeros at first.
    public var runningMean: Tensor
    /// `[features]`, PyTorch's `running_var`; ones at first.
    public var runningVariance: Tensor
    /// int64 scalar, PyTorch's `num_batches_tracked`.
    public var batchesTracked: Tensor
    public var momentum: Double?
    public var epsilon: Double
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
        runningMean = Tensor.zeros([featureCount], dtype: dtype)
        runningVariance = Tensor.ones([featureCount], dtype: dtype)
        batchesTracked = Tensor.zeros([], dtype: .int64)
    }

    public mutating func visitParameters(_ visitor: inout ParameterVisitor) {
        visitor.visit("weight", &weight)
        visitor.visit("bias", &bias)
        visitor.visit("running_mean", &runningMean, kind: .buffer)
        visitor.visit("running_var", &runningVariance, kind: .buffer)
        visitor.visit("num_batches_tracked", &batchesTracked, kind: .buffer)
    }

    /// Whether the layer's parameters (or, without them, its running mean) are frozen.
    private var isFrozen: Bool {
        if let weight { return FrozenStatistics.covers(bias.map { [weight, $0] } ?? [weight]) }
        return FrozenStatistics.covers([runningMean])
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let features = runningMean.shape[0]
        precondition(ranks.contains(input.rank) && input.shape[1] == features,
                     "\(name): input \(input.shape) must have rank \(ranks) and \(features) features on axis 1")
        var broadcastShape = [Int](repeating: 1, count: input.rank)
        broadcastShape[1] = features
        if TrainingMode.isEnabled && !isFrozen, let summation = CrossProcessSummation.current {
            // Synchronized batch normalization: the global batch's statistics (data-parallel steps
            // that ask for it install the summation).
            let (output, mean, variance, count) = synchronizedBatchNormTraining(
                input, weight: weight, bias: bias, epsilon: epsilon, across: summation)
            recordStatistics(mean: mean, variance: variance, count: count)
            return output
        }
        if TrainingMode.isEnabled && !isFrozen {
            // A fused kernel where the backend offers one, else the composite.
            let (output, mean, variance) = batchNormTraining(input, weight: weight, bias: bias, epsilon: epsilon)
            recordStatistics(mean: mean, variance: variance, count: input.scalarCount / features)
            return output
        }
        let mean = runningMean.reshaped(to: broadcastShape)
        let variance = runningVariance.reshaped(to: broadcastShape)
        var output = (input - mean) * rsqrt(variance + epsilon)
        if let weight { output = output * weight.reshaped(to: broadcastShape) }
        if let bias { output = output + bias.reshaped(to: broadcastShape) }
        return output
    }

    /// Records the running statistics after this batch for the caller to apply, starting from
    /// the ones an earlier call in the same step recorded; nothing when no one records them.
    private func recordStatistics(mean: Tensor, variance: Tensor, count: Int) {
        guard let recorder = StatisticsRecorder.current else { return }
        withoutGradients {
            let current = recorder.latest([runningMean, runningVariance, batchesTracked])
            let tracked = current[2].scalar(as: Int64.self) + 1
            let factor = momentum ?? 1 / Double(tracked)
            let unbiased = variance.reshaped(to: [-1]) * (Double(count) / Double(max(count - 1, 1)))
            recorder.record([
                (runningMean, current[0] * (1 - factor) + mean.detached.reshaped(to: [-1]) * factor),
                (runningVariance, current[1] * (1 - factor) + unbiased.detached * factor),
                (batchesTracked, Tensor(tracked)),
            ])
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
