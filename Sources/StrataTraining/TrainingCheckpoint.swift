import Foundation
import Strata
import StrataIO
import StrataNN
import StrataOptimizers

/// The checkpoint layout shared by `CheckpointSaver` (which writes it) and `Trainer.resume(from:)`
/// (which reads it): sections `model` (the state dictionary) and `optimizer` (its exported state);
/// metadata `epoch` (the finished epoch's index), `learning_rate` (the optimizer's base rate, as
/// Swift's shortest round-tripping decimal), each measured `TrainingMetric` by its raw value and
/// each of the task's further validation metrics as `validation_<name>` (`validationMetricKey`).
public enum TrainingCheckpoint {
    public static let modelSection = "model"
    public static let optimizerSection = "optimizer"
    public static let epochKey = "epoch"
    public static let learningRateKey = "learning_rate"
    /// Epoch indices stay below 2^24: each epoch's random generator starts at counter
    /// `epoch << 40` (see `Trainer`), so later epochs would wrap around the 64-bit counter.
    public static let maximumEpochCount = 1 << 24

    /// The metadata key of the task's validation metric `name` (`validation_roc_auc`).
    public static func validationMetricKey(_ name: String) -> String { "validation_" + name }

    /// The checkpoint of `context`'s model and optimizer after the epoch `summary` describes.
    public static func make(after summary: EpochSummary, context: TrainingContext) -> Checkpoint {
        var checkpoint = Checkpoint(metadata: [
            epochKey: String(summary.epoch),
            learningRateKey: String(context.optimizer.learningRate),
        ])
        for metric in TrainingMetric.allCases {
            if let value = summary.value(of: metric) { checkpoint.setMetadata(String(value), for: metric.rawValue) }
        }
        for (name, value) in summary.validationMetrics {
            checkpoint.setMetadata(String(value), for: validationMetricKey(name))
        }
        checkpoint[modelSection] = context.model.stateDictionary().keyedByName
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
    /// A weight or optimizer-state tensor holds NaN or infinity, at `index` in row-major order.
    case nonFiniteTensor(section: String, name: String, index: Int)

    public var description: String {
        switch self {
        case .nonFiniteTensor(let section, let name, let index):
            "checkpoint: \(section)/\(name) holds a value that is not finite (element \(index))"
        case .epochOutOfRange(let epoch):
            "checkpoint: epoch \(epoch) is outside 0..<\(TrainingCheckpoint.maximumEpochCount)"
        case .learningRateOutOfRange(let rate): "checkpoint: learning rate \(rate) is not a finite non-negative number"
        }
    }
}

extension TrainingCheckpointError {
    /// Throws `.nonFiniteTensor` for the first floating-point tensor of `tensors` (sorted by name)
    /// that holds NaN or infinity: a resumed run would train on it and every loss would be NaN.
    static func checkFinite(_ tensors: [String: Tensor], section: String) throws(TrainingCheckpointError) {
        for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) where tensor.dtype.isFloatingPoint {
            if let index = tensor.cast(to: .float64).scalars(as: Double.self).firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteTensor(section: section, name: name, index: index)
            }
        }
    }
}
