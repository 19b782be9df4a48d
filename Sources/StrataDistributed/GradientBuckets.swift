import Foundation
import Strata

/// Averages gradients across a process group in flat buckets, as PyTorch's DDP does: the tensors
/// (given in reverse parameter order, the order backward finishes them) are packed into
/// contiguous buffers of about `bucketBytes` each, the first of at most 1 MiB (a tensor larger
/// than that is a bucket of its own; a bucket holds one dtype), and each bucket is one allreduce, so a model of many small
/// tensors costs a few large messages rather than many latency-bound ones.
///
/// The average weighs each rank by its samples: rank r scales its mean gradient by `n_r`, the
/// buckets are summed over ranks, and the sum is divided by `N = Σ n_r`. That is the gradient of
/// the mean loss over the global batch whatever the split (an uneven last batch, a rank with no
/// samples), so data-parallel training equals one process training on the whole batch up to the
/// order of floating-point sums.
///
/// `average` reduces the buckets after backward, one blocking allreduce each;
/// `lastCommunicationSeconds` measures what that costs. `DataParallel.valueAndAveragedGradient`
/// overlaps the same buckets with backward instead (`DataParallel.overlapsBackward`).
public struct GradientBuckets {
    /// The process group gradients are averaged over.
    public let group: any ProcessGroup
    /// The target size of one bucket in bytes; default 25 MiB (PyTorch DDP's `bucket_cap_mb`).
    public var bucketBytes: Int
    /// Wall-clock seconds the last `average` spent packing, reducing and unpacking.
    public private(set) var lastCommunicationSeconds = 0.0

    public init(group: any ProcessGroup, bucketBytes: Int = 25 << 20) {
        precondition(bucketBytes > 0, "GradientBuckets: bucketBytes must be positive, got \(bucketBytes)")
        self.group = group
        self.bucketBytes = bucketBytes
    }

    /// The bucket boundaries for tensors of these shapes and dtypes, in order: each range indexes
    /// the tensors of one bucket.
    public func buckets(for tensors: [Tensor]) -> [Range<Int>] {
        Self.ranges(byteSizes: tensors.map { $0.scalarCount * $0.dtype.byteSize }, dtypes: tensors.map(\.dtype),
                    bucketBytes: bucketBytes)
    }

    /// The size cap of the first bucket (the gradients backward finishes first): 1 MiB, as
    /// PyTorch's DDP (`_DEFAULT_FIRST_BUCKET_BYTES`), so the first allreduce starts early in
    /// backward even when the whole model would fit in one bucket.
    public static let firstBucketBytes = 1 << 20

    /// The bucket boundaries for tensors of these sizes in bytes and dtypes: the first bucket
    /// up to `min(firstBucketBytes, bucketBytes)`, the others up to `bucketBytes`.
    static func ranges(byteSizes: [Int], dtypes: [DType], bucketBytes: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, size) in byteSizes.enumerated() {
            let cap = result.isEmpty ? min(firstBucketBytes, bucketBytes) : bucketBytes
            if index > start && (bytes + size > cap || dtypes[index] != dtypes[start]) {
                result.append(start..<index)
                (start, bytes) = (index, 0)
            }
            bytes += size
        }
        if start < byteSizes.count { result.append(start..<byteSizes.count) }
        return result
    }

    /// The sample-weighted average over ranks of `gradients` (each the mean over this rank's
    /// `sampleCount` samples; a rank with none passes zeros of the right shapes), in the same
    /// order and shapes. Every rank must call it with the same shapes in the same order.
    public mutating func average(_ gradients: [Tensor], sampleCount: Int) throws(ProcessGroupError) -> [Tensor] {
        precondition(sampleCount >= 0, "GradientBuckets.average: sampleCount must be >= 0, got \(sampleCount)")
        let clock = ContinuousClock.now
        let total = try group.allReduceSum([Double(sampleCount)])[0]
        precondition(total > 0, "GradientBuckets.average: no rank had samples")
        var result = gradients
        for bucket in buckets(for: gradients) {
            let dtype = gradients[bucket.lowerBound].dtype
            let weight = Tensor.full([], value: Double(sampleCount), dtype: dtype)
            let flat = Tensor.concat(gradients[bucket].map { $0.reshaped(to: [$0.scalarCount]) }, axis: 0) * weight
            let summed = try group.allReduceSum(flat) / Tensor.full([], value: total, dtype: dtype)
            var offset = 0
            for index in bucket {
                let count = gradients[index].scalarCount
                result[index] = summed[offset..<(offset + count)].reshaped(to: gradients[index].shape)
                offset += count
            }
        }
        let elapsed = ContinuousClock.now - clock
        lastCommunicationSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return result
    }
}
