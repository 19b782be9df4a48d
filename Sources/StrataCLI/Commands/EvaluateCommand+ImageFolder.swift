import Foundation
import Strata
import StrataData
import StrataNN

/// `strata evaluate --dataset DIR` on an image folder: the test split prepared as the weights'
/// `image-input` metadata says (size, channels, normalization, classes, the split of one folder).
extension EvaluateCommand {
    /// Whether `--dataset` is an image folder rather than Fashion-MNIST's IDX files or a table.
    var isImageFolder: Bool { !model.runTask.readsTables && ImageFolder.isImageFolder(URL(fileURLWithPath: dataset)) }

    /// The confusion matrix over the folder's test images (rows the true class), the class
    /// names of its rows, and the number of files skipped by `--skip-bad-images`.
    /// - Throws: `CLIError` for weights without image-folder metadata, unreadable images or
    ///   weights, and test classes the model was not trained on.
    public func evaluateImageFolder() throws -> (matrix: ConfusionMatrix, classNames: [String], skipped: Int) {
        guard classes == nil else {
            throw CLIError.invalidSetting("--classes selects Fashion-MNIST labels; an image folder's classes are its class folders")
        }
        guard let input = try ImageInput.read(fromWeights: weights) else {
            throw CLIError.unsupported("\(weights) has no image-folder metadata (\(ImageInput.metadataKey)): "
                                       + "evaluate the model.safetensors of a run trained on an image folder")
        }
        let (test, skipped) = try ImageFolderData.loadTest(dataset, input: input, limit: limit, skipBadImages: skipBadImages)
        let (model, outputCount) = try WeightsFile.loadClassifier(self.model, from: weights, channels: input.channels,
                                                                  imageSize: input.imageSize)
        let matrix = withTrainingMode(false) { withoutGradients {
            var matrix = ConfusionMatrix(classCount: max(outputCount, input.classNames.count))
            for batch in test.batches(size: 256) {
                matrix.add(predictions: model(batch.inputs).argmax(axis: 1), labels: batch.labels)
            }
            return matrix
        } }
        return (matrix, input.classNames, skipped.count)
    }

    func runOnImageFolder() throws {
        let (matrix, classNames, skipped) = try evaluateImageFolder()
        let correct = (0..<matrix.classCount).reduce(0) { $0 + matrix[$1, $1] }
        print(String(format: "accuracy %.4f (%d of %d test images)", Double(correct) / Double(matrix.total), correct, matrix.total)
              + (skipped > 0 ? ", \(skipped) bad image file\(skipped == 1 ? "" : "s") skipped" : ""))
        let width = max(6, String(matrix.total).count + 1)
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let nameWidth = max(15, (classNames.map(\.count).max() ?? 0) + 1)
        var lines = ["true\\predicted".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                     + (0..<matrix.classCount).map { cell(String($0)) }.joined()]
        for truth in 0..<matrix.classCount {
            let name = "\(truth) " + (truth < classNames.count ? classNames[truth] : "-")
            lines.append(name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                         + (0..<matrix.classCount).map { cell(String(matrix[truth, $0])) }.joined())
        }
        print(lines.joined(separator: "\n"))
    }
}
