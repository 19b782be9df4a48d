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
    /// Increments the int64 scalar slot `step` and returns its new value (one lookup).
    mutating func incrementStep() -> Int {
        guard let index = index(forKey: "step") else {
            self["step"] = Tensor(Int64(1))
            return 1
        }
        return Self.increment(&values[index])
    }

    /// Increments a step counter in place where it is an int64 scalar (setScalar copies a counter
    /// that an exported state still shares), else replaces it by an int64 scalar.
    private static func increment(_ counter: inout Tensor) -> Int {
        let step = counter.scalar(as: Int64.self) + 1
        if counter.dtype == .int64 && counter.rank == 0 && !counter.isTrackingGradient {
            counter.setScalar(step, at: [])
        } else {
            counter = Tensor(step)
        }
        return Int(step)
    }

    /// The slot `name` taken out of its entry, which keeps a placeholder until `putSlot` (nil,
    /// and a nil `index`, when absent): the dictionary no longer shares the slot's buffer, so a
    /// fused kernel may write it in place, and no entry is removed or inserted.
    mutating func takeSlot(_ name: String, index: inout Index?) -> Tensor? {
        index = self.index(forKey: name)
        guard let index else { return nil }
        var slot = slotPlaceholder
        swap(&slot, &values[index])
        return slot
    }

    /// Stores `tensor` in the entry that `takeSlot` left at `index`.
    mutating func putSlot(_ tensor: Tensor, at index: Index) {
        values[index] = tensor
    }
}

/// What stands in a slot's entry while `takeSlot` has the slot out.
private let slotPlaceholder = Tensor(Float(0))
