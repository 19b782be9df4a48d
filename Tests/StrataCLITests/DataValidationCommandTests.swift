import ArgumentParser
import Foundation
import StrataCLI
import StrataData
import Testing

// Issue 20: what the commands do with invalid values in their data files: a one-line typed
// error, never a trap or a NaN printed with exit status 0.

/// A labelled CSV of `rows` rows, `label` yes exactly when `x` > 0.5; `x` of row `badRow` (0-based)
/// is `badValue`.
private func writeTable(rows: Int, badRow: Int? = nil, badValue: String = "nan", withLabel: Bool = true) throws -> URL {
    var lines = [withLabel ? "color,x,label" : "color,x"]
    for row in 0..<rows {
        let x = row == badRow ? badValue : String(Double(row % 10) / 10)
        lines.append("\(["red", "blue"][row % 2]),\(x)" + (withLabel ? (Double(row % 10) / 10 > 0.5 ? ",yes" : ",no") : ""))
    }
    let url = temporaryDirectory().appendingPathExtension("csv")
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
}

@Test func wideDeepRejectsNonFiniteCellsOrReadsThemAsMissing() throws {
    let output = temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: output) }
    func train(_ data: URL, _ extra: [String] = []) throws -> RunSummary {
        var run = TrainingRun(settings: try TrainCommand.parse(["--model", "wide-deep", "--dataset", data.path, "--target", "label",
                                                                 "--epochs", "1", "--output", output.path] + extra).settings,
                              directory: output)
        run.output = { _ in }
        return try run.run()
    }
    let hint = " (--non-finite missing reads such cells as missing)"
    for bad in ["nan", "inf", "-Infinity", "1e999", String(repeating: "7", count: 400)] {
        let data = try writeTable(rows: 60, badRow: 3, badValue: bad)
        defer { try? FileManager.default.removeItem(at: data) }
        let error = CSVError.nonFiniteValue(row: 3, column: "x", value: bad)
        #expect(throws: CLIError.tabularData(error.description + hint)) { try train(data) }
        // Read as missing, the cell takes the mean and training reports finite numbers.
        let summary = try train(data, ["--non-finite", "missing"])
        #expect(summary.testLoss.isFinite && summary.tabular?.testAUC.map { (0...1).contains($0) } ?? true)
        #expect(try TrainingSettings.read(from: output).tabular?.nonFinite == .missing)
        // evaluate and predict refuse the same file unless told otherwise.
        let weights = output.appendingPathComponent("model.safetensors").path
        #expect(throws: CLIError.tabularData(error.description + hint)) {
            try TabularRunTask.evaluate(weights: weights, dataset: data.path)
        }
        #expect(throws: CLIError.tabularData(error.description + hint)) {
            try TabularRunTask.predict(weights: weights, input: data.path, count: 5)
        }
        let predictions = try TabularRunTask.predict(weights: weights, input: data.path, count: 5, nonFinite: .missing)
        #expect(predictions.allSatisfy { (0...1).contains($0.probability) })
        #expect(try TabularRunTask.evaluate(weights: weights, dataset: data.path, nonFinite: .missing).loss.isFinite)
    }
    // The flag is for wide-deep only.
    #expect(throws: (any Error).self) { try TrainCommand.parse(["--model", "mlp", "--non-finite", "missing"]) }
    #expect(throws: (any Error).self) {
        try EvaluateCommand.parse(["--model", "mlp", "--weights", "w", "--non-finite", "missing"])
    }
    #expect(throws: (any Error).self) { try PredictCommand.parse(["--model", "wide-deep", "--weights", "w", "--non-finite", "nan"]) }
}

@Test func imageDataOutsideTheModelsContractIsAnErrorNamingTheFile() throws {
    let data = try writeSyntheticFashionMNIST(count: 20)
    let output = temporaryDirectory()
    defer { [data, output].forEach { try? FileManager.default.removeItem(at: $0) } }
    // A label of 10 in the test labels (ten classes: 0...9).
    let labels = data.appendingPathComponent("t10k-labels-idx1-ubyte")
    var bytes = try Data(contentsOf: labels)
    bytes[bytes.count - 1] = 10
    try bytes.write(to: labels)
    let problem = FashionMNIST.InvalidFile(path: labels.path,
                                           problem: .labelOutOfRange(index: 19, label: 10, classCount: 10))
    #expect(throws: CLIError.unreadableFile(path: data.path, reason: problem.description)) {
        try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--epochs", "1", "--output", output.path]).run()
    }
    // Classes absent from the data leave nothing to train on.
    bytes[bytes.count - 1] = 9
    try bytes.write(to: labels)
    let settings = try TrainCommand.parse(["--model", "mlp", "--dataset", data.path, "--classes", "5,6", "--epochs", "1",
                                           "--output", output.path]).settings
    let few = try writeSyntheticFashionMNIST(count: 3)
    defer { try? FileManager.default.removeItem(at: few) }
    var fewSettings = settings
    fewSettings.dataset = few.path
    #expect(throws: CLIError.invalidSetting("the training split holds no images of --classes [5, 6]")) {
        try TrainingRun(settings: fewSettings, directory: output).run()
    }
}
