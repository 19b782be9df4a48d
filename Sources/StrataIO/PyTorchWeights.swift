import Foundation
import Strata

/// PyTorch `state_dict` files in the safetensors format: what `safetensors.torch.save_file(
/// model.state_dict(), path)` writes and `model.load_state_dict(load_file(path), strict=True)`
/// reads.
///
/// StrataIO knows dictionaries, not models: pair it with StrataNN's `stateDictionary()` and
/// `loadStateDictionary(_:strict:excluding:)`, whose names and layouts are PyTorch's, and which
/// report missing, unexpected and mismatched paths in one `StateDictionaryError`:
///
///     var model = ResNet.resnet18(classes: 10)
///     try model.loadStateDictionary(PyTorchWeights.read(contentsOf: url))   // PyTorch -> Strata
///     try PyTorchWeights.write(model.stateDictionary(), to: url)            // Strata -> PyTorch
///
/// Reading removes the names PyTorch's wrappers add (see `normalizedKeys`); writing checks that
/// each tensor has the dtype PyTorch's modules hold, so the file loads with `strict=True` into the
/// same architecture.
public enum PyTorchWeights {
    /// The path component `torch.compile` adds: an `OptimizedModule` keeps the compiled module
    /// as `_orig_mod`, at the top level or wherever a submodule was compiled.
    public static let compiledModuleComponent = "_orig_mod"
    /// The prefix `nn.DataParallel` and `DistributedDataParallel` add: they keep the whole model
    /// as `module`.
    public static let parallelWrapperPrefix = "module."
    /// The buffer PyTorch's batch norm counts its training batches in, an int64 scalar.
    public static let batchCountName = "num_batches_tracked"

    /// The state dictionary in the safetensors file at `url`, with normalized keys.
    /// - Throws: `SafetensorsError` for a malformed file, `PyTorchWeightsError.duplicateKey` when
    ///   two keys normalize to one.
    public static func read(contentsOf url: URL) throws -> [String: Tensor] {
        try parse(Data(contentsOf: url))
    }

    /// The state dictionary in safetensors bytes (see `read(contentsOf:)`).
    public static func parse(_ data: Data) throws -> [String: Tensor] {
        try normalizedKeys(Safetensors.parse(data).tensors)
    }

    /// `state` with the names of PyTorch's wrappers removed, so that the keys are the bare
    /// model's paths: every `_orig_mod` path component (torch.compile; `_orig_mod.fc.weight`,
    /// `backbone._orig_mod.conv1.weight`), then a leading `module.` (DataParallel and DDP) for
    /// as long as every key has one. Wrappers nest in either order (`module._orig_mod.fc.weight`
    /// and `_orig_mod.module.fc.weight` both become `fc.weight`). Tensors are unchanged; a
    /// `module.` that only some keys start with is a submodule's name and stays.
    /// - Throws: `PyTorchWeightsError.duplicateKey` when two keys normalize to the same path.
    public static func normalizedKeys(_ state: [String: Tensor]) throws(PyTorchWeightsError) -> [String: Tensor] {
        var renamed = state.keys.map { key in
            (original: key, path: key.split(separator: ".", omittingEmptySubsequences: false)
                .filter { $0 != compiledModuleComponent }.joined(separator: "."))
        }
        while !renamed.isEmpty && renamed.allSatisfy({ $0.path.hasPrefix(parallelWrapperPrefix) }) {
            renamed = renamed.map { ($0.original, String($0.path.dropFirst(parallelWrapperPrefix.count))) }
        }
        var result: [String: Tensor] = [:]
        var originals: [String: String] = [:]
        for (original, path) in renamed.sorted(by: { $0.original < $1.original }) {
            if let earlier = originals[path] { throw .duplicateKey(path: path, keys: [earlier, original]) }
            originals[path] = original
            result[path] = state[original]
        }
        return result
    }

    /// Writes `state` (a model's `stateDictionary()`) to `url` as a safetensors file that
    /// PyTorch's `load_state_dict(strict=True)` accepts, atomically (see `Safetensors.write`).
    /// The metadata is `format: pt`, as Hugging Face's PyTorch writers set it.
    /// - Throws: `PyTorchWeightsError.unexpectedDType` or `.unexpectedShape` when a tensor is not
    ///   what PyTorch's module holds there (see `validate`), before anything is written.
    public static func write(_ state: [String: Tensor], to url: URL) throws {
        try validate(state)
        try Safetensors.write(state, metadata: ["format": "pt"], to: url)
    }

    /// `write(_:to:)` with a model's `stateDictionary()`, each tensor named by its dotted path.
    public static func write(_ state: [ParameterPath: Tensor], to url: URL) throws {
        try write(state.keyedByName, to: url)
    }

    /// Checks that `state` holds the dtypes of a float32 PyTorch model: float32 everywhere but
    /// `num_batches_tracked`, which is an int64 scalar (a float64 model must be cast first;
    /// PyTorch would load it, silently rounding, into float32 parameters).
    public static func validate(_ state: [String: Tensor]) throws(PyTorchWeightsError) {
        for (path, tensor) in state.sorted(by: { $0.key < $1.key }) {
            let isBatchCount = path == batchCountName || path.hasSuffix("." + batchCountName)
            let expected: DType = isBatchCount ? .int64 : .float32
            guard tensor.dtype == expected else {
                throw .unexpectedDType(path: path, dtype: tensor.dtype, expected: expected)
            }
            if isBatchCount && tensor.rank != 0 {
                throw .unexpectedShape(path: path, shape: tensor.shape, expected: [])
            }
        }
    }
}
