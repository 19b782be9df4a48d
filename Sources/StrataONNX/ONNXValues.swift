import Strata

/// The values of one `ONNXModel.run` by slot (see `ONNXExecutionPlan`): tensors, and the
/// activations fused convolutions left in their blocked layout for the next convolution. A
/// node that reads a blocked value gets it plain, reordered once and kept.
struct ONNXValues {
    private var tensors: [Tensor?]
    private var blocked: [BlockedActivation?]

    init(count: Int) {
        tensors = Array(repeating: nil, count: count)
        blocked = Array(repeating: nil, count: count)
    }

    /// The value in `slot` as a tensor, made plain when it is blocked.
    subscript(slot: Int) -> Tensor? {
        mutating get {
            if tensors[slot] == nil, let value = blocked[slot] { tensors[slot] = value.plain }
            return tensors[slot]
        }
        set {
            tensors[slot] = newValue
            blocked[slot] = nil
        }
    }

    /// Whether `slot` holds a value.
    func contains(_ slot: Int) -> Bool {
        tensors[slot] != nil || blocked[slot] != nil
    }

    /// The value in `slot` as it is, blocked or plain.
    func activation(_ slot: Int) -> InferenceActivation? {
        if let value = blocked[slot] { return .blocked(value) }
        return tensors[slot].map { .plain($0) }
    }

    /// The blocked value in `slot`, taken out (the slot emptied), when nothing else shares its
    /// storage; else nil and the slot unchanged.
    mutating func takeUnique(_ slot: Int) -> BlockedActivation? {
        guard blocked[slot]?.isUniquelyReferenced() ?? false else { return nil }
        defer { blocked[slot] = nil }
        return blocked[slot]
    }

    /// Stores `value` in `slot`.
    mutating func set(_ slot: Int, _ value: InferenceActivation) {
        switch value {
        case .plain(let tensor): self[slot] = tensor
        case .blocked(let activation):
            tensors[slot] = nil
            blocked[slot] = activation
        }
    }

    /// Empties `slot`.
    mutating func release(_ slot: Int) {
        tensors[slot] = nil
        blocked[slot] = nil
    }
}
