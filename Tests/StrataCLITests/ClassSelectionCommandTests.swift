import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

/// `evaluate` and `predict` read a model trained with `--replace-head 5 --classes 5,6,7,8,9`:
/// the five outputs come from the weights' head, and `--classes` selects and relabels the test
/// images as training did, so evaluation reproduces the run's own final confusion matrix.
@Test func evaluateAndPredictReadAModelWithAReplacedHead() throws {
    let data = try writeSyntheticFashionMNIST(count: 60)
    let run = temporaryDirectory()
    defer { for url in [data, run] { try? FileManager.default.removeItem(at: url) } }
    try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "2", "--batch-size", "8",
                            "--replace-head", "5", "--classes", "5,6,7,8,9", "--output", run.path]).run()
    let weights = run.appendingPathComponent("model.safetensors").path
    let summary = try RunSummary.read(from: run)

    for file in [weights, run.appendingPathComponent("checkpoints/epoch-0001.safetensors").path] {
        let evaluate = try EvaluateCommand.parse(["--model", "mlp", "--dataset", data.path, "--weights", file,
                                                  "--classes", "5,6,7,8,9"])
        let (matrix, outputs) = try evaluate.evaluateWithClasses()
        #expect(outputs == (try OutputClasses(outputCount: 5, classes: [5, 6, 7, 8, 9], weights: file)))
        // Synthetic test image i is of class i % 10: 30 of the 60 are in classes 5-9.
        #expect(matrix.total == 30)
        #expect((0..<5).map { truth in (0..<5).map { matrix[truth, $0] } } == summary.confusionMatrix)
    }

    // Predictions name the test images by their place in the whole split and the outputs by
    // the classes they stand for.
    let predict = try PredictCommand.parse(["--model", "mlp", "--dataset", data.path, "--weights", weights,
                                            "--classes", "5,6,7,8,9", "--count", "7"])
    let predictions = try predict.predictions()
    #expect(predictions.map(\.index) == [5, 6, 7, 8, 9, 15, 16])
    #expect(predictions.map(\.truth) == [5, 6, 7, 8, 9, 5, 6])
    for prediction in predictions {
        #expect((0..<5).contains(prediction.output))
        #expect(prediction.predicted == [5, 6, 7, 8, 9][prediction.output])
    }
    let images = run.appendingPathComponent("images.npy")
    try Data(npy(descr: "|u1", shape: [1, 28, 28], data: [UInt8](repeating: 150, count: 784))).write(to: images)
    let top = try PredictCommand.parse(["--model", "mlp", "--weights", weights, "--input", images.path,
                                        "--classes", "5,6,7,8,9"]).filePredictions()[0].top
    for entry in top {
        #expect(entry.label == [5, 6, 7, 8, 9][entry.index])
        #expect(entry.name == ["Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"][entry.index])
    }
}

/// A five-output model asked about all ten classes, or about six, is a typed error that says to
/// name its classes, for both commands.
@Test func moreClassesThanOutputsIsATypedError() throws {
    let data = try writeSyntheticFashionMNIST(count: 20)
    let directory = temporaryDirectory()
    defer { for url in [data, directory] { try? FileManager.default.removeItem(at: url) } }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let weights = directory.appendingPathComponent("five.safetensors").path
    try Safetensors.write(try ModelName.mlp.makeModel(seed: 1, classes: 5).stateDictionary(), to: URL(fileURLWithPath: weights))

    let common = ["--model", "mlp", "--dataset", data.path, "--weights", weights]
    let allTen = CLIError.classesDoNotFit(path: weights, outputs: 5, classes: 10, selected: false)
    #expect(throws: allTen) { try EvaluateCommand.parse(common).evaluate() }
    #expect(throws: allTen) { try PredictCommand.parse(common).predictions() }
    #expect(allTen.description.contains("--classes"))
    let six = CLIError.classesDoNotFit(path: weights, outputs: 5, classes: 6, selected: true)
    #expect(throws: six) { try EvaluateCommand.parse(common + ["--classes", "0,1,2,3,4,5"]).evaluate() }
    #expect(throws: six) { try PredictCommand.parse(common + ["--classes", "0,1,2,3,4,5"]).predictions() }
    // Fewer classes than outputs is what a 10-output model trained on five classes is.
    #expect(try EvaluateCommand.parse(common + ["--classes", "0,1,2"]).evaluate().classCount == 5)

    expectUsageError(EvaluateCommand.self, common + ["--classes", "3,3"], message: "--classes takes distinct labels in 0...9")
    expectUsageError(PredictCommand.self, ["--model", "wide-deep", "--weights", weights, "--classes", "1,2"],
                     message: "--classes applies to the image models, not wide-deep")
}

/// The head's size is read for every image model (LeNet's `9`, the ResNet's `fc`), and a head
/// that is not a `[classes, features]` matrix is a typed error.
@Test func theNumberOfOutputsComesFromTheHead() throws {
    let data = try writeSyntheticFashionMNIST(count: 20)
    let directory = temporaryDirectory()
    defer { for url in [data, directory] { try? FileManager.default.removeItem(at: url) } }
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    for (model, head): (ModelName, ParameterPath) in [(.lenet, "9.weight"), (.resnet, "fc.weight")] {
        let url = directory.appendingPathComponent("\(model.rawValue).safetensors")
        let state = try model.makeModel(seed: 2, classes: 3).stateDictionary()
        #expect(state[head]?.shape.first == 3)
        try Safetensors.write(state, to: url)
        let (matrix, outputs) = try EvaluateCommand.parse(["--model", model.rawValue, "--dataset", data.path,
                                                           "--weights", url.path, "--classes", "7,8,9"]).evaluateWithClasses()
        #expect(matrix.classCount == 3 && matrix.total == 6)
        #expect(outputs.labels == [7, 8, 9])

        var broken = state
        broken[head] = Tensor.zeros([3])
        try Safetensors.write(broken, to: url)
        let error = #expect(throws: CLIError.self) {
            try EvaluateCommand.parse(["--model", model.rawValue, "--dataset", data.path, "--weights", url.path]).evaluate()
        }
        guard case .weightsDoNotFit(_, let reason) = error else { Issue.record("\(String(describing: error))"); continue }
        #expect(reason.contains(head.description))
    }
}

/// Outputs past the classes stand for none.
@Test func outputsPastTheClassesHaveNoLabel() throws {
    let outputs = try OutputClasses(outputCount: 4, classes: [8, 2], weights: "w")
    #expect(outputs.label(ofOutput: 1) == 2 && outputs.label(ofOutput: 2) == nil)
    #expect(outputs.name(ofOutput: 0) == "Bag" && outputs.name(ofOutput: 3) == "output 3")
    #expect(try OutputClasses(outputCount: 10, classes: nil, weights: "w").labels == Array(0..<10))
}
