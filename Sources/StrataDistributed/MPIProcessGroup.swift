import CStrataMPI
import Foundation
import Strata

/// The processes `mpirun` started (MPI_COMM_WORLD), through Open MPI loaded at run time.
///
/// Strata links no MPI library: `world()` opens Open MPI's `libmpi.so.40` with dlopen, so the
/// package builds, and single-process training runs, on machines without MPI. MPI is initialised
/// once per process (thread level MPI_THREAD_SERIALIZED: collectives are called from the training
/// loop's thread only) and finalised at exit; errors come back as codes (MPI_ERRORS_RETURN) and
/// are thrown as `ProcessGroupError.mpiFailed`.
///
/// Sums follow Open MPI's reduction order for the message size; with 2 ranks a sum is
/// `a + b`, the same bits on both ranks.
public struct MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// MPI_COMM_WORLD, initialising MPI on first use. Throws `.mpiUnavailable` when Open MPI's
    /// library cannot be opened.
    public static func world() throws(ProcessGroupError) -> MPIProcessGroup {
        try worldResult.get()
    }

    private static let worldResult: Result<MPIProcessGroup, ProcessGroupError> = {
        var message = [CChar](repeating: 0, count: 512)
        if strata_mpi_load(&message, message.count) != 0 {
            return .failure(.mpiUnavailable(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
        }
        var (rank, size): (Int32, Int32) = (0, 0)
        let status = strata_mpi_initialize(&rank, &size)
        if status != 0 { return .failure(failure("MPI_Init_thread", status)) }
        return .success(MPIProcessGroup(rank: Int(rank), size: Int(size)))
    }()

    public func allReduceSum(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor {
        checkCollective("allReduceSum", tensor)
        var result = tensor
        try Self.inPlace(&result, "MPI_Allreduce") { pointer, count, type in strata_mpi_allreduce_sum(pointer, count, type) }
        return result
    }

    /// MPI_Iallreduce on a copy of `tensor` (a blocking MPI_Allreduce for more than 2^31 - 1
    /// elements, MPI's int count).
    public func startAllReduceSum(_ tensor: Tensor) throws(ProcessGroupError) -> PendingReduction {
        checkCollective("startAllReduceSum", tensor)
        if tensor.scalarCount == 0 || tensor.scalarCount > Int(Int32.max) {
            return PendingReduction(completed: try allReduceSum(tensor))
        }
        return try PendingReduction(mpiSumOf: tensor)
    }

    public func broadcast(_ tensor: Tensor, from root: Int) throws(ProcessGroupError) -> Tensor {
        checkCollective("broadcast", tensor)
        precondition((0..<size).contains(root), "broadcast: root \(root) outside ranks 0..<\(size)")
        var result = tensor
        try Self.inPlace(&result, "MPI_Bcast") { pointer, count, type in strata_mpi_broadcast(pointer, count, type, Int32(root)) }
        return result
    }

    public func allGather(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor {
        checkCollective("allGather", tensor)
        precondition(tensor.scalarCount * size <= Int(Int32.max),
                     "allGather: \(size) ranks x \(tensor.shape) exceeds MPI's int counts")
        var gathered = [Tensor(unsafeUninitializedShape: [size] + tensor.shape, dtype: tensor.dtype)]
        let type = Self.datatype(tensor.dtype)
        if tensor.scalarCount == 0 { return gathered[0] }
        let code = Self.withRawBytes(of: tensor) { input in
            Self.withMutableRawBytes(of: &gathered[0]) { output in
                strata_mpi_allgather(input, output, Int64(tensor.scalarCount), type)
            }
        }
        if code != 0 { throw Self.failure("MPI_Allgather", code) }
        return gathered[0]
    }

    public func barrier() throws(ProcessGroupError) {
        let code = strata_mpi_barrier()
        if code != 0 { throw Self.failure("MPI_Barrier", code) }
    }

    /// Ends every process of the job (MPI_Abort): for a rank that cannot go on, so the others do
    /// not wait for it in a collective.
    public func abort(code: Int32) -> Never {
        strata_mpi_abort(code)
        exit(code)
    }

    // MARK: - Buffers

    private static func inPlace(_ tensor: inout Tensor, _ call: String,
                                _ body: (UnsafeMutableRawPointer, Int64, strata_mpi_datatype) -> Int32) throws(ProcessGroupError) {
        let type = datatype(tensor.dtype)
        let count = Int64(tensor.scalarCount)
        if count == 0 { return }
        let code = withMutableRawBytes(of: &tensor) { body($0, count, type) }
        if code != 0 { throw failure(call, code) }
    }

    private static func datatype(_ dtype: DType) -> strata_mpi_datatype { MPIBuffers.datatype(dtype) }

    private static func withRawBytes(of tensor: Tensor, _ body: (UnsafeRawPointer) -> Int32) -> Int32 {
        MPIBuffers.withRawBytes(of: tensor, body)
    }

    private static func withMutableRawBytes(of tensor: inout Tensor, _ body: (UnsafeMutableRawPointer) -> Int32) -> Int32 {
        MPIBuffers.withMutableRawBytes(of: &tensor, body)
    }

    private static func failure(_ call: String, _ code: Int32) -> ProcessGroupError { MPIBuffers.failure(call, code) }
}
