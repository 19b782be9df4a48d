import Foundation
import StrataData

/// `strata predict --input a.jpg b.png`: PNG and JPEG files classified by a model trained on an
/// image folder, whose weights' `image-input` metadata gives the size, channels, normalization
/// and class names (weights without it are taken as Fashion-MNIST's: gray 28 x 28, [0, 1]).
extension PredictCommand {
    /// Whether `path` names a PNG or JPEG file by its extension.
    static func isImageFile(_ path: String) -> Bool {
        ["png", "jpg", "jpeg"].contains(URL(fileURLWithPath: path).pathExtension.lowercased())
    }

    /// Whether `--dataset` is an image folder (whose first test images `predict` classifies
    /// without `--input`).
    var isImageFolderDataset: Bool { !model.runTask.readsTables && ImageFolder.isImageFolder(URL(fileURLWithPath: dataset)) }

    /// The top-3 classes of the first `--count` test images of the image folder `--dataset`
    /// (the split the weights' metadata records), each named by its file.
    /// - Throws: `CLIError` for weights without image-folder metadata, a bad folder or image.
    public func imageFolderTestPredictions() throws -> [SamplePrediction] {
        guard let input = try ImageInput.read(fromWeights: weights) else {
            throw CLIError.unsupported("\(weights) has no image-folder metadata (\(ImageInput.metadataKey)): "
                                       + "use the model.safetensors of a run trained on an image folder")
        }
        let folder: ImageFolder
        do {
            folder = try ImageFolder(directory: URL(fileURLWithPath: dataset), testFraction: input.testFraction ?? 0.2,
                                     seed: input.splitSeed ?? 0)
        } catch {
            throw CLIError.imageData(error.description)
        }
        return try imageFilePredictions(folder.test.prefix(count).map(\.url.path))
    }

    /// The top-3 classes of each image file in `paths`, named by the training folders.
    /// - Throws: `CLIError.imageData` naming the first file that is not a usable image, and
    ///   `CLIError` for unreadable weights or weights that do not fit the model.
    public func imageFilePredictions(_ paths: [String]) throws -> [SamplePrediction] {
        let input = try ImageInput.read(fromWeights: weights) ?? .fashionMNIST
        let images = try input.tensor(ofImages: paths)
        let (model, outputCount) = try WeightsFile.loadClassifier(self.model, from: weights, channels: input.channels,
                                                                  imageSize: input.imageSize)
        let probabilities = Self.probabilities(of: model, on: images)
        return zip(paths, probabilities).enumerated().map { row, pair in
            let (file, scores) = pair
            let top = Self.ranked(scores).prefix(3).map { output in
                ClassProbability(index: output, label: nil,
                                 name: output < input.classNames.count && output < outputCount
                                     ? input.classNames[output] : "output \(output)",
                                 probability: scores[output])
            }
            return SamplePrediction(sample: row, file: file, top: Array(top))
        }
    }
}
