import Strata

/// A world of one process: rank 0 of 1, every collective returns its input. The default group,
/// so training code written for data parallelism runs unchanged without MPI.
public struct SingleProcessGroup: ProcessGroup {
    public var rank: Int { 0 }
    public var size: Int { 1 }

    public init() {}

    public func allReduceSum(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor {
        checkCollective("allReduceSum", tensor)
        return tensor
    }

    public func broadcast(_ tensor: Tensor, from root: Int) throws(ProcessGroupError) -> Tensor {
        checkCollective("broadcast", tensor)
        precondition(root == 0, "broadcast: root \(root) outside a world of 1 rank")
        return tensor
    }

    public func allGather(_ tensor: Tensor) throws(ProcessGroupError) -> Tensor {
        checkCollective("allGather", tensor)
        return tensor.reshaped(to: [1] + tensor.shape)
    }

    public func barrier() throws(ProcessGroupError) {}
}
