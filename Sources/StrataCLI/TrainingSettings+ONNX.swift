import Strata
import StrataNN
import StrataONNX

extension TrainingSettings {
    /// The model a run trains: `model.makeModel(...)`, or for `--model onnx` the classifier in
    /// `--init-from model.onnx` with a fresh head of `--replace-head` classes (drawn from `seed`).
    /// - Throws: `CLIError.invalidSetting` for `--model onnx` without an ONNX `--init-from`, or a
    ///   head to replace in a graph without one; the reading errors of `ONNXClassifier.load`.
    func makeModel(seed: UInt64, classes: Int, channels: Int = 1, imageSize: Int = 28) throws(CLIError) -> any HeadReplaceable {
        guard model == .onnx else { return try model.makeModel(seed: seed, classes: classes, channels: channels, imageSize: imageSize) }
        guard let path = fineTuning?.initialWeights, ONNXClassifier.isONNX(path) else {
            throw .invalidSetting("--model onnx trains the classifier of --init-from model.onnx")
        }
        let (onnx, _) = try ONNXClassifier.load(path, channels: channels, imageSize: imageSize)
        guard let headClasses = fineTuning?.headClasses else { return onnx }
        guard onnx.head != nil else {
            throw .invalidSetting("--replace-head: \(path) does not end in a Gemm or MatMul head")
        }
        return onnx.replacingHead(classes: headClasses, generator: RandomGenerator(seed: seed))
    }
}
