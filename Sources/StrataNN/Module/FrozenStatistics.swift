import Strata

/// The layers whose running statistics stay as they are, also in training mode, because their
/// parameters are frozen: a frozen batch normalization of a fine-tuned backbone normalizes with
/// the statistics it was pretrained with and never updates them. A task-local setting.
///
/// The layers are known by the storage of their frozen tensors (`TensorStorageIdentity`): frozen
/// tensors are never replaced while the setting holds, and the copies of a model that gradient
/// transforms work on share them.
public enum FrozenStatistics {
    /// The identities of the frozen tensors of the model being trained.
    @TaskLocal static var frozenTensors: Set<TensorStorageIdentity> = []

    /// Whether every one of `tensors` is frozen (false for none, and whenever nothing is frozen).
    static func covers(_ tensors: [Tensor]) -> Bool {
        let frozen = frozenTensors
        guard !frozen.isEmpty, !tensors.isEmpty else { return false }
        return tensors.allSatisfy { frozen.contains($0.storageIdentity) }
    }
}

/// Runs `body` with the layers of `model` whose parameters `isFrozen` selects (usually
/// `optimizer.isFrozen`) keeping their running statistics: batch normalization whose weight and
/// bias (or, without them, whose running mean) are frozen normalizes with its running statistics.
/// The tensors are collected once, so `body` may run many training steps on `model` and its copies.
///
///     withFrozenStatistics(of: model, where: optimizer.isFrozen) {
///         withTrainingMode(true) { ... training steps ... }
///     }
public func withFrozenStatistics<Model: ParameterContainer, Result>(
    of model: Model, where isFrozen: (ParameterPath) -> Bool, _ body: () throws -> Result
) rethrows -> Result {
    try withFrozenStatistics(frozenStatisticsTensors(of: model, where: isFrozen), body)
}

/// The tensors of `model` that `withFrozenStatistics(of:where:_:)` treats as frozen: those that
/// `isFrozen` selects. Collecting them first and running `withFrozenStatistics(_:_:)` keeps no
/// copy of `model` alive while `body` runs, so the optimizer may still update the model's
/// parameters in place (a copy would share every buffer).
public func frozenStatisticsTensors<Model: ParameterContainer>(
    of model: Model, where isFrozen: (ParameterPath) -> Bool
) -> Set<TensorStorageIdentity> {
    var copy = model
    var frozen: Set<TensorStorageIdentity> = []
    var trained: Set<TensorStorageIdentity> = []
    copy.visitParameters { path, tensor, _ in
        if isFrozen(path) {
            frozen.insert(tensor.storageIdentity)
        } else {
            trained.insert(tensor.storageIdentity)
        }
    }
    // Copies of one layer value placed twice in a model share storage until trained apart; such
    // storage counts as frozen only where every path holding it is frozen.
    return frozen.subtracting(trained)
}

/// Runs `body` with the layers whose tensors are among `frozenTensors` (from
/// `frozenStatisticsTensors(of:where:)`) keeping their running statistics.
public func withFrozenStatistics<Result>(_ frozenTensors: Set<TensorStorageIdentity>, _ body: () throws -> Result) rethrows -> Result {
    try FrozenStatistics.$frozenTensors.withValue(frozenTensors, operation: body)
}
