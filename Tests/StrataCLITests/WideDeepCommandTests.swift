import ArgumentParser
import Foundation
import Strata
import StrataCLI
import StrataIO
import StrataTraining
import Testing

/// A CSV whose `label` is `yes` exactly when `(color == red) != (shape == square)`, with an
/// irrelevant numeric `x` and a few missing colors (`?`): a linear model needs the color x shape
/// cross (alone, color or shape says nothing about the label), so the wide part learns it
/// exactly only with `--cross color:shape`.
private func writeRuleCSV(rows: Int, seed: UInt64, withLabel: Bool = true) throws -> URL {
    let draws = Tensor.uniform([rows, 3], dtype: .float64, generator: RandomGenerator(seed: seed)).scalars(as: Double.self)
    var lines = [withLabel ? "color,shape,x,label" : "color,shape,x"]
    for row in 0..<rows {
        let color = ["red", "green", "blue"][min(Int(draws[row * 3] * 3), 2)]
        let shape = draws[row * 3 + 1] < 0.5 ? "circle" : "square"
        let label = (color == "red") != (shape == "square") ? "yes" : "no"
        let x = String(format: "%.3f", draws[row * 3 + 2])
        lines.append("\(color),\(shape),\(x)" + (withLabel ? ",\(label)" : ""))
    }
    let url = temporaryDirectory().appendingPathExtension("csv")
    try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
}

@Suite struct WideDeepCommandTests {
    @Test(arguments: WideOptimizer.allCases)
    func trainEvaluateAndPredictATable(_ wideOptimizer: WideOptimizer) throws {
        let data = try writeRuleCSV(rows: 400, seed: 1)
        let unlabelled = try writeRuleCSV(rows: 5, seed: 1, withLabel: false)
        let output = temporaryDirectory()
        defer { [data, unlabelled, output].forEach { try? FileManager.default.removeItem(at: $0) } }
        var lines: [String] = []
        let train = try TrainCommand.parse(["--model", "wide-deep", "--dataset", data.path, "--target", "label",
                                            "--cross", "color:shape", "--categorical", "color", "--epochs", "4",
                                            "--batch-size", "32", "--lr", "0.01", "--wide-lr", "0.5", "--seed", "3",
                                            "--wide-optimizer", wideOptimizer.rawValue, "--output", output.path])
        var run = TrainingRun(settings: train.settings, directory: output)
        run.output = { lines.append($0) }
        let summary = try run.run()
        #expect(summary.testAccuracy == 1)
        #expect(summary.tabular?.testAUC == 1)
        #expect(summary.tabular?.labels == ["no", "yes"])
        #expect(summary.epochs.count == 4)
        #expect(summary.tabular!.wideWeights > 0 && summary.tabular!.zeroWideWeights <= summary.tabular!.wideWeights)
        #expect(lines.last?.hasPrefix("test accuracy 1.0000") == true)
        #expect(try RunSummary.read(from: output) == summary)
        let saved = try TrainingSettings.read(from: output).tabular
        #expect(saved?.crosses == ["color:shape"])
        // The wide optimizer's own defaults fill in what was not given.
        let defaults = WideOptimizerSettings(wideOptimizer)
        #expect(saved?.wideOptimizer == defaults.optimizer.rawValue && saved?.l1Strength == defaults.l1Strength
                    && saved?.l2Strength == defaults.l2Strength)
        #expect(saved?.wideLearningRate == 0.5)
        let weights = try Safetensors.read(contentsOf: run.weightsURL)
        #expect(weights.metadata["model"] == "wide-deep")
        #expect(weights.tensors["wide.weight"]?.shape.last == 1)

        // The saved encoder reproduces the training encoding: every row of the file is classified right.
        let evaluation = try TabularRunTask.evaluate(weights: run.weightsURL.path, dataset: data.path)
        #expect(evaluation.accuracy == 1 && evaluation.sampleCount == 400)
        let predictions = try TabularRunTask.predict(weights: run.weightsURL.path, input: unlabelled.path, count: 3)
        #expect(predictions.count == 3 && predictions.allSatisfy { $0.truth == nil })
        let labelled = try TabularRunTask.predict(weights: run.weightsURL.path, input: data.path, count: 5)
        #expect(labelled.allSatisfy { $0.truth == $0.predicted })
    }

    @Test func badTablesAndOptionsGiveClearErrors() throws {
        let data = try writeRuleCSV(rows: 40, seed: 2)
        let output = temporaryDirectory()
        defer { [data, output].forEach { try? FileManager.default.removeItem(at: $0) } }
        func train(_ extra: [String]) throws {
            var run = TrainingRun(settings: try TrainCommand.parse(["--model", "wide-deep", "--dataset", data.path,
                                                                    "--output", output.path] + extra).settings,
                                  directory: output)
            run.output = { _ in }
            try run.run()
        }
        expectUsageError(TrainCommand.self, ["--model", "wide-deep", "--dataset", data.path], message: "--model wide-deep needs --target COLUMN")
        expectUsageError(TrainCommand.self, ["--model", "lenet", "--target", "label"], message: "--target, --categorical, --numeric, --ignore and --cross are for --model wide-deep")
        expectUsageError(TrainCommand.self, ["--model", "lenet", "--l1", "0.1"], message: "--l1, --l2 and --wide-lr are for --model wide-deep")
        expectUsageError(TrainCommand.self, ["--model", "wide-deep", "--target", "label", "--cross", "color"], message: "--cross tabular: bad cross: \"color\" must name at least two columns, as a:b")
        expectUsageError(TrainCommand.self, ["--model", "wide-deep", "--target", "label", "--parts", "tall"], message: "--parts must be wide, deep or wide-deep, got tall")
        let badValues = [(["--wide-optimizer", "adam"], "--wide-optimizer must be ftrl or proximal, got adam"),
                         (["--l1", "-1"], "--l1"), (["--l2", "-0.5"], "--l2"),
                         (["--wide-lr", "0"], "--wide-lr must be positive, got 0.0"),
                         (["--wide-lr", "nan"], "--wide-lr must be positive, got nan")]
        for (bad, message) in badValues {
            expectUsageError(TrainCommand.self, ["--model", "wide-deep", "--target", "label"] + bad, message: message)
        }
        #expect(throws: CLIError.tabularData("CSV: no column \"income\"; columns are \"color\", \"shape\", \"x\", \"label\"")) {
            try train(["--target", "income"])
        }
        #expect(throws: CLIError.tabularData("tabular: target \"color\" must hold exactly two labels, found 3: \"blue\", \"green\", \"red\"")) {
            try train(["--target", "color"])
        }
        #expect(throws: CLIError.tabularData("CSV: column \"color\" is numeric but row 0 holds \"green\"")) {
            try train(["--target", "label", "--numeric", "color"])
        }
        #expect(throws: CLIError.self) { try train(["--target", "label", "--dataset", output.appendingPathComponent("none.csv").path]) }
        #expect(throws: CLIError.self) {
            try TrainingRun(settings: TrainCommand.parse(["--model", "wide-deep", "--target", "label"]).settings,
                            directory: output).run()
        }
        #expect(throws: CLIError.self) { try TabularRunTask.evaluate(weights: data.path, dataset: data.path) }
    }
}
