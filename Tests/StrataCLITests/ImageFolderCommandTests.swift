import ArgumentParser
import Foundation
import StrataCLI
import StrataData
import StrataIO
import Testing

/// LeNet on a folder of synthetic Fashion-MNIST PNGs (image i of class i % 10, brightness
/// 20 * class + 10) resized to 16 x 16: train, resume, evaluate on the test folders, predict
/// image files by class name.
@Test func imageFolderTrainsEvaluatesAndPredictsByClassName() throws {
    let data = try writeSyntheticFashionMNISTFolder(trainingCount: 100, testCount: 30)
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: output) }
    var lines: [String] = []
    var run = TrainingRun(settings: try TrainCommand.parse([
        "--model", "lenet", "--dataset", data.path, "--image-size", "16", "--epochs", "3", "--batch-size", "10",
        "--lr", "3e-3", "--seed", "5", "--flip", "--crop-padding", "1", "--output", output.path]).settings,
                          directory: output)
    run.output = { lines.append($0) }
    let summary = try run.run()
    #expect(lines.contains("10 classes, gray 16x16\n"))
    #expect(summary.confusionMatrix.joined().reduce(0, +) == 30)
    // Ten brightness levels: three times chance once the weights have moved.
    #expect(summary.testAccuracy > 0.3, "\(summary.epochs)")
    #expect(summary.settings.imageFolder == ImageFolderSettings(imageSize: 16, flip: true, cropPadding: 1))

    let weightsPath = output.appendingPathComponent("model.safetensors").path
    let weights = try Safetensors.read(contentsOf: URL(fileURLWithPath: weightsPath))
    #expect(weights.tensors["7.weight"]?.shape == [512, 64 * 4 * 4])
    let json = try #require(weights.metadata[ImageInput.metadataKey])
    let input = try JSONDecoder().decode(ImageInput.self, from: Data(json.utf8))
    let sortedNames = (0..<10).map(folderName(ofClass:)).sorted()
    #expect(input.channels == 1 && input.imageSize == 16 && input.classNames == sortedNames)
    // Each class is equally often in the first 100 images: the mean brightness is
    // mean(20 c + 10) / 255 = 100 / 255, and the deviation that of the ten levels, 20 sqrt(8.25) / 255.
    #expect(abs(input.mean[0] - 100.0 / 255) < 1e-9 && abs(input.standardDeviation[0] - 20 * 8.25.squareRoot() / 255) < 1e-9)
    #expect(input.testFraction == nil && input.splitSeed == nil)

    try ResumeCommand.parse([output.path, "--epochs", "4"]).run()
    #expect(try RunSummary.read(from: output).epochs.map(\.epoch) == [0, 1, 2, 3])

    let evaluate = try EvaluateCommand.parse(["--model", "lenet", "--dataset", data.path, "--weights", weightsPath])
    let evaluation = try evaluate.evaluateImageFolder()
    #expect(evaluation.matrix.total == 30 && evaluation.classNames == sortedNames && evaluation.skipped == 0)

    // Test image 3 is of class 3 (Dress), image 7 of class 7 (Sneaker).
    let files = [data.appendingPathComponent("test/Dress/3.png").path, data.appendingPathComponent("test/Sneaker/7.png").path]
    let predict = try PredictCommand.parse(["--model", "lenet", "--weights", weightsPath, "--input"] + files)
    let predictions = try predict.filePredictions()
    #expect(predictions.map(\.file) == files)
    #expect(predictions.allSatisfy { $0.top.count == 3 && $0.top.allSatisfy { sortedNames.contains($0.name) } })
    // Without --input: the folder's first test images, by file.
    let firstTest = try PredictCommand.parse(["--model", "lenet", "--weights", weightsPath, "--dataset", data.path,
                                              "--count", "4"]).imageFolderTestPredictions()
    #expect(firstTest.count == 4 && firstTest.allSatisfy { $0.file?.hasPrefix(data.appendingPathComponent("test").path) == true })
}

@Test func badImagesStopTrainingWithTheFileNameOrAreSkipped() throws {
    let data = try writeSyntheticFashionMNISTFolder(trainingCount: 20, testCount: 10)
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: output) }
    let bad = data.appendingPathComponent("train/Trouser/zz-empty.png")
    try Data().write(to: bad)
    try Data("<html>not an image</html>".utf8).write(to: data.appendingPathComponent("test/Coat/page.jpg"))
    let arguments = ["--model", "mlp", "--dataset", data.path, "--epochs", "1", "--output", output.path]
    do {
        try TrainCommand.parse(arguments).run()
        Issue.record("training on a zero-byte image succeeded")
    } catch let error as CLIError {
        #expect(error == .imageData("image \(bad.path) is empty (0 bytes)"))
    }
    var lines: [String] = []
    var run = TrainingRun(settings: try TrainCommand.parse(arguments + ["--skip-bad-images"]).settings, directory: output)
    run.output = { lines.append($0) }
    let summary = try run.run()
    #expect(lines.contains("10 classes, gray 28x28, 2 bad image files skipped\n"))
    #expect(summary.confusionMatrix.joined().reduce(0, +) == 10)

    let weights = output.appendingPathComponent("model.safetensors").path
    let evaluate = try EvaluateCommand.parse(["--model", "mlp", "--dataset", data.path, "--weights", weights])
    #expect(throws: CLIError.self) { try evaluate.evaluateImageFolder() }
    let skipping = try EvaluateCommand.parse(["--model", "mlp", "--dataset", data.path, "--weights", weights, "--skip-bad-images"])
    #expect(try skipping.evaluateImageFolder().skipped == 1)
    let predict = try PredictCommand.parse(["--model", "mlp", "--weights", weights, "--input", bad.path])
    #expect(throws: CLIError.imageData("image \(bad.path) is empty (0 bytes)")) { try predict.filePredictions() }
}

