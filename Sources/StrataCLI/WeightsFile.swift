import Foundation
import Strata
import StrataIO
import StrataONNX
import StrataNN
import StrataTraining

/// Loading a model's weights from `model.safetensors` or from a training checkpoint.
public enum WeightsFile {
    /// The tensors and metadata of the safetensors file at `path`, unchanged.
    /// - Throws: `CLIError.unreadableFile` for a missing, unreadable or corrupt file.
    public static func read(_ path: String) throws(CLIError) -> (tensors: [String: Tensor], metadata: [String: String]) {
        do {
            return try Safetensors.parse(FileProblem.contents(of: path))
        } catch {
            throw .unreadableFile(path: path, reason: FileProblem.reason(error))
        }
    }

    /// Checks the `model` metadata entry that `strata train` writes: when present it must name
    /// `model` (a PyTorch file has none).
    /// - Throws: `CLIError.wrongModel`.
    static func checkModelName(_ model: ModelName, in metadata: [String: String], path: String) throws(CLIError) {
        if let saved = metadata["model"], saved != model.rawValue {
            throw .wrongModel(path: path, expected: model.rawValue, found: saved)
        }
    }

    /// The tensors in `path`: a plain safetensors state dictionary (Strata's, or a PyTorch
    /// `state_dict` saved with `safetensors.torch`, its `module.`/`_orig_mod.` wrapper names
    /// removed) or the model section of a checkpoint written by `CheckpointSaver`, and the
    /// file's metadata. Every command reads weights through here.
    /// - Throws: `CLIError.unreadableFile` for a missing or corrupt file.
    static func readStateAndMetadata(from path: String) throws(CLIError) -> (state: [String: Tensor], metadata: [String: String]) {
        if ONNXClassifier.isONNX(path) { return (try ONNXClassifier.read(path).stateDictionary().keyedByName, [:]) }
        do {
            // One read of the file; a checkpoint is told apart by its reserved metadata keys.
            let data = try FileProblem.contents(of: path)
            let file = try Safetensors.parse(data)
            if file.metadata.keys.contains(where: { $0.hasPrefix(Checkpoint.reservedPrefix) }) {
                let checkpoint = try Checkpoint.decode(data)
                return (try checkpoint.section(TrainingCheckpoint.modelSection), checkpoint.metadata)
            }
            return (try PyTorchWeights.normalizedKeys(file.tensors), file.metadata)
        } catch {
            throw .unreadableFile(path: path, reason: FileProblem.reason(error))
        }
    }

    /// The state dictionary in `path` (see `readStateAndMetadata(from:)`).
    static func readState(from path: String) throws(CLIError) -> [String: Tensor] {
        try readStateAndMetadata(from: path).state
    }

    /// `model` with the state dictionary in `path` (see `readState(from:)`). The tensors that
    /// `excluded` matches (a head being replaced) keep the model's values and are not read from
    /// the file; every other tensor must be there with the model's shape.
    /// - Throws: `CLIError.unreadableFile` for a missing or corrupt file, `.weightsDoNotFit` when
    ///   its tensors are not the model's.
    static func load<Model: Layer>(into model: Model, from path: String,
                                   except excluded: ParameterPattern? = nil) throws(CLIError) -> Model {
        let state = try readState(from: path)
        var loaded = model
        do {
            try loaded.loadStateDictionary(state, excluding: excluded.map { [$0] } ?? [])
        } catch {
            throw .weightsDoNotFit(path: path, reason: String(describing: error))
        }
        return loaded
    }

    /// The image model `name` for `[batch, channels, imageSize, imageSize]` inputs with the
    /// weights in `path` (run it inside `withTrainingMode(false)`), and its number of outputs, read from the file's head (`headPattern`): a model trained with `--replace-head`
    /// loads without being told its size.
    /// - Throws: `CLIError.unreadableFile` for a missing or corrupt file, `.wrongModel` when its
    ///   metadata names another model, `.weightsDoNotFit` when the head or any other tensor is
    ///   missing or mis-shaped.
    public static func loadClassifier(_ name: ModelName, from path: String, channels: Int = 1, imageSize: Int = 28) throws(CLIError)
        -> (model: any HeadReplaceable, outputCount: Int) {
        if name == .onnx || ONNXClassifier.isONNX(path) {
            return try ONNXClassifier.load(path, channels: channels, imageSize: imageSize)
        }
        let (state, metadata) = try readStateAndMetadata(from: path)
        try checkModelName(name, in: metadata, path: path)
        let outputCount = try headOutputs(of: name.makeModel(seed: 0, channels: channels, imageSize: imageSize), in: state, path: path)
        var model = try name.makeModel(seed: 0, classes: outputCount, channels: channels, imageSize: imageSize)
        do {
            try model.loadStateDictionary(state)
        } catch {
            throw .weightsDoNotFit(path: path, reason: String(describing: error))
        }
        return (model, outputCount)
    }

    /// The number of outputs of the head of `model` in `state`: the first dimension of the head's
    /// weight (`[classes, features]`, as PyTorch's Linear).
    static func headOutputs(of model: some HeadReplaceable, in state: [String: Tensor], path: String) throws(CLIError) -> Int {
        let head = model.headPattern
        // The template's own head tensors name the key to look for ("fc.weight", "9.weight").
        guard let key = model.stateDictionary().keys.filter({ head.matches($0) && $0.lastComponent == "weight" }).sorted().first else {
            throw .weightsDoNotFit(path: path, reason: "the model has no head weight under \(head)")
        }
        guard let weight = state[key.description] else {
            throw .weightsDoNotFit(path: path, reason: "no head weight \(key)")
        }
        guard weight.rank == 2, weight.shape[0] > 0 else {
            throw .weightsDoNotFit(path: path, reason: "the head weight \(key) is \(weight.shape), not [classes, features]")
        }
        return weight.shape[0]
    }
}
