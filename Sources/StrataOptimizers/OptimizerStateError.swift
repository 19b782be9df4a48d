import Strata

/// One tensor an `OptimizerRule` keeps per parameter, by PyTorch's slot name, and its form.
public struct StateSlot: Sendable, Equatable, CustomStringConvertible {
    /// What a slot's tensor must look like.
    public enum Form: Sendable, Equatable {
        /// The parameter's shape and dtype (`exp_avg`, `momentum_buffer`, `z`).
        case perElement
        /// An int64 scalar counting this parameter's updates: 1 after its first, never past the
        /// optimizer's `stepCount` (`step`).
        case stepCounter
        /// A finite float64 scalar (FISTA's `momentum_t`).
        case scalar
    }

    /// PyTorch's name of the slot (`exp_avg`, `step`).
    public var name: String
    /// What its tensor must look like.
    public var form: Form

    /// A slot named `name`; default form `.perElement`.
    public init(_ name: String, _ form: Form = .perElement) {
        self.name = name
        self.form = form
    }

    public var description: String { name }
}

/// Why saved optimizer state could not be restored (`Optimizer.importState`); each case names
/// the parameter path and slot.
public enum OptimizerStateError: Error, Equatable, CustomStringConvertible {
    /// `step_count` is missing, not one int64 element, or outside `0...Optimizer.maximumStepCount`.
    case malformedStepCount(String)
    /// A key that is not `step_count` or `state.<path>.<slot>`.
    case unexpectedKey(String)
    /// State for a path that is not a parameter of the model.
    case notAParameter(path: ParameterPath)
    /// A slot the parameter's rule does not keep (state of another rule or setting).
    case unexpectedSlot(path: ParameterPath, slot: String)
    /// A slot the parameter's rule needs once it has taken a step: a resumed run without it
    /// would silently restart that state from zero.
    case missingSlot(path: ParameterPath, slot: String)
    /// A slot whose shape or dtype is not the one its form asks for.
    case mismatchedSlot(path: ParameterPath, slot: String, shape: [Int], dtype: DType, expected: String)
    /// A step counter outside `1...stepCount`, or a scalar that is not finite.
    case slotOutOfRange(path: ParameterPath, slot: String, value: String, allowed: String)

    public var description: String {
        switch self {
        case .malformedStepCount(let reason): "optimizer state: step_count \(reason)"
        case .unexpectedKey(let key): "optimizer state: unexpected key \(key)"
        case .notAParameter(let path): "optimizer state: \(path) is not a parameter of the model"
        case .unexpectedSlot(let path, let slot): "optimizer state: \(path).\(slot) is not kept by the parameter's optimizer"
        case .missingSlot(let path, let slot): "optimizer state: \(path).\(slot) is missing"
        case .mismatchedSlot(let path, let slot, let shape, let dtype, let expected):
            "optimizer state: \(path).\(slot) is \(shape) \(dtype), expected \(expected)"
        case .slotOutOfRange(let path, let slot, let value, let allowed):
            "optimizer state: \(path).\(slot) is \(value), outside \(allowed)"
        }
    }
}
