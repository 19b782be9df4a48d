import Strata
import Synchronization

/// The running statistics (batch normalization's `running_mean`, `running_var`,
/// `num_batches_tracked`) that training-mode forward passes computed, each the replacement of the
/// buffer it was computed from.
///
/// Layers are values and never change during a forward pass, also not their statistics: a
/// training-mode forward records the new statistics here, and the caller applies them to its own
/// model value after the step (`withStatisticsUpdates(of:_:)`). A buffer is known by its storage
/// (`TensorStorageIdentity`), which the model, the copy a gradient transform works on and every
/// other copy share, so the update reaches exactly the model it is applied to: copies of a model
/// never share state.
public struct RunningStatisticsUpdates: Sendable {
    /// The replaced buffer (kept alive, so its identity cannot be reused) and its replacement.
    var replacements: [TensorStorageIdentity: (replaced: Tensor, replacement: Tensor)] = [:]

    /// The number of buffers replaced.
    public var count: Int { replacements.count }

    /// Whether no buffer is replaced.
    public var isEmpty: Bool { replacements.isEmpty }

    /// The latest replacement of `buffer`, or `buffer` itself when none was recorded: a layer
    /// applied twice in one step starts its second update from its first.
    func latest(_ buffer: Tensor) -> Tensor {
        replacements.isEmpty ? buffer : replacements[buffer.storageIdentity]?.replacement ?? buffer
    }
}

/// Where forward passes record statistics while `recordingStatisticsUpdates` runs.
final class StatisticsRecorder: Sendable {
    private let updates = Mutex(RunningStatisticsUpdates())

    /// The recorder of the current task, nil when updates are not being recorded.
    @TaskLocal static var current: StatisticsRecorder?

    /// The latest replacements of `buffers`, in order.
    func latest(_ buffers: [Tensor]) -> [Tensor] {
        updates.withLock { updates in buffers.map { updates.latest($0) } }
    }

    /// Records that each `replaced` buffer (as the model holds it) becomes `replacement`.
    func record(_ pairs: [(replaced: Tensor, replacement: Tensor)]) {
        updates.withLock { updates in
            for pair in pairs { updates.replacements[pair.replaced.storageIdentity] = pair }
        }
    }

    var recorded: RunningStatisticsUpdates { updates.withLock { $0 } }
}

/// Runs `body` and returns its result with the running statistics its training-mode forward
/// passes computed. Outside such a call a training-mode forward normalizes as in training but
/// computes no statistics: to keep them, use `withStatisticsUpdates(of:_:)`, or apply the returned
/// updates with `applyStatisticsUpdates(_:)`.
public func recordingStatisticsUpdates<Result>(_ body: () throws -> Result) rethrows
    -> (result: Result, updates: RunningStatisticsUpdates) {
    let recorder = StatisticsRecorder()
    let result = try StatisticsRecorder.$current.withValue(recorder, operation: body)
    return (result, recorder.recorded)
}

/// Runs `body` on `model` and then applies to `model` the running statistics that the
/// training-mode forward passes inside computed, on `model` or on copies of it (the copy a gradient
/// transform works on): the training step's form.
///
///     let (loss, gradients) = withStatisticsUpdates(of: &model) { model in
///         valueAndGradient(at: model) { model in crossEntropy(logits: model(x), labels: y) }
///     }
public func withStatisticsUpdates<Model: ParameterContainer, Result>(
    of model: inout Model, _ body: (Model) throws -> Result
) rethrows -> Result {
    let current = model
    let (result, updates) = try recordingStatisticsUpdates { try body(current) }
    model.applyStatisticsUpdates(updates)
    return result
}

extension ParameterContainer {
    /// Replaces every buffer that `updates` holds a replacement for (matched by storage, so only
    /// this model and its copies are affected); does nothing when `updates` is empty.
    public mutating func applyStatisticsUpdates(_ updates: RunningStatisticsUpdates) {
        guard !updates.isEmpty else { return }
        visitParameters { _, tensor, kind in
            if kind == .buffer, let update = updates.replacements[tensor.storageIdentity] {
                tensor = update.replacement
            }
        }
    }
}
