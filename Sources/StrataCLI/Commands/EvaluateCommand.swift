import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN

/// `strata evaluate`: the test accuracy and confusion matrix of saved weights. The model's
/// number of outputs comes from the weights' head; `--classes` evaluates a model trained on some
/// classes on the test images of those, relabelled as in training.
public struct EvaluateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Report the test accuracy and confusion matrix of saved weights.")

    @Option(help: "The model the weights belong to: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName
    @Option(help: "`model.safetensors` or a checkpoint written by `strata train`.")
    var weights: String
    @Option(help: "`fashion-mnist`, a directory holding the four Fashion-MNIST IDX files, an image folder (its test split), or a labelled CSV file for wide-deep.")
    var dataset = "fashion-mnist"
    @Option(parsing: .unconditional, help: "Use only the first N test images (before --classes selects among them, as in training).")
    var limit: Int?
    @Option(help: ArgumentHelp("The classes the model was trained on (`train --classes`): test on their images, relabelled 0, 1, ...",
                               valueName: "LIST"),
            transform: TrainCommand.parseClasses)
    var classes: [Int]?
    @Flag(help: "With an image folder: leave out (and count) files that are not decodable images instead of stopping.")
    var skipBadImages = false

    @Option(name: .customLong("non-finite"),
            help: "wide-deep: what a nan, inf or overflowing (1e999) number in a numeric column does: reject (the default) or missing.")
    var nonFinite: NonFiniteNumbers?

    public init() {}

    public func validate() throws {
        try model.runTask.validateInputOptions(nonFinite: nonFinite, classes: classes)
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive, got \(limit)") }
    }

    public func run() throws {
        try model.runTask.evaluate(self)
    }

    /// The image models' report: accuracy and confusion matrix over the test split.
    func evaluateImages() throws {
        if isImageFolder {
            try runOnImageFolder()
            return
        }
        let (matrix, outputs) = try evaluateWithClasses()
        let correct = (0..<matrix.classCount).reduce(0) { $0 + matrix[$1, $1] }
        print(String(format: "accuracy %.4f (%d of %d test images)", Double(correct) / Double(matrix.total), correct, matrix.total))
        print(Self.table(matrix, outputs: outputs))
    }

    /// The confusion matrix of the weights over the test split (its rows and columns the model's
    /// outputs; see `evaluateWithClasses()` for the classes they stand for).
    public func evaluate() throws -> ConfusionMatrix {
        try isImageFolder ? evaluateImageFolder().matrix : evaluateWithClasses().matrix
    }

    /// The confusion matrix over the test images of `--classes` (all by default), relabelled by
    /// position as in training, and the classes the model's outputs stand for.
    /// - Throws: `CLIError` for unreadable data or weights, weights that do not fit the model, and
    ///   `.classesDoNotFit` for more classes than the model has outputs.
    public func evaluateWithClasses() throws -> (matrix: ConfusionMatrix, outputs: OutputClasses) {
        var test = try DatasetSource(dataset).load(.test, limit: limit)
        if let classes { test = test.selectingClasses(classes) }
        let (model, outputCount) = try WeightsFile.loadClassifier(self.model, from: weights)
        let outputs = try OutputClasses(outputCount: outputCount, classes: classes, weights: weights)
        let matrix = withTrainingMode(false) { withoutGradients {
            var matrix = ConfusionMatrix(classCount: outputs.outputCount)
            for batch in test.batches(size: 256) {
                matrix.add(predictions: model(batch.inputs).argmax(axis: 1), labels: batch.labels)
            }
            return matrix
        } }
        return (matrix, outputs)
    }

    /// Rows the true class, columns the prediction, each headed by the Fashion-MNIST label its
    /// output stands for (`-` for an output past the classes); each row names its class.
    static func table(_ matrix: ConfusionMatrix, outputs: OutputClasses) -> String {
        let width = max(5, String(matrix.total).count + 1)
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let labels = (0..<matrix.classCount).map { outputs.label(ofOutput: $0).map(String.init) ?? "-" }
        var lines = ["true\\predicted " + labels.map(cell).joined()]
        for truth in 0..<matrix.classCount {
            let label = "\(labels[truth]) \(outputs.name(ofOutput: truth))".padding(toLength: 15, withPad: " ", startingAt: 0)
            lines.append(label + " " + (0..<matrix.classCount).map { cell(String(matrix[truth, $0])) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
