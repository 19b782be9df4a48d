import ArgumentParser
import Foundation
import Strata
import StrataData
import StrataNN

/// `strata predict`: the predicted class and its probability for the first test images, or the
/// top-3 class probabilities of each image in `--input FILE` (IDX, CSV or NPY) or in PNG and JPEG
/// files (`--input a.jpg b.png`, or an image folder's first test images), as text or JSON.
/// The model's number of outputs comes from the weights' head; with `--classes` (those it was
/// trained on) its outputs are named by the Fashion-MNIST classes they stand for, and the test
/// images classified are the first of those classes.
public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict", abstract: "Classify the first test images, or the images in a file, with saved weights.")

    @Option(help: "The model the weights belong to: \(ModelName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: ModelName
    @Option(help: "`model.safetensors` or a checkpoint written by `strata train`.")
    var weights: String
    @Option(help: "`fashion-mnist`, or a directory holding the four Fashion-MNIST IDX files.")
    var dataset = "fashion-mnist"
    @Option(parsing: .unconditional, help: "How many test images to classify, from the first.")
    var count = 10
    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Classify the images in this file instead: IDX (uint8 [N, 28, 28]), CSV (784 columns of 0-255 per row) "
                + "or NPY; or PNG and JPEG files (`--input a.jpg b.png`), prepared as the weights' image-folder metadata says."))
    var input: [String] = []
    @Flag(help: "With --input (or wide-deep): print JSON instead of text.")
    var json = false
    @Option(help: ArgumentHelp("The classes the model was trained on (`train --classes`), which its outputs stand for, in order.",
                               valueName: "LIST"),
            transform: TrainCommand.parseClasses)
    var classes: [Int]?

    @Option(name: .customLong("non-finite"),
            help: "wide-deep: what a nan, inf or overflowing (1e999) number in a numeric column does: reject (the default) or missing.")
    var nonFinite: NonFiniteNumbers?

    public init() {}

    public func validate() throws {
        try model.runTask.validateInputOptions(nonFinite: nonFinite, classes: classes)
        guard count > 0 else { throw ValidationError("--count must be positive, got \(count)") }
        if input.count > 1 && !input.allSatisfy(Self.isImageFile) {
            throw ValidationError("--input takes one IDX, CSV or NPY file, or any number of PNG and JPEG files")
        }
    }

    /// One test image's prediction.
    public struct Prediction: Equatable, Sendable {
        /// The image's position in the test split.
        public var index: Int
        /// The model's most probable output.
        public var output: Int
        /// The Fashion-MNIST label that output stands for; nil for an output past `--classes`.
        public var predicted: Int?
        public var probability: Double
        /// The image's Fashion-MNIST label.
        public var truth: Int
    }

    /// One of the model's outputs and its probability.
    public struct ClassProbability: Codable, Equatable, Sendable {
        /// The model's output.
        public var index: Int
        /// The Fashion-MNIST label the output stands for (its `--classes` entry); absent for an
        /// output past them.
        public var label: Int?
        /// The class name, or "output N" without a label.
        public var name: String
        public var probability: Double
    }

    /// One input image's three most probable classes, most probable first.
    public struct SamplePrediction: Codable, Equatable, Sendable {
        public var sample: Int
        /// The image file, when the inputs are PNG or JPEG files.
        public var file: String?
        public var top: [ClassProbability]
    }

    public func run() throws {
        try model.runTask.predict(self)
    }

    /// The image models' predictions: of the first test images, or of the images in `--input`.
    func predictImages() throws {
        if !input.isEmpty || isImageFolderDataset {
            let samples = try input.isEmpty ? imageFolderTestPredictions() : filePredictions()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(samples), as: UTF8.self))
            } else {
                for sample in samples {
                    let top = sample.top.map { "\($0.name) \(String(format: "%.3f", $0.probability))" }.joined(separator: ", ")
                    print((sample.file.map { $0 + "  " } ?? String(format: "%5d  ", sample.sample)) + top)
                }
            }
            return
        }
        let (predictions, outputs) = try predictionsWithClasses()
        let names = FashionMNIST.classNames
        for p in predictions {
            let name = outputs.name(ofOutput: p.output).padding(toLength: 12, withPad: " ", startingAt: 0)
            print(String(format: "%5d  ", p.index) + name + String(format: "  %.3f  (true: ", p.probability) + names[p.truth] + ")")
        }
    }

    /// The predictions for the first `--count` test images (of `--classes`, when given).
    public func predictions() throws -> [Prediction] {
        try predictionsWithClasses().predictions
    }

    /// The predictions for the first `--count` test images of `--classes` (all by default), and
    /// the classes the model's outputs stand for.
    /// - Throws: `CLIError` for unreadable data or weights, weights that do not fit the model, and
    ///   `.classesDoNotFit` for more classes than the model has outputs.
    public func predictionsWithClasses() throws -> (predictions: [Prediction], outputs: OutputClasses) {
        // Without --classes the first --count images are all that is needed.
        let test = try DatasetSource(dataset).load(.test, limit: classes == nil ? count : nil)
        let labels = test.labels.scalars(as: Int64.self).map(Int.init)
        let wanted = Set(classes ?? Array(FashionMNIST.classNames.indices))
        let indices = Array(labels.indices.filter { wanted.contains(labels[$0]) }.prefix(count))
        let (model, outputCount) = try WeightsFile.loadClassifier(self.model, from: weights)
        let outputs = try OutputClasses(outputCount: outputCount, classes: classes, weights: weights)
        guard !indices.isEmpty else { return ([], outputs) }
        let images = test.inputs.indexSelect(axis: 0, indices: Tensor(indices.map(Int64.init), shape: [indices.count]))
        let probabilities = Self.probabilities(of: model, on: images)
        return (zip(indices, probabilities).map { index, scores in
            let best = Self.ranked(scores)[0]
            return Prediction(index: index, output: best, predicted: outputs.label(ofOutput: best), probability: scores[best],
                              truth: labels[index])
        }, outputs)
    }

    /// The top-3 classes of each image in `--input`.
    public func filePredictions() throws -> [SamplePrediction] {
        guard let input = input.first else { throw ValidationError("--input is required for file predictions") }
        if self.input.allSatisfy(Self.isImageFile) { return try imageFilePredictions(self.input) }
        let images = try PredictInput.load(input)
        let (model, outputCount) = try WeightsFile.loadClassifier(self.model, from: weights)
        let outputs = try OutputClasses(outputCount: outputCount, classes: classes, weights: weights)
        return Self.probabilities(of: model, on: images).enumerated().map { row, scores in
            SamplePrediction(sample: row, top: Self.ranked(scores).prefix(3).map {
                ClassProbability(index: $0, label: outputs.label(ofOutput: $0), name: outputs.name(ofOutput: $0),
                                 probability: scores[$0])
            })
        }
    }

    /// Each image's softmax probabilities over the model's outputs, in inference mode.
    static func probabilities(of model: some Layer, on images: Tensor) -> [[Double]] {
        let probabilities = withTrainingMode(false) { withoutGradients { softmax(model(images), axis: 1) } }.cast(to: .float64)
        let outputs = probabilities.shape[1]
        let values = probabilities.scalars(as: Double.self)
        return (0..<probabilities.shape[0]).map { Array(values[$0 * outputs..<($0 + 1) * outputs]) }
    }

    /// The outputs from most to least probable, ties by position.
    static func ranked(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }
}
