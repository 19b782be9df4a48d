import Strata

/// Why a state dictionary could not be loaded into a model: every problem at once.
public struct StateDictionaryError: Error, CustomStringConvertible, Equatable {
    /// Paths the model has and the dictionary lacks.
    public var missing: [String]
    /// Paths the dictionary has and the model lacks.
    public var unexpected: [String]
    /// Paths present in both with a different shape or dtype, described for humans.
    public var mismatched: [String]

    public var description: String {
        var lines = ["state dictionary does not match the model:"]
        if !missing.isEmpty { lines.append("  missing: \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { lines.append("  unexpected: \(unexpected.joined(separator: ", "))") }
        if !mismatched.isEmpty { lines.append("  mismatched: \(mismatched.joined(separator: "; "))") }
        return lines.joined(separator: "\n")
    }
}

extension ParameterContainer {
    /// Every tensor, parameters and buffers, keyed by PyTorch-style path: what a checkpoint or a
    /// safetensors file holds (`keyedByName` gives the file's string keys).
    public func stateDictionary() -> [ParameterPath: Tensor] {
        var copy = self
        var result: [ParameterPath: Tensor] = [:]
        copy.visitParameters { path, tensor, _ in result[path] = tensor.detached }
        return result
    }

    /// Replaces every tensor with the one at its path in `state`.
    ///
    /// With `strict` (the default) the keys must match exactly; in every mode each shared path
    /// must agree in shape and dtype. On any problem nothing is changed and the thrown
    /// `StateDictionaryError` lists all missing, unexpected and mismatched paths.
    ///
    /// `excluding` leaves whole subtrees out on both sides: a path that one of the patterns
    /// matches (`"fc"` covers `fc.weight` and `fc.bias`, not `fc2.weight`; see
    /// `ParameterPattern`) is neither compared nor loaded, and the model keeps its own tensors
    /// there. Fine-tuning loads a pretrained file into a model with a new head this way, strictly
    /// everywhere else: `try model.loadStateDictionary(pretrained, excluding: ["fc"])`.
    public mutating func loadStateDictionary(_ state: [ParameterPath: Tensor], strict: Bool = true,
                                             excluding patterns: [ParameterPattern] = []) throws {
        try loadStateDictionary(state, malformedNames: [], strict: strict, excluding: patterns)
    }

    /// `loadStateDictionary(_:strict:excluding:)` with the tensors of a file, keyed by name
    /// (`Safetensors`, `PyTorchWeights`, a `Checkpoint` section): a name that is not a parameter
    /// path (`a..b`) is reported as unexpected.
    public mutating func loadStateDictionary(_ named: [String: Tensor], strict: Bool = true,
                                             excluding patterns: [ParameterPattern] = []) throws {
        var state: [ParameterPath: Tensor] = [:]
        var malformed: [String] = []
        for (name, tensor) in named {
            if let path = try? ParameterPath(parsing: name) { state[path] = tensor } else { malformed.append(name) }
        }
        try loadStateDictionary(state, malformedNames: malformed, strict: strict, excluding: patterns)
    }

    private mutating func loadStateDictionary(_ state: [ParameterPath: Tensor], malformedNames: [String], strict: Bool,
                                              excluding patterns: [ParameterPattern]) throws {
        let isExcluded = { (path: ParameterPath) in patterns.contains { $0.matches(path) } }
        let current = stateDictionary().filter { !isExcluded($0.key) }
        let state = state.filter { !isExcluded($0.key) }
        var error = StateDictionaryError(missing: [], unexpected: [], mismatched: [])
        for (path, tensor) in current.sorted(by: { $0.key < $1.key }) {
            guard let replacement = state[path] else {
                error.missing.append(path.description)
                continue
            }
            if replacement.shape != tensor.shape || replacement.dtype != tensor.dtype {
                error.mismatched.append("\(path): model \(tensor.shape) \(tensor.dtype), file \(replacement.shape) \(replacement.dtype)")
            }
        }
        error.unexpected = (state.keys.filter { current[$0] == nil }.map(\.description) + malformedNames).sorted()
        if !error.mismatched.isEmpty || (strict && !(error.missing.isEmpty && error.unexpected.isEmpty)) {
            throw error
        }
        visitParameters { path, tensor, _ in
            if let replacement = state[path] { tensor = replacement.detached }
        }
    }
}
