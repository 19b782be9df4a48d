import Strata
import Testing

/// The PyTorch fixtures, filled in by the generated `TorchFixtures.swift`
/// (from `Tools/make_nn_fixtures.py`).
enum TorchFixtures {}

/// One tensor recorded from PyTorch: its shape and row-major values.
struct FixtureTensor: Sendable {
    let shape: [Int]
    let float32Values: [Float]?
    let int64Values: [Int64]?

    static func float32(_ shape: [Int], _ values: [Float]) -> FixtureTensor {
        FixtureTensor(shape: shape, float32Values: values, int64Values: nil)
    }

    static func int64(_ shape: [Int], _ values: [Int64]) -> FixtureTensor {
        FixtureTensor(shape: shape, float32Values: nil, int64Values: values)
    }

    var tensor: Tensor {
        if let float32Values { return Tensor(float32Values, shape: shape) }
        return Tensor(int64Values!, shape: shape)
    }
}

/// One PyTorch computation: its inputs, state, outputs and gradients by name (the naming scheme
/// is in the header of `TorchFixtures.swift`, or of `RNNFixtures.swift` for the recurrent layers).
struct Fixture: Sendable, CustomStringConvertible {
    let name: String
    /// The PyTorch call that produced the values.
    let torchCode: String
    let tensors: [String: FixtureTensor]

    var description: String { name }

    /// The tensor named `key`; traps with the fixture's name when it has none, as a test bug.
    subscript(_ key: String) -> Tensor {
        guard let stored = tensors[key] else {
            preconditionFailure("fixture \(name) has no tensor \(key); it has \(tensors.keys.sorted())")
        }
        return stored.tensor
    }

    /// Whether the fixture holds a tensor named `key`.
    func has(_ key: String) -> Bool { tensors[key] != nil }

    /// The module's PyTorch `state_dict()` before the call, keyed by PyTorch's names.
    var stateDictionary: [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (key, value) in tensors where key.hasPrefix("state.") {
            result[String(key.dropFirst("state.".count))] = value.tensor
        }
        return result
    }

    /// The names of the values Strata must reproduce: the output, buffers after the call and gradients.
    var expectedKeys: [String] {
        tensors.keys.filter { $0 == "output" || $0.hasPrefix("after.") || $0.hasPrefix("gradient.") }.sorted()
    }
}

/// Records a failure naming the value and the first element out of tolerance: the comparison
/// every fidelity suite makes between Strata's value and PyTorch's.
func expectMatchesPyTorch(_ actual: Tensor, _ expected: Tensor, _ what: String, relativeTolerance: Double,
                          absoluteTolerance: Double, sourceLocation: SourceLocation) {
    guard actual.shape == expected.shape, actual.dtype == expected.dtype else {
        Issue.record("\(what): Strata gives \(actual.shape) \(actual.dtype), PyTorch \(expected.shape) \(expected.dtype)",
                     sourceLocation: sourceLocation)
        return
    }
    if let mismatch = actual.maximumMismatch(from: expected, relativeTolerance: relativeTolerance,
                                             absoluteTolerance: absoluteTolerance) {
        Issue.record("\(what): element \(mismatch.index) is \(mismatch.value), PyTorch \(mismatch.expected)",
                     sourceLocation: sourceLocation)
    }
}
