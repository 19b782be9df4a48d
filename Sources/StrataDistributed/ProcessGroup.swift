import Strata

/// The processes of one data-parallel job, and the collective operations between them: every
/// rank calls each collective in the same order with tensors of the same shape and dtype.
///
/// `SingleProcessGroup` (one rank, collectives do nothing) is the default, so code written for a
/// group runs unchanged without MPI; `MPIProcessGroup` spans the processes `mpirun` started.
/// Collectives take float32, float64 or int64 tensors and return new tensors (values in, values
/// out); a failure of the transport (a rank died) throws `ProcessGroupError`.
public protocol ProcessGroup: Sendable {
    /// This process's index, 0..<size. Rank 0 writes checkpoints and logs.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }

    /// The element-wise sum of `tensor` over all ranks, on every rank.
    func allReduceSum(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor

    /// Starts the element-wise sum of `tensor` over all ranks and returns at once; the sum is the
    /// pending reduction's `wait()`. Every rank starts its reductions in the same order. Groups
    /// without nonblocking collectives reduce before returning (the default implementation).
    func startAllReduceSum(_ tensor: Tensor) throws(ProcessGroupError) -> PendingReduction

    /// `root`'s `tensor` on every rank (the others pass a tensor of the same shape and dtype,
    /// whose values are ignored).
    func broadcast(_ tensor: Tensor, from root: Int) throws(ProcessGroupError) -> Tensor

    /// Every rank's `tensor` stacked in rank order: `[size] + tensor.shape`.
    func allGather(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor

    /// Returns once every rank has called it.
    func barrier() throws(ProcessGroupError)
}

extension ProcessGroup {
    public func startAllReduceSum(_ tensor: Tensor) throws(ProcessGroupError) -> PendingReduction {
        PendingReduction(completed: try allReduceSum(tensor))
    }

    /// Whether this is rank 0, the one that writes files.
    public var isLeader: Bool { rank == 0 }

    /// The element-wise mean of `tensor` over all ranks (the sum, divided by `size`); int64
    /// tensors are summed, then divided with truncation toward zero.
    public func allReduceMean(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor {
        let sum = try allReduceSum(tensor)
        return size == 1 ? sum : sum / Tensor.full([], value: Double(size), dtype: tensor.dtype)
    }

    /// The sum over all ranks of each of `values`, in float64 (for counts and loss sums: exact for
    /// integers up to 2^53).
    public func allReduceSum(_ values: [Double]) throws(ProcessGroupError) -> [Double] {
        guard size > 1, !values.isEmpty else { return values }
        return try allReduceSum(Tensor(values, shape: [values.count])).scalars(as: Double.self)
    }
}

/// The dtypes a collective accepts.
func checkCollective(_ operation: String, _ tensor: Tensor) {
    precondition([DType.float32, .float64, .int64].contains(tensor.dtype),
                 "\(operation): only float32, float64 and int64 tensors travel between ranks, got \(tensor.dtype) \(tensor.shape)")
}
