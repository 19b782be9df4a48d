import Strata
import StrataCLI
import StrataData
import StrataNN

/// An image model trained by `strata train` (mlp, lenet, resnet, inception, resnet18): input
/// `input`, FP32 `[-1, channels, size, size]`, the images as the model takes them (Fashion-MNIST
/// pixels scaled to [0, 1]; an image folder's normalized by its mean and deviation); outputs
/// `probabilities`, FP32 `[-1, classes]` (softmax), and `class`, BYTES `[-1]`, the most probable
/// class's name.
public struct ImageClassifierModel: ServedModel {
    /// The model value; read on the batch thread only.
    private final class Box: @unchecked Sendable {
        let model: any HeadReplaceable
        init(_ model: any HeadReplaceable) { self.model = model }
    }

    private let box: Box
    public let imageShape: [Int]
    public let classNames: [String]
    public let platform = "strata_safetensors"

    /// The model in `weights`, whose `model` metadata names it; its input from the `image-input`
    /// metadata, or Fashion-MNIST's without it.
    /// - Throws: `CLIError` for a missing, corrupt or mismatched file.
    public init(weights: String, name: ModelName) throws(CLIError) {
        let input = try ImageInput.read(fromWeights: weights) ?? .fashionMNIST
        let (model, outputCount) = try WeightsFile.loadClassifier(name, from: weights, channels: input.channels,
                                                                  imageSize: input.imageSize)
        box = Box(model)
        imageShape = [input.channels, input.imageSize, input.imageSize]
        classNames = (0..<outputCount).map { $0 < input.classNames.count ? input.classNames[$0] : "output \($0)" }
    }

    public var inputs: [TensorMetadata] { [TensorMetadata(name: "input", datatype: .fp32, shape: [-1] + imageShape)] }

    public var outputs: [TensorMetadata] {
        [TensorMetadata(name: "probabilities", datatype: .fp32, shape: [-1, classNames.count]),
         TensorMetadata(name: "class", datatype: .bytes, shape: [-1])]
    }

    public func prepare(_ inputs: [NamedTensor]) throws(InferenceError) -> ModelRows {
        let input = try InputCheck.named("input", in: inputs, expected: self.inputs)
        guard input.datatype == .fp32 else { throw .badRequest("input 'input' has datatype \(input.datatype.rawValue), expected FP32") }
        let rows = try InputCheck.rows(of: input, rowShape: imageShape)
        guard case .numbers(let values) = input.data, values.allSatisfy(\.isFinite) else {
            throw .badRequest("input 'input' holds a value that is not a finite number")
        }
        return ModelRows(count: rows, tensors: [Tensor(values.map { Float($0) }, shape: input.shape)])
    }

    public func run(_ rows: ModelRows) -> [NamedTensor] {
        // In inference mode (dropout off, batch norm's running statistics), as `strata predict`.
        let probabilities = withTrainingMode(false) { withoutGradients { softmax(box.model(rows.tensors[0]), axis: 1) } }
        let values = probabilities.cast(to: .float64).scalars(as: Double.self)
        let classes = classNames.count
        let best = (0..<rows.count).map { row in
            let scores = values[row * classes..<(row + 1) * classes]
            // The first of equal maxima, as `strata predict` ranks them.
            return classNames[scores.indices.max { scores[$0] < scores[$1] || (scores[$0] == scores[$1] && $0 > $1) }! - row * classes]
        }
        return [NamedTensor(name: "probabilities", datatype: .fp32, shape: [rows.count, classes], data: .numbers(values)),
                NamedTensor(name: "class", datatype: .bytes, shape: [rows.count], data: .strings(best))]
    }
}
