import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN

/// `strata predict`: the predicted class and its probability for the first test images, or the
/// top-3 class probabilities of each image in `--input FILE` (IDX, CSV or NPY), as text or JSON.
public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Classify the first test images, or the images in a file, with saved weights.")

    @Option(help: "The model the weights belong to: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName
    @Option(help: "`model.safetensors` or a checkpoint written by `strata train`.")
    var weights: String
    @Option(help: "`fashion-mnist`, or a directory holding the four Fashion-MNIST IDX files.")
    var dataset = "fashion-mnist"
    @Option(help: "How many test images to classify, from the first.")
    var count = 10
    @Option(help: "Classify the images in this file instead: IDX (uint8 [N, 28, 28]), CSV (784 columns of 0-255 per row) or NPY.")
    var input: String?
    @Flag(help: "With --input (or wide-deep): print JSON instead of text.")
    var json = false

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

    /// One class and its probability.
    public struct ClassProbability: Codable, Equatable, Sendable {
        public var index: Int
        public var name: String
        public var probability: Double
    }

    /// One input image's three most probable classes, most probable first.
    public struct SamplePrediction: Codable, Equatable, Sendable {
        public var sample: Int
        public var top: [ClassProbability]
    }

    public func run() throws {
        if model == .wideDeep {
            // The first --count rows of --input (or --dataset), a CSV file; the target column is optional.
            let rows = try WideDeepRun.predict(weights: weights, input: input ?? dataset, count: count)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            } else {
                for row in rows {
                    print(String(format: "%5d  %.3f  ", row.row, row.probability) + row.predicted
                          + (row.truth.map { "  (true: \($0))" } ?? ""))
                }
            }
            return
        }
        if input != nil {
            let samples = try filePredictions()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(samples), as: UTF8.self))
            } else {
                for sample in samples {
                    let top = sample.top.map { "\($0.name) \(String(format: "%.3f", $0.probability))" }.joined(separator: ", ")
                    print(String(format: "%5d  ", sample.sample) + top)
                }
            }
            return
        }
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

    /// The top-3 classes of each image in `--input`.
    public func filePredictions() throws -> [SamplePrediction] {
        guard let input else { throw ValidationError("--input is required for file predictions") }
        let images = try PredictInput.load(input)
        let model = try WeightsFile.loadForInference(into: model.makeModel(seed: 0), from: weights)
        let probabilities = withoutGradients { softmax(model(images), axis: 1) }.cast(to: .float64)
        let classes = probabilities.shape[1]
        let values = probabilities.scalars(as: Double.self)
        let names = FashionMNIST.classNames
        return (0..<images.shape[0]).map { row in
            let scores = Array(values[row * classes..<(row + 1) * classes])
            let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            return SamplePrediction(sample: row, top: order.prefix(3).map {
                ClassProbability(index: $0, name: $0 < names.count ? names[$0] : "class \($0)", probability: scores[$0])
            })
        }
    }

    static func predict<Model: Layer>(_ model: Model, weights: String, on test: TensorDataset) throws -> [Prediction] {
        let model = try WeightsFile.loadForInference(into: model, from: weights)
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
