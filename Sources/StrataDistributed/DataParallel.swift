import Strata
import StrataData

/// Data parallelism by hand, as PyTorch's DistributedDataParallel offers it: every rank holds
/// the whole model, trains on its own part of each global batch, and averages gradients before
/// the optimizer's step, so all ranks take the same step and stay identical.
///
///     var parallel = DataParallel(group: try detectedProcessGroup())
///     try parallel.synchronize(&model)                        // rank 0's weights everywhere
///     let local = parallel.localRange(ofBatch: inputs.shape[0])
///     var (loss, gradients) = valueAndGradient(at: model) { crossEntropy($0(inputs[local]), labels[local]) }
///     gradients = try parallel.averageGradients(gradients, of: model, sampleCount: local.count)
///     optimizer.update(&model, along: gradients)
///
/// With a `SingleProcessGroup` every call returns its input, so the same code trains in one
/// process. `valueAndAveragedGradient(at:excluding:of:)` does the gradient and the averaging in
/// one call, overlapping the buckets' allreduces with backward.
public struct DataParallel {
    /// The ranks that train together.
    public var group: any ProcessGroup { buckets.group }
    /// The bucketed allreduce of the gradients (its `bucketBytes`, its last communication time).
    public var buckets: GradientBuckets

    /// Whether `valueAndAveragedGradient` reduces each bucket while backward still runs (as soon
    /// as its gradients are final) rather than after it; the averages are the same bits either way.
    public var overlapsBackward: Bool
    /// Whether batch normalization in `valueAndAveragedGradient` normalizes with the statistics of
    /// the global batch over all ranks (synchronized batch normalization: `ProcessGroupSum`,
    /// `synchronizedBatchNormTraining`) instead of each rank's own; then every rank's running
    /// statistics are the same. Every rank needs samples in every step.
    public var synchronizesBatchNorm: Bool
    /// The timings of the last `valueAndAveragedGradient` on more than one rank.
    public internal(set) var lastTimings = CommunicationTimings()

    /// `bucketBytes` defaults to 25 MiB; reductions overlap backward; batch normalization keeps
    /// per-rank statistics unless `synchronizesBatchNorm`.
    public init(group: any ProcessGroup = SingleProcessGroup(), bucketBytes: Int = 25 << 20,
                overlapsBackward: Bool = true, synchronizesBatchNorm: Bool = false) {
        buckets = GradientBuckets(group: group, bucketBytes: bucketBytes)
        self.overlapsBackward = overlapsBackward
        self.synchronizesBatchNorm = synchronizesBatchNorm
    }

    /// Replaces every parameter and buffer of `model` with rank 0's, so all ranks begin
    /// identical (the models must have the same paths, shapes and dtypes on every rank).
    public func synchronize<Model: ParameterContainer>(_ model: inout Model) throws(ProcessGroupError) {
        guard group.size > 1 else { return }
        var failure: ProcessGroupError?
        model.visitParameters(path: .root) { _, tensor, _ in
            guard failure == nil else { return }
            do throws(ProcessGroupError) { tensor = try group.broadcast(tensor, from: 0) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Replaces every buffer of `model` (batch normalization's running statistics, ...) with
    /// rank 0's, leaving the parameters alone.
    public func synchronizeBuffers<Model: ParameterContainer>(_ model: inout Model) throws(ProcessGroupError) {
        guard group.size > 1 else { return }
        var failure: ProcessGroupError?
        model.visitParameters(path: .root) { _, tensor, kind in
            guard failure == nil, kind == .buffer else { return }
            do throws(ProcessGroupError) { tensor = try group.broadcast(tensor, from: 0) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// The seed of this rank's random streams (dropout masks, ...): `seed` itself in a world of
    /// one, so single-process runs are unchanged, else SplitMix64's finalizer of `seed` xor the
    /// rank, so ranks draw independent, reproducible streams.
    public func rankSeed(_ seed: UInt64) -> UInt64 {
        guard group.size > 1 else { return seed }
        var z = seed ^ (UInt64(group.rank) &* 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// This rank's rows of a global batch of `count` samples (`shardRange`): a contiguous range,
    /// the ranks' ranges in rank order covering `0..<count` once, sizes differing by at most one
    /// (the first `count % size` ranks take one more); `averageGradients` weights each rank by
    /// its samples, so an uneven split averages exactly.
    public func localRange(ofBatch count: Int) -> Range<Int> {
        shardRange(count: count, rank: group.rank, size: group.size)
    }

    /// The sample-weighted average over ranks of the gradients of `model`'s parameters (the
    /// ones `isExcluded` does not reject, as in `valueAndGradient(at:excluding:)`), each the mean
    /// over this rank's `sampleCount` samples. A parameter without a gradient here (a rank with
    /// no samples, a branch the loss did not reach) counts as zeros. Buckets are filled in
    /// reverse parameter order, as backward finishes them.
    public mutating func averageGradients<Model: ParameterContainer>(
        _ gradients: [ParameterPath: Tensor], of model: Model, sampleCount: Int,
        excluding isExcluded: (ParameterPath) -> Bool = { _ in false }
    ) throws(ProcessGroupError) -> [ParameterPath: Tensor] {
        guard group.size > 1 else { return gradients }
        var copy = model
        var ordered: [(path: ParameterPath, gradient: Tensor)] = []
        copy.visitParameters(path: .root) { path, tensor, kind in
            guard kind == .parameter, !isExcluded(path) else { return }
            let zeros = Tensor.zeros(tensor.shape, dtype: tensor.dtype)
            ordered.append((path, sampleCount == 0 ? zeros : gradients[path] ?? zeros))
        }
        ordered.reverse()
        let averaged = try buckets.average(ordered.map(\.gradient), sampleCount: sampleCount)
        return Dictionary(uniqueKeysWithValues: zip(ordered.map(\.path), averaged))
    }
}
