import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN

/// `strata predict`: the predicted class and its probability for the first test images.
public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Classify the first test images with saved weights.")

    @Option(help: "The model the weights belong to: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName
    @Option(help: "`model.safetensors` or a checkpoint written by `strata train`.")
    var weights: String
    @Option(help: "`fashion-mnist`, or a directory holding the four Fashion-MNIST IDX files.")
    var dataset = "fashion-mnist"
    @Option(help: "How many test images to classify, from the first.")
    var count = 10

    public init() {}

    public func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
    }

    /// One image's prediction.
    public struct Prediction: Equatable, Sendable {
        public var index: Int
        public var predicted: Int
        public var probability: Double
        public var truth: Int
    }

    public func run() throws {
        for p in try predictions() {
            let names = FashionMNIST.classNames
            let name = names[p.predicted].padding(toLength: 12, withPad: " ", startingAt: 0)
            print(String(format: "%5d  ", p.index) + name + String(format: "  %.3f  (true: ", p.probability) + names[p.truth] + ")")
        }
    }

    public func predictions() throws -> [Prediction] {
        let test = try DatasetSource(dataset).load(.test, limit: count)
        return try Self.predict(model.makeModel(seed: 0), weights: weights, on: test)
    }

    static func predict<Model: Layer>(_ model: Model, weights: String, on test: TensorDataset) throws -> [Prediction] {
        var model = try WeightsFile.load(into: model, from: weights)
        model.setTraining(false)
        let probabilities = withoutGradients { softmax(model(test.inputs), axis: 1) }.cast(to: .float64)
        let classes = probabilities.shape[1]
        let values = probabilities.scalars(as: Double.self)
        let labels = test.labels.scalars(as: Int64.self)
        return (0..<test.count).map { row in
            let scores = values[row * classes..<(row + 1) * classes]
            let best = scores.indices.max { scores[$0] < scores[$1] }!
            return Prediction(index: row, predicted: best - row * classes, probability: scores[best], truth: Int(labels[row]))
        }
    }
}
