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
///
/// `model` stays alive while `body` runs, so its buffers are shared with the model `body` trains
/// and an update cannot write them in place; a loop that wants in-place updates collects
/// `FrozenTensors` first and calls `withFrozenStatistics(_:_:)`.
public func withFrozenStatistics<Model: ParameterContainer, Result>(
    of model: Model, where isFrozen: (ParameterPath) -> Bool, _ body: () throws -> Result
) rethrows -> Result {
    try withFrozenStatistics(FrozenTensors(of: model, where: isFrozen), body)
}

/// Runs `body` with the layers holding `frozen` keeping their running statistics (see
/// `withFrozenStatistics(of:where:_:)`).
public func withFrozenStatistics<Result>(_ frozen: FrozenTensors, _ body: () throws -> Result) rethrows -> Result {
    try FrozenStatistics.$frozenTensors.withValue(frozen.identities, operation: body)
}

/// The frozen tensors of a model, known by their storage: what `withFrozenStatistics(_:_:)`
/// keeps the running statistics of. It holds no tensor, so the model's buffers stay unshared.
public struct FrozenTensors: Sendable {
    let identities: Set<TensorStorageIdentity>

    /// No tensor: what a model trained whole holds frozen.
    public static let none = FrozenTensors(identities: [])

    init(identities: Set<TensorStorageIdentity>) {
        self.identities = identities
    }

    /// The tensors of `model` at the paths `isFrozen` selects.
    public init<Model: ParameterContainer>(of model: Model, where isFrozen: (ParameterPath) -> Bool) {
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
        // Copies of one layer value placed twice in a model share storage until trained apart;
        // such storage counts as frozen only where every path holding it is frozen.
        identities = frozen.subtracting(trained)
    }
}
