import Strata

/// The name of one tensor of an optimizer's exported state: the one encoding and decoding of the
/// checkpoint key format, which is PyTorch-like and unchanged since the first checkpoints.
///
/// - `step_count`: the optimizer's completed updates (int64 scalar);
/// - `state.<path>.<slot>`: slot `slot` (`exp_avg`, `step`) of the parameter at `path`
///   (`state.layer1.0.conv1.weight.exp_avg`). Slot names hold no dot, so the last dot ends the path.
public enum OptimizerStateKey: Sendable, Hashable, CustomStringConvertible {
    /// `step_count`.
    case stepCount
    /// `state.<path>.<slot>`.
    case slot(path: ParameterPath, name: String)

    private static let stepCountKey = "step_count"
    private static let slotPrefix = "state."

    /// Reads a key written by `description`.
    /// - Throws: `OptimizerStateError.unexpectedKey` for any other text: no `state.` prefix, an
    ///   empty or malformed path, or an empty slot name.
    public init(parsing key: String) throws(OptimizerStateError) {
        if key == Self.stepCountKey {
            self = .stepCount
            return
        }
        guard key.hasPrefix(Self.slotPrefix) else { throw .unexpectedKey(key) }
        let rest = key.dropFirst(Self.slotPrefix.count)
        guard let dot = rest.lastIndex(of: ".") else { throw .unexpectedKey(key) }
        let name = rest[rest.index(after: dot)...]
        guard !name.isEmpty, let path = try? ParameterPath(parsing: String(rest[..<dot])) else {
            throw .unexpectedKey(key)
        }
        self = .slot(path: path, name: String(name))
    }

    /// The key as checkpoints store it.
    public var description: String {
        switch self {
        case .stepCount: Self.stepCountKey
        case .slot(let path, let name): Self.slotPrefix + path.description + "." + name
        }
    }
}
