import Foundation
import Strata
import StrataIO
import StrataNN
import StrataOptimizers

/// The checkpoint layout shared by `CheckpointSaver` (which writes it) and `Trainer.resume(from:)`
/// (which reads it): sections `model` (the state dictionary) and `optimizer` (its exported state);
/// metadata `epoch` (the finished epoch's index), `learning_rate` (the optimizer's base rate, as
/// Swift's shortest round-tripping decimal) and each measured `TrainingMetric` by its raw value.
public enum TrainingCheckpoint {
    public static let modelSection = "model"
    public static let optimizerSection = "optimizer"
    public static let epochKey = "epoch"
    public static let learningRateKey = "learning_rate"
    /// Epoch indices stay below 2^24: each epoch's random generator starts at counter
    /// `epoch << 40` (see `Trainer`), so later epochs would wrap around the 64-bit counter.
    public static let maximumEpochCount = 1 << 24

    /// The checkpoint of `context`'s model and optimizer after the epoch `summary` describes.
    public static func make(after summary: EpochSummary, context: TrainingContext) -> Checkpoint {
        var checkpoint = Checkpoint(metadata: [
            epochKey: String(summary.epoch),
            learningRateKey: String(context.optimizer.learningRate),
        ])
        for metric in TrainingMetric.allCases {
            if let value = summary.value(of: metric) { checkpoint.setMetadata(String(value), for: metric.rawValue) }
        }
        checkpoint[modelSection] = context.model.stateDictionary()
        checkpoint[optimizerSection] = context.optimizer.exportState()
        return checkpoint
    }
}

/// Why a checkpoint's metadata cannot resume training (`Trainer.resume(from:)`).
public enum TrainingCheckpointError: Error, Equatable, CustomStringConvertible {
    /// The finished epoch's index is outside `0..<TrainingCheckpoint.maximumEpochCount`.
    case epochOutOfRange(Int)
    /// The saved learning rate is negative, infinite or NaN.
    case learningRateOutOfRange(Double)

    public var description: String {
        switch self {
        case .epochOutOfRange(let epoch):
            "checkpoint: epoch \(epoch) is outside 0..<\(TrainingCheckpoint.maximumEpochCount)"
        case .learningRateOutOfRange(let rate): "checkpoint: learning rate \(rate) is not a finite non-negative number"
        }
    }
}
