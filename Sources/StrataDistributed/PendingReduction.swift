import CStrataMPI
import Strata

/// A sum over ranks that was started and may still be in flight (`ProcessGroup.startAllReduceSum`):
/// the training loop goes on computing while MPI moves the data, polls `test()` now and then (Open
/// MPI progresses nonblocking collectives only inside MPI calls) and finally `wait()`s for the sum.
public final class PendingReduction {
    private enum State {
        case done(Tensor)
        /// An MPI request on a buffer this object owns until it completes.
        case inFlight(request: UnsafeMutableRawPointer?, buffer: UnsafeMutableRawPointer, shape: [Int], dtype: DType)
    }

    private var state: State

    /// A reduction that already finished with `result` (groups without nonblocking collectives).
    public init(completed result: Tensor) {
        state = .done(result)
    }

    /// Starts MPI_Iallreduce (sum) of `tensor`, copied into a buffer this object owns.
    init(mpiSumOf tensor: Tensor) throws(ProcessGroupError) {
        let bytes = tensor.scalarCount * tensor.dtype.byteSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 16)
        MPIBuffers.copy(tensor, to: buffer)
        var request: UnsafeMutableRawPointer?
        let code = strata_mpi_iallreduce_sum(buffer, Int64(tensor.scalarCount), MPIBuffers.datatype(tensor.dtype), &request)
        if code != 0 {
            buffer.deallocate()
            throw MPIBuffers.failure("MPI_Iallreduce", code)
        }
        state = .inFlight(request: request, buffer: buffer, shape: tensor.shape, dtype: tensor.dtype)
    }

    deinit {
        // A reduction abandoned in flight (an error elsewhere) must finish before its buffer goes.
        if case .inFlight(var request, let buffer, _, _) = state {
            _ = strata_mpi_wait(&request)
            buffer.deallocate()
        }
    }

    /// Whether the sum has arrived; lets MPI progress it.
    public func test() throws(ProcessGroupError) -> Bool {
        guard case .inFlight(var request, let buffer, let shape, let dtype) = state else { return true }
        var done: Int32 = 0
        let code = strata_mpi_test(&request, &done)
        state = .inFlight(request: request, buffer: buffer, shape: shape, dtype: dtype)
        if code != 0 { throw MPIBuffers.failure("MPI_Test", code) }
        if done != 0 { complete() }
        return done != 0
    }

    /// The sum over ranks, waiting for it if it has not arrived.
    public func wait() throws(ProcessGroupError) -> Tensor {
        if case .inFlight(var request, let buffer, let shape, let dtype) = state {
            let code = strata_mpi_wait(&request)
            state = .inFlight(request: request, buffer: buffer, shape: shape, dtype: dtype)
            if code != 0 { throw MPIBuffers.failure("MPI_Wait", code) }
            complete()
        }
        guard case .done(let result) = state else { preconditionFailure("PendingReduction: not complete after MPI_Wait") }
        return result
    }

    private func complete() {
        guard case .inFlight(_, let buffer, let shape, let dtype) = state else { return }
        state = .done(MPIBuffers.tensor(shape: shape, dtype: dtype, from: buffer))
        buffer.deallocate()
    }
}
