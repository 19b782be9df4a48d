import Foundation
import Strata
import StrataIO
import StrataNN
import StrataTraining

/// Loading a model's weights from `model.safetensors` or from a training checkpoint.
enum WeightsFile {
    /// The tensors in `path`: a plain safetensors state dictionary (Strata's, or a PyTorch
    /// `state_dict` saved with `safetensors.torch`, its `module.`/`_orig_mod.` wrapper names
    /// removed) or the model section of a checkpoint written by `CheckpointSaver`. Every command
    /// reads weights through here.
    /// - Throws: `CLIError.unreadableFile` for a missing or corrupt file.
    static func readState(from path: String) throws(CLIError) -> [String: Tensor] {
        do {
            // One read of the file; a checkpoint is told apart by its reserved metadata keys.
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let file = try Safetensors.parse(data)
            if file.metadata.keys.contains(where: { $0.hasPrefix(Checkpoint.reservedPrefix) }) {
                return try Checkpoint.decode(data).section(TrainingCheckpoint.modelSection)
            }
            return try PyTorchWeights.normalizedKeys(file.tensors)
        } catch {
            throw .unreadableFile(path: path, reason: String(describing: error))
        }
    }

    /// `model` with the state dictionary in `path` (see `readState(from:)`). The tensors that
    /// `excluded` matches (a head being replaced) keep the model's values and are not read from
    /// the file; every other tensor must be there with the model's shape.
    /// - Throws: `CLIError.unreadableFile` for a missing or corrupt file, `.weightsDoNotFit` when
    ///   its tensors are not the model's.
    static func load<Model: Layer>(into model: Model, from path: String,
                                   except excluded: ParameterPattern? = nil) throws(CLIError) -> Model {
        var state = try readState(from: path)
        if let excluded {
            state = state.filter { !excluded.matches($0.key) }
            for (key, tensor) in model.stateDictionary() where excluded.matches(key) { state[key] = tensor }
        }
        var loaded = model
        do {
            try loaded.loadStateDictionary(state)
        } catch {
            throw .weightsDoNotFit(path: path, reason: String(describing: error))
        }
        return loaded
    }

    /// `model` with the weights in `path`, switched to inference mode (dropout off, batch norm
    /// on its running statistics): what evaluate and predict run.
    static func loadForInference<Model: Layer>(into model: Model, from path: String) throws(CLIError) -> Model {
        var loaded = try load(into: model, from: path)
        loaded.setTraining(false)
        return loaded
    }
}
