import Strata

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
/// process.
public struct DataParallel {
    /// The ranks that train together.
    public var group: any ProcessGroup { buckets.group }
    /// The bucketed allreduce of the gradients (its `bucketBytes`, its last communication time).
    public var buckets: GradientBuckets

    /// `bucketBytes` defaults to 25 MiB.
    public init(group: any ProcessGroup = SingleProcessGroup(), bucketBytes: Int = 25 << 20) {
        buckets = GradientBuckets(group: group, bucketBytes: bucketBytes)
    }

    /// Replaces every parameter and buffer of `model` with rank 0's, so all ranks begin
    /// identical (the models must have the same paths, shapes and dtypes on every rank).
    public func synchronize<Model: ParameterContainer>(_ model: inout Model) throws(ProcessGroupError) {
        guard group.size > 1 else { return }
        var failure: ProcessGroupError?
        model.visitParameters(path: "") { _, tensor, _ in
            guard failure == nil else { return }
            do throws(ProcessGroupError) { tensor = try group.broadcast(tensor, from: 0) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// This rank's rows of a global batch of `count` samples: a contiguous range, the ranks'
    /// ranges in rank order covering `0..<count` once. Sizes differ by at most one (the first
    /// `count % size` ranks take one more); a batch smaller than the world leaves some ranks
    /// empty, which `averageGradients` handles by weighting each rank by its samples.
    public func localRange(ofBatch count: Int) -> Range<Int> {
        shardRange(count: count, rank: group.rank, size: group.size)
    }

    /// The sample-weighted average over ranks of the gradients of `model`'s parameters (the
    /// ones `isExcluded` does not reject, as in `valueAndGradient(at:excluding:)`), each the mean
    /// over this rank's `sampleCount` samples. A parameter without a gradient here (a rank with
    /// no samples, a branch the loss did not reach) counts as zeros. Buckets are filled in
    /// reverse parameter order, as backward finishes them.
    public mutating func averageGradients<Model: ParameterContainer>(
        _ gradients: [String: Tensor], of model: Model, sampleCount: Int,
        excluding isExcluded: (String) -> Bool = { _ in false }
    ) throws(ProcessGroupError) -> [String: Tensor] {
        guard group.size > 1 else { return gradients }
        var copy = model
        var ordered: [(path: String, gradient: Tensor)] = []
        copy.visitParameters(path: "") { path, tensor, kind in
            guard kind == .parameter, !isExcluded(path) else { return }
            ordered.append((path, gradients[path] ?? Tensor.zeros(tensor.shape, dtype: tensor.dtype)))
        }
        ordered.reverse()
        let averaged = try buckets.average(ordered.map(\.gradient), sampleCount: sampleCount)
        return Dictionary(uniqueKeysWithValues: zip(ordered.map(\.path), averaged))
    }
}

/// Rank `rank`'s contiguous share of `count` items split over `size` ranks: sizes differ by at
/// most one, the first `count % size` ranks taking the larger size.
public func shardRange(count: Int, rank: Int, size: Int) -> Range<Int> {
    precondition(size >= 1 && (0..<size).contains(rank), "shardRange: rank \(rank) outside a world of \(size)")
    precondition(count >= 0, "shardRange: count must be >= 0, got \(count)")
    let (base, extra) = count.quotientAndRemainder(dividingBy: size)
    let start = rank * base + Swift.min(rank, extra)
    return start..<(start + base + (rank < extra ? 1 : 0))
}