/// RGB images in one folder split by seed train the small ResNet on three channels.
@Test func rgbFolderSplitBySeedTrainsOnThreeChannels() throws {
    let root = temporaryDirectory()
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root); try? FileManager.default.removeItem(at: output) }
    for (name, color) in [("red", [200, 30, 30]), ("blue", [20, 40, 220])] {
        let folder = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for index in 0..<5 {
            // 40 x 36 pixels, brightness varying by image so the channel deviations are not zero.
            let pixels = (0..<(40 * 36)).flatMap { _ in color.map { UInt8(clamping: $0 + 5 * index) } }
            try rgbPNG(width: 40, height: 36, pixels: pixels).write(to: folder.appendingPathComponent("\(index).png"))
        }
    }
    let train = try TrainCommand.parse(["--model", "resnet", "--dataset", root.path, "--image-size", "32",
                                        "--test-fraction", "0.4", "--epochs", "1", "--batch-size", "6", "--output", output.path])
    let summary = try TrainingRun(settings: train.settings, directory: output).run()
    #expect(summary.confusionMatrix.joined().reduce(0, +) == 4)  // two of each class's five
    let weights = try Safetensors.read(contentsOf: output.appendingPathComponent("model.safetensors"))
    #expect(weights.tensors["conv1.weight"]?.shape == [16, 3, 3, 3] && weights.tensors["fc.weight"]?.shape == [2, 64])
    let input = try JSONDecoder().decode(ImageInput.self, from: Data(try #require(weights.metadata[ImageInput.metadataKey]).utf8))
    #expect(input.channels == 3 && input.classNames == ["blue", "red"] && input.testFraction == 0.4 && input.splitSeed == 42)
    // evaluate finds the same four test images from the saved fraction and seed.
    let evaluate = try EvaluateCommand.parse(["--model", "resnet", "--dataset", root.path, "--weights",
                                              output.appendingPathComponent("model.safetensors").path])
    #expect(try evaluate.evaluateImageFolder().matrix.total == 4)
}

@Test func imageFolderFlagsAreValidated() throws {
    let data = try writeSyntheticFashionMNIST(count: 10)
    defer { try? FileManager.default.removeItem(at: data) }
    // An IDX directory is not an image folder: the folder flags do not apply there.
    #expect(throws: (any Error).self) { try TrainCommand.parse(["--dataset", data.path, "--image-size", "32"]) }
    let folder = try writeSyntheticFashionMNISTFolder(trainingCount: 10, testCount: 10)
    defer { try? FileManager.default.removeItem(at: folder) }
    for bad in [["--image-size", "2"], ["--channels", "2"], ["--test-fraction", "1"], ["--crop-padding", "-1"],
                ["--classes", "1,2"]] {
        #expect(throws: (any Error).self, "\(bad)") { try TrainCommand.parse(["--dataset", folder.path] + bad) }
    }
    #expect(throws: (any Error).self) {
        try PredictCommand.parse(["--model", "mlp", "--weights", "w.safetensors", "--input", "a.npy", "b.png"])
    }
}

/// Weights whose `image-input` metadata is malformed or inconsistent are unreadable, naming the
/// file; weights without it (a Fashion-MNIST run's) predict image files as 28 x 28 gray.
@Test func imageInputMetadataIsCheckedAndDefaultsToFashionMNIST() throws {
    let directory = temporaryDirectory()
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = try ModelName.mlp.makeModel(seed: 1)
    let inconsistent = ImageInput(channels: 3, imageSize: 28, classNames: ["a"], mean: [0], standardDeviation: [1])
    for (name, value) in [("bad-json", "{not json"), ("inconsistent", inconsistent.metadataValueForTests)] {
        let url = directory.appendingPathComponent("\(name).safetensors")
        try Safetensors.write(model.stateDictionary(), metadata: [ImageInput.metadataKey: value], to: url)
        let predict = try PredictCommand.parse(["--model", "mlp", "--weights", url.path, "--input", "x.png"])
        #expect(throws: CLIError.self, "\(name)") { try predict.filePredictions() }
    }
    let plain = directory.appendingPathComponent("plain.safetensors")
    try Safetensors.write(model.stateDictionary(), to: plain)
    let image = directory.appendingPathComponent("shoe.png")
    try rgbPNG(width: 30, height: 40, pixels: [UInt8](repeating: 90, count: 30 * 40 * 3)).write(to: image)
    let predictions = try PredictCommand.parse(["--model", "mlp", "--weights", plain.path, "--input", image.path])
        .filePredictions()
    #expect(predictions.count == 1 && predictions[0].file == image.path)
    #expect(predictions[0].top.allSatisfy { FashionMNIST.classNames.contains($0.name) })
}

extension ImageInput {
    /// The JSON saved under `metadataKey`, as the run writes it.
    fileprivate var metadataValueForTests: String {
        String(decoding: try! JSONEncoder().encode(self), as: UTF8.self)
    }
}
