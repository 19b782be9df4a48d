import Strata

/// Why a PyTorch state dictionary could not be read or written (a file's format errors are
/// `SafetensorsError`; keys that do not fit a model are StrataNN's `StateDictionaryError`).
public enum PyTorchWeightsError: Error, Equatable, CustomStringConvertible {
    /// Two keys of the file name the same path once the wrappers' names are removed.
    case duplicateKey(path: String, keys: [String])
    /// A tensor to write has a dtype PyTorch's module does not hold there.
    case unexpectedDType(path: String, dtype: DType, expected: DType)
    /// A tensor to write has a shape PyTorch's module does not hold there.
    case unexpectedShape(path: String, shape: [Int], expected: [Int])

    public var description: String {
        switch self {
        case .duplicateKey(let path, let keys):
            "PyTorch weights: keys \(keys.map { "'\($0)'" }.joined(separator: " and ")) both name '\(path)' "
                + "once the module. and _orig_mod. wrappers are removed"
        case .unexpectedDType(let path, let dtype, let expected):
            "PyTorch weights: '\(path)' is \(dtype); PyTorch holds \(expected) there"
        case .unexpectedShape(let path, let shape, let expected):
            "PyTorch weights: '\(path)' has shape \(shape); PyTorch holds \(expected) there"
        }
    }
}
