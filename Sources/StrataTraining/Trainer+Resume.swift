import Foundation
import Strata
import StrataIO
import StrataNN
import StrataOptimizers

extension Trainer {
    /// Restores the model, the optimizer's state and learning rate, and the epoch from a checkpoint
    /// written by `CheckpointSaver`, so the next `fit` continues at the following epoch.
    /// Throws, changing nothing, when the file is unreadable or does not fit the model and the
    /// optimizer (`OptimizerStateError`), or its epoch or learning rate is out of range
    /// (`TrainingCheckpointError`).
    public mutating func resume(from url: URL) throws {
        try resume(from: Checkpoint.read(contentsOf: url))
    }

    /// `resume(from:)` with a checkpoint already read (`Checkpoint.decode`), for callers that
    /// read the file themselves. Refuses an epoch or learning rate out of range and weights or
    /// optimizer state that are not finite.
    public mutating func resume(from checkpoint: Checkpoint) throws {
        let epoch = try checkpoint.metadata(TrainingCheckpoint.epochKey, as: Int.self)
        guard (0..<TrainingCheckpoint.maximumEpochCount).contains(epoch) else { throw TrainingCheckpointError.epochOutOfRange(epoch) }
        let learningRate = try checkpoint.metadata(TrainingCheckpoint.learningRateKey, as: Double.self)
        guard learningRate >= 0, learningRate.isFinite else { throw TrainingCheckpointError.learningRateOutOfRange(learningRate) }
        let weights = try checkpoint.section(TrainingCheckpoint.modelSection)
        let state = try checkpoint.section(TrainingCheckpoint.optimizerSection)
        try TrainingCheckpointError.checkFinite(weights, section: TrainingCheckpoint.modelSection)
        try TrainingCheckpointError.checkFinite(state, section: TrainingCheckpoint.optimizerSection)
        var restoredModel = model
        try restoredModel.loadStateDictionary(weights)
        var restoredOptimizer = optimizer
        try restoredOptimizer.importState(state, for: restoredModel)
        restoredOptimizer.learningRate = learningRate
        model = restoredModel
        optimizer = restoredOptimizer
        nextEpoch = epoch + 1
    }
}
