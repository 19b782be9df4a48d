import Strata
import Synchronization

/// Strata's `CrossProcessSum` over a process group: what synchronized batch normalization sums
/// its statistics and their gradients with (`DataParallel.synchronizesBatchNorm`).
///
/// A failing collective does not stop the forward or backward pass that asked for it: the first
/// error is kept in `failure`, later sums skip the transport and return their input, and the
/// step that installed this summation throws the error when the pass returns.
public final class ProcessGroupSum: CrossProcessSum {
    /// The ranks summed over.
    public let group: any ProcessGroup
    private let firstFailure = Mutex<ProcessGroupError?>(nil)

    public init(group: any ProcessGroup) {
        self.group = group
    }

    /// The first collective that failed, if any.
    public var failure: ProcessGroupError? { firstFailure.withLock { $0 } }

    public func sum(_ tensor: Tensor) -> Tensor {
        guard group.size > 1, failure == nil else { return tensor }
        do throws(ProcessGroupError) {
            return try group.allReduceSum(tensor.detached)
        } catch {
            firstFailure.withLock { if $0 == nil { $0 = error } }
            return tensor
        }
    }
}
