import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN

/// `strata evaluate`: the test accuracy and confusion matrix of saved weights.
public struct EvaluateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "evaluate", abstract: "Report the test accuracy and confusion matrix of saved weights.")

    @Option(help: "The model the weights belong to: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName
    @Option(help: "`model.safetensors` or a checkpoint written by `strata train`.")
    var weights: String
    @Option(help: "`fashion-mnist`, or a directory holding the four Fashion-MNIST IDX files (a labelled CSV file for wide-deep).")
    var dataset = "fashion-mnist"
    @Option(help: "Use only the first N test images.")
    var limit: Int?

    public init() {}

    public func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive, got \(limit)") }
    }

    public func run() throws {
        if model == .wideDeep {
            // The rows of a labelled CSV file, encoded by the encoder saved with the weights.
            let result = try WideDeepRun.evaluate(weights: weights, dataset: dataset)
            print(String(format: "accuracy %.4f, ROC AUC %@, loss %.4f (%d rows)", result.accuracy,
                         result.rocAUC.map { String(format: "%.4f", $0) } ?? "- (one class)", result.loss, result.count))
            return
        }
        let matrix = try evaluate()
        let correct = (0..<matrix.classCount).reduce(0) { $0 + matrix[$1, $1] }
        print(String(format: "accuracy %.4f (%d of %d test images)", Double(correct) / Double(matrix.total), correct, matrix.total))
        print(Self.table(matrix))
    }

    /// The confusion matrix of the weights over the test split.
    public func evaluate() throws -> ConfusionMatrix {
        let test = try DatasetSource(dataset).load(.test, limit: limit)
        return try Self.confusionMatrix(of: model.makeModel(seed: 0), weights: weights, on: test)
    }

    static func confusionMatrix<Model: Layer>(of model: Model, weights: String, on test: TensorDataset) throws -> ConfusionMatrix {
        let model = try WeightsFile.loadForInference(into: model, from: weights)
        return withoutGradients {
            var matrix = ConfusionMatrix(classCount: FashionMNIST.classNames.count)
            for batch in test.batches(size: 256) {
                matrix.add(predictions: model(batch.inputs).argmax(axis: 1), labels: batch.labels)
            }
            return matrix
        }
    }

    /// Rows the true class, columns the prediction, each headed by the class index; a legend of
    /// class names follows.
    static func table(_ matrix: ConfusionMatrix) -> String {
        let width = max(5, String(matrix.total).count + 1)
        func cell(_ text: String) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        var lines = ["true\\predicted " + (0..<matrix.classCount).map { cell(String($0)) }.joined()]
        for truth in 0..<matrix.classCount {
            let name = truth < FashionMNIST.classNames.count ? FashionMNIST.classNames[truth] : String(truth)
            let label = "\(truth) \(name)".padding(toLength: 15, withPad: " ", startingAt: 0)
            lines.append(label + " " + (0..<matrix.classCount).map { cell(String(matrix[truth, $0])) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}
