import Synchronization

/// The creation count of gradient nodes, for `GradientNode.sequence`.
private let nodesCreated = Atomic<UInt64>(0)

/// One recorded operation of the gradient graph: its inputs' nodes and the rule that maps the
/// gradient of its result to gradients of its inputs (a vector-Jacobian product).
///
/// `sequence` numbers nodes in creation order, so a node's number is larger than its inputs':
/// backward runs the pullbacks from the largest number down (PyTorch's order), which is the
/// forward pass reversed, and finishes a parameter's gradient right after the op that used it
/// last (what overlapping the gradient allreduce with backward needs).
///
/// The graph is immutable once built; the tensors a rule needs are captured by its closure and
/// freed with the graph when the result tensor goes away.
final class GradientNode: @unchecked Sendable {
    /// Maps the gradient of this node's value to one gradient per input (nil: no contribution).
    typealias Pullback = (Tensor) -> [Tensor?]

    // Variables only so that `deinit` can take them apart; nothing else writes them.
    private(set) var inputs: [GradientNode?]
    private(set) var pullback: Pullback?
    let shape: [Int]
    let dtype: DType
    /// This node's place in creation order (larger than every input's).
    let sequence: UInt64
    /// Set for a slice: its gradient fills this region of a zero tensor shaped like its input
    /// (what `pullback` computes), so backward may assemble the slices of one input at once.
    let region: Region?

    /// A node computed from `inputs` by an op whose derivative rule is `pullback`.
    init(inputs: [GradientNode?], shape: [Int], dtype: DType, region: Region? = nil, pullback: @escaping Pullback) {
        self.inputs = inputs
        self.pullback = pullback
        self.shape = shape
        self.dtype = dtype
        self.region = region
        sequence = nodesCreated.add(1, ordering: .relaxed).newValue
    }

    /// A leaf: a value the gradient is taken with respect to.
    init(leafShape shape: [Int], dtype: DType) {
        inputs = []
        pullback = nil
        self.shape = shape
        self.dtype = dtype
        region = nil
        sequence = nodesCreated.add(1, ordering: .relaxed).newValue
    }

    /// Frees the part of the graph only this node kept alive, iteratively.
    ///
    /// Left to ARC, freeing the result of an n-op chain recurses n levels deep (each node's
    /// `inputs` and pullback captures release the next node), which overflows a thread's stack
    /// near 50,000 nodes. Instead, each input that this node holds the last reference to is
    /// stripped of its own inputs and pullback before it goes, so no release recurses.
    deinit {
        guard !inputs.isEmpty else { return }
        var pending = inputs.compactMap { $0 }
        inputs = []
        // Pullbacks capture their input tensors (and with them the same nodes as `inputs`);
        // `pending` keeps those nodes alive while the closure is released.
        pullback = nil
        while var node = pending.popLast() {
            guard isKnownUniquelyReferenced(&node) else { continue }
            pending.append(contentsOf: node.inputs.compactMap { $0 })
            node.inputs = []
            node.pullback = nil
        }
    }
}

/// Task-local switches of the autodiff recorder.
public enum GradientRecording {
    /// Whether operations in this task record the graph for tensors that are being tracked.
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording gradients: results are plain values even when inputs are
/// tracked (PyTorch's `torch.no_grad()`). Scoped to the current task, never global.
public func withoutGradients<Result>(_ body: () throws -> Result) rethrows -> Result {
    try GradientRecording.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// Attaches a graph node to `result` when any input is tracked and recording is on.
    ///
    /// `pullback` receives the gradient of `result` and returns gradients for `inputs`, in order.
    /// It is an autoclosure so that untracked ops (most of them) never build the rule's closure
    /// and its captures.
    @inline(__always)  // lets the optimizer keep the inputs array off the heap
    static func recording(_ result: Tensor, inputs: [Tensor], _ pullback: @autoclosure () -> GradientNode.Pullback) -> Tensor {
        guard inputs.contains(where: { $0.node != nil }), GradientRecording.isEnabled else { return result }
        var tracked = result
        tracked.node = GradientNode(inputs: inputs.map(\.node), shape: result.shape, dtype: result.dtype, pullback: pullback())
        return tracked
    }
}
