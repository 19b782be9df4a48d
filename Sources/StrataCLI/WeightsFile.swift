import Foundation
import Strata
import StrataIO
import StrataNN
import StrataTraining

/// Loading a model's weights from `model.safetensors` or from a training checkpoint.
enum WeightsFile {
    /// `model` with the state dictionary in `path`: a plain safetensors state dictionary or the
    /// model section of a checkpoint written by `CheckpointSaver`.
    /// - Throws: `CLIError.unreadableFile` for a missing or corrupt file, `.weightsDoNotFit` when
    ///   its tensors are not the model's.
    static func load<Model: Layer>(into model: Model, from path: String) throws(CLIError) -> Model {
        let url = URL(fileURLWithPath: path)
        let state: [String: Tensor]
        do {
            let file = try Safetensors.read(contentsOf: url)
            if file.metadata.keys.contains(where: { $0.hasPrefix(Checkpoint.reservedPrefix) }) {
                state = try Checkpoint.read(contentsOf: url).section(TrainingCheckpoint.modelSection)
            } else {
                state = file.tensors
            }
        } catch {
            throw .unreadableFile(path: path, reason: String(describing: error))
        }
        var loaded = model
        do {
            try loaded.loadStateDictionary(state)
        } catch {
            throw .weightsDoNotFit(path: path, reason: String(describing: error))
        }
        return loaded
    }
}
