import Strata

/// What a rule needs to know about the step it is taking.
public struct UpdateContext: Sendable {
    /// The learning rate of the parameter's group, after any schedule.
    public var learningRate: Double
    /// The weight decay of the parameter's group.
    public var weightDecay: Double
}

/// One optimization algorithm: how a parameter moves given its gradient and its own state.
///
/// State is a dictionary of named tensors per parameter, with PyTorch's slot names
/// (`momentum_buffer`, `exp_avg`, `step`, ...), created by the rule on its first update. The
/// driver (`Optimizer`) owns traversal, groups, weight decay and state export; a rule is the
/// maths alone.
public protocol OptimizerRule: Sendable {
    /// The parameter after one step. `gradient` already includes L2 weight decay
    /// (`gradient + weightDecay * parameter`) unless `decouplesWeightDecay`.
    func update(_ parameter: Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) -> Tensor

    /// The same step as `update`, with the result stored in `parameter`. A rule with a fused
    /// kernel may write it into `parameter`'s buffer when no other tensor shares it (Adam on the
    /// CPU); no other tensor ever sees a change. The default assigns `update`'s result.
    func step(_ parameter: inout Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext)

    /// Whether the rule applies weight decay itself (AdamW) instead of through the gradient.
    var decouplesWeightDecay: Bool { get }

    /// Every slot the rule keeps per parameter once it has updated it, with its form:
    /// `Optimizer.importState(_:for:)` checks a checkpoint against this list.
    var stateSlots: [StateSlot] { get }
}

extension OptimizerRule {
    public var decouplesWeightDecay: Bool { false }

    public func step(_ parameter: inout Tensor, gradient: Tensor, state: inout [String: Tensor], context: UpdateContext) {
        parameter = update(parameter, gradient: gradient, state: &state, context: context)
    }
}

extension Dictionary where Key == String, Value == Tensor {
    /// Increments the int64 scalar slot `step` and returns its new value.
    mutating func incrementStep() -> Int {
        let step = (self["step"]?.scalar(as: Int64.self) ?? 0) + 1
        // In place where the counter is an int64 scalar (setScalar copies a counter that an
        // exported state still shares); no binding holds it meanwhile, so it stays unshared.
        if self["step"].map({ $0.dtype == .int64 && $0.rank == 0 && !$0.isTrackingGradient }) ?? false {
            self["step"]!.setScalar(step, at: [])
        } else {
            self["step"] = Tensor(step)
        }
        return Int(step)
    }
}
