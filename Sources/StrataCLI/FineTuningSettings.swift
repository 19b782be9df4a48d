import Foundation
import Strata
import StrataNN
import StrataONNX
import StrataOptimizers

/// How a `strata train` run reuses pretrained weights (`--init-from`, `--replace-head`,
/// `--freeze`, `--unfreeze`, `--backbone-lr`), kept in `settings.json` so that `strata resume`
/// rebuilds the same frozen parameters and learning rates.
public struct FineTuningSettings: Codable, Sendable, Equatable {
    /// A safetensors state dictionary or training checkpoint whose weights the model starts from.
    public var initialWeights: String?
    /// The number of outputs of a new, freshly initialized head: the file's head is then not
    /// loaded. nil keeps 10 outputs and loads every tensor of the file.
    public var headClasses: Int?
    /// Patterns (`ParameterPattern`) of parameters to freeze, applied in order.
    public var freeze: [String]
    /// Patterns of parameters to unfreeze after the freezes (`freeze: ["*"], unfreeze: ["fc"]`).
    public var unfreeze: [String]
    /// The learning rate of every parameter outside the head (discriminative fine-tuning); nil
    /// trains them at the run's rate.
    public var backboneLearningRate: Double?

    public init(initialWeights: String? = nil, headClasses: Int? = nil, freeze: [String] = [], unfreeze: [String] = [],
                backboneLearningRate: Double? = nil) {
        self.initialWeights = initialWeights
        self.headClasses = headClasses
        self.freeze = freeze
        self.unfreeze = unfreeze
        self.backboneLearningRate = backboneLearningRate
    }

    /// The model's number of outputs.
    public var classCount: Int { headClasses ?? 10 }

    /// `model` with the initial weights, if any: every tensor of the file, or with a replaced head
    /// every tensor but the head's, which keeps `model`'s fresh initialization.
    /// - Throws: `CLIError.unreadableFile` or `.weightsDoNotFit`.
    func initialize<Model: HeadReplaceable>(_ model: Model) throws(CLIError) -> Model {
        guard let initialWeights else { return model }
        // An ONNX model was built from this file (TrainingSettings.makeModel), head and all.
        if model is ONNXModel && ONNXClassifier.isONNX(initialWeights) { return model }
        return try WeightsFile.load(into: model, from: initialWeights, except: headClasses == nil ? nil : model.headPattern)
    }

    /// Freezes, unfreezes and gives the backbone its rate in `optimizer`, for `model`.
    /// - Throws: `CLIError.invalidSetting` for a malformed pattern or one that matches nothing.
    func configure<Model: HeadReplaceable>(_ optimizer: inout Optimizer, for model: Model) throws(CLIError) {
        if let backboneLearningRate {
            optimizer.groups = [.matching(model.headPattern), .matching("*", learningRate: backboneLearningRate)]
        }
        do {
            for text in freeze { try optimizer.freeze(ParameterPattern(parsing: text), in: model) }
            for text in unfreeze { try optimizer.unfreeze(ParameterPattern(parsing: text), in: model) }
        } catch {
            throw .invalidSetting(error.description)
        }
    }

    /// Checks the patterns against `model` without loading anything, for the command's
    /// argument validation.
    /// - Throws: `CLIError.invalidSetting` naming the first bad pattern.
    func validate<Model: HeadReplaceable>(for model: Model) throws(CLIError) {
        var optimizer = Optimizer(SGD(), learningRate: 1)
        try configure(&optimizer, for: model)
    }
}
