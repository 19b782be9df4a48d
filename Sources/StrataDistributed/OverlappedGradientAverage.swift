import Foundation
import Strata

/// One step's gradient averaging overlapped with backward: `GradientBuckets`' buckets (reverse
/// parameter order, about `bucketBytes` each), each started as a nonblocking allreduce as soon
/// as backward has finished all of its gradients (`valueAndGradient(at:excluding:whenFinal:of:)`
/// calls `gradientIsFinal`), while the rest of backward still runs.
///
/// Buckets are started strictly in bucket order (a bucket whose gradients are final waits for
/// the ones before it), so every rank starts the same reductions in the same order whatever
/// order its backward finishes gradients in. Each bucket holds the same sums as the blocking
/// `GradientBuckets.average` (this rank's gradients times its samples, summed over ranks, divided
/// by the global sample count), so overlapping changes no bit of the result.
final class OverlappedGradientAverage {
    private let group: any ProcessGroup
    private let paths: [ParameterPath]
    private let shapes: [[Int]]
    private let dtypes: [DType]
    private let position: [ParameterPath: Int]
    private let ranges: [Range<Int>]
    private let bucketOf: [Int]
    private var gradients: [Tensor?]
    private var missing: [Int]
    private var pending: [PendingReduction] = []
    private var firstIncomplete = 0
    /// This rank's samples in the step (set by the forward pass, read when the first bucket starts).
    var sampleCount = 0
    /// The first collective that failed; later buckets are not started.
    private(set) var failure: ProcessGroupError?
    /// Seconds spent packing and starting buckets and polling MPI during backward.
    private(set) var launchSeconds = 0.0
    /// Seconds `finish` waited for the reductions after backward ended (the exposed communication).
    private(set) var exposedSeconds = 0.0

    /// For the parameters of `model` that `isExcluded` does not reject.
    init<Model: ParameterContainer>(group: any ProcessGroup, bucketBytes: Int, model: Model,
                                    excluding isExcluded: (ParameterPath) -> Bool) {
        self.group = group
        var copy = model
        var entries: [(path: ParameterPath, shape: [Int], dtype: DType)] = []
        copy.visitParameters(path: .root) { path, tensor, kind in
            guard kind == .parameter, !isExcluded(path) else { return }
            entries.append((path, tensor.shape, tensor.dtype))
        }
        entries.reverse()
        paths = entries.map(\.path)
        shapes = entries.map(\.shape)
        dtypes = entries.map(\.dtype)
        position = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, $0) })
        ranges = GradientBuckets.ranges(byteSizes: entries.map { $0.shape.reduce(1, *) * $0.dtype.byteSize },
                                        dtypes: dtypes, bucketBytes: bucketBytes)
        var bucketOf = [Int](repeating: 0, count: entries.count)
        for (bucket, range) in ranges.enumerated() { for index in range { bucketOf[index] = bucket } }
        self.bucketOf = bucketOf
        gradients = [Tensor?](repeating: nil, count: entries.count)
        missing = ranges.map(\.count)
    }

    /// Backward's hook: `path`'s gradient (the mean over this rank's samples) is final.
    func gradientIsFinal(_ path: ParameterPath, _ gradient: Tensor) {
        guard let index = position[path], gradients[index] == nil else { return }
        let clock = ContinuousClock.now
        defer { launchSeconds += Self.seconds(ContinuousClock.now - clock) }
        gradients[index] = gradient
        missing[bucketOf[index]] -= 1
        while pending.count < ranges.count && missing[pending.count] == 0 && failure == nil { start(bucket: pending.count) }
        poll()
    }

    /// Waits for every bucket and returns the sample-weighted averages by path.
    func finish() throws(ProcessGroupError) -> [ParameterPath: Tensor] {
        // Parameters backward never reported (none, when the hook saw every leaf) count as zeros.
        for index in gradients.indices where gradients[index] == nil {
            gradientIsFinal(paths[index], Tensor.zeros(shapes[index], dtype: dtypes[index]))
        }
        if let failure { throw failure }
        let clock = ContinuousClock.now
        defer { exposedSeconds = Self.seconds(ContinuousClock.now - clock) }
        let total = try group.allReduceSum([Double(sampleCount)])[0]
        precondition(total > 0, "DataParallel: no rank had samples in this step")
        var result: [ParameterPath: Tensor] = [:]
        for (bucket, range) in ranges.enumerated() {
            let summed = try pending[bucket].wait() / Tensor.full([], value: total, dtype: dtypes[range.lowerBound])
            var offset = 0
            for index in range {
                let count = shapes[index].reduce(1, *)
                result[paths[index]] = summed[offset..<(offset + count)].reshaped(to: shapes[index])
                offset += count
            }
        }
        return result
    }

    private func start(bucket: Int) {
        let range = ranges[bucket]
        let dtype = dtypes[range.lowerBound]
        let parts = range.map { index in
            sampleCount == 0 ? Tensor.zeros([shapes[index].reduce(1, *)], dtype: dtype)
                : gradients[index]!.reshaped(to: [gradients[index]!.scalarCount])
        }
        let flat = Tensor.concat(parts, axis: 0) * Tensor.full([], value: Double(sampleCount), dtype: dtype)
        for index in range { gradients[index] = Tensor.zeros([], dtype: dtype) }  // keep "reported", free the memory
        do throws(ProcessGroupError) {
            pending.append(try group.startAllReduceSum(flat))
        } catch {
            failure = error
        }
    }

    /// Lets MPI progress the oldest reductions in flight.
    private func poll() {
        guard failure == nil else { return }
        do throws(ProcessGroupError) {
            while firstIncomplete < pending.count, try pending[firstIncomplete].test() { firstIncomplete += 1 }
        } catch {
            failure = error
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }
}
