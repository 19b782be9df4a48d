import Strata

extension Optimizer {
    /// The largest `step_count` a checkpoint may hold: 2^53, the last count a `Double` (Adam's
    /// bias correction) represents exactly, far from the overflow of the next increment.
    public static let maximumStepCount = 1 << 53

    /// Restores state written by `exportState()` after checking it against `model` and the rule
    /// of each parameter's group: every path must be one of its parameters; every slot must be
    /// one the rule keeps, of its form (the parameter's shape and dtype, or a scalar), with step
    /// counters in `1...stepCount`; and once the step count is positive, every parameter this
    /// optimizer does not freeze must have all its rule's slots, so a resumed run cannot silently
    /// restart a moment estimate from zero. Throws `OptimizerStateError`, changing nothing, otherwise.
    public mutating func importState<Model: ParameterContainer>(_ saved: [String: Tensor], for model: Model) throws(OptimizerStateError) {
        var candidate = self
        try candidate.importState(saved)
        let parameters = model.parameters
        // Sorted, so that the first problem reported does not depend on dictionary order.
        for path in candidate.state.keys.sorted() {
            guard let parameter = parameters[path] else { throw .notAParameter(path: path) }
            let expected = candidate.settings(for: path).rule.stateSlots
            let slots = candidate.state[path]!
            for name in slots.keys.sorted() {
                let tensor = slots[name]!
                guard let slot = expected.first(where: { $0.name == name }) else { throw .unexpectedSlot(path: path, slot: name) }
                try Self.check(tensor, slot: slot, path: path, parameter: parameter, stepCount: candidate.stepCount)
            }
        }
        guard candidate.stepCount > 0 else {
            self = candidate
            return
        }
        for path in parameters.keys.sorted() where !candidate.isFrozen(path) {
            let slots = candidate.state[path] ?? [:]
            if let missing = candidate.settings(for: path).rule.stateSlots.first(where: { slots[$0.name] == nil }) {
                throw .missingSlot(path: path, slot: missing.name)
            }
        }
        self = candidate
    }

    /// Restores state written by `exportState()`; throws, changing nothing, when it is malformed.
    /// Prefer `importState(_:for:)`, which also checks the state against the model and the rules.
    public mutating func importState(_ saved: [String: Tensor]) throws(OptimizerStateError) {
        guard let count = saved[OptimizerStateKey.stepCount.description] else { throw .malformedStepCount("is missing") }
        guard count.dtype == .int64, count.scalarCount == 1 else {
            throw .malformedStepCount("is \(count.shape) \(count.dtype), not one int64")
        }
        let steps = count.scalar(as: Int64.self)
        guard (0...Int64(Self.maximumStepCount)).contains(steps) else {
            throw .malformedStepCount("is \(steps), outside 0...\(Self.maximumStepCount)")
        }
        var restored: [ParameterPath: [String: Tensor]] = [:]
        for (key, tensor) in saved {
            switch try OptimizerStateKey(parsing: key) {
            case .stepCount: continue
            case .slot(let path, let name): restored[path, default: [:]][name] = tensor
            }
        }
        state = restored
        stepCount = Int(steps)
    }

    /// Checks one saved slot against its form.
    private static func check(_ tensor: Tensor, slot: StateSlot, path: ParameterPath, parameter: Tensor,
                              stepCount: Int) throws(OptimizerStateError) {
        switch slot.form {
        case .perElement:
            guard tensor.shape == parameter.shape, tensor.dtype == parameter.dtype else {
                throw .mismatchedSlot(path: path, slot: slot.name, shape: tensor.shape, dtype: tensor.dtype,
                                      expected: "\(parameter.shape) \(parameter.dtype), as the parameter")
            }
        case .stepCounter:
            guard tensor.rank == 0, tensor.dtype == .int64 else {
                throw .mismatchedSlot(path: path, slot: slot.name, shape: tensor.shape, dtype: tensor.dtype,
                                      expected: "an int64 scalar")
            }
            let value = tensor.scalar(as: Int64.self)
            guard value >= 1, value <= Int64(stepCount) else {
                throw .slotOutOfRange(path: path, slot: slot.name, value: String(value), allowed: "1...\(stepCount) (step_count)")
            }
        case .scalar:
            guard tensor.rank == 0, tensor.dtype == .float64 else {
                throw .mismatchedSlot(path: path, slot: slot.name, shape: tensor.shape, dtype: tensor.dtype,
                                      expected: "a float64 scalar")
            }
            let value = tensor.scalar(as: Double.self)
            guard value.isFinite else {
                throw .slotOutOfRange(path: path, slot: slot.name, value: String(value), allowed: "the finite numbers")
            }
        }
    }
}
