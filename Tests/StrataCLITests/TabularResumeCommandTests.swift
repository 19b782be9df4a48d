import Foundation
import Strata
import StrataCLI
import StrataIO
import Testing

/// wide-deep runs through the same `TrainingRun` as the image models: per-epoch checkpoints, and
/// `strata resume` re-reads and re-encodes the table and continues bit for bit.
@Suite struct TabularResumeCommandTests {
    /// `label` is `yes` exactly when `(color == red) != (shape == square)`; `x` is noise.
    private func writeTable(rows: Int) throws -> URL {
        let draws = Tensor.uniform([rows, 3], dtype: .float64, generator: RandomGenerator(seed: 4)).scalars(as: Double.self)
        var lines = ["color,shape,x,label"]
        for row in 0..<rows {
            let color = ["red", "green", "blue"][min(Int(draws[row * 3] * 3), 2)]
            let shape = draws[row * 3 + 1] < 0.5 ? "circle" : "square"
            lines.append("\(color),\(shape),\(String(format: "%.3f", draws[row * 3 + 2])),"
                         + ((color == "red") != (shape == "square") ? "yes" : "no"))
        }
        let url = temporaryDirectory().appendingPathExtension("csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func aResumedWideDeepRunEqualsTheUninterruptedOne() throws {
        let data = try writeTable(rows: 300)
        let (whole, cut) = (temporaryDirectory(), temporaryDirectory())
        defer { [data, whole, cut].forEach { try? FileManager.default.removeItem(at: $0) } }
        func train(_ output: URL, epochs: Int) throws -> RunSummary {
            let command = try TrainCommand.parse(["--model", "wide-deep", "--dataset", data.path, "--target", "label",
                                                  "--cross", "color:shape", "--epochs", String(epochs), "--batch-size", "16",
                                                  "--seed", "5", "--output", output.path])
            var run = TrainingRun(settings: command.settings, directory: output)
            run.output = { _ in }
            return try run.run()
        }
        let uninterrupted = try train(whole, epochs: 3)
        _ = try train(cut, epochs: 1)
        #expect(FileManager.default.fileExists(atPath: cut.appendingPathComponent("checkpoints/epoch-0000.safetensors").path))
        var settings = try TrainingSettings.read(from: cut)
        settings.epochs = 3
        var run = TrainingRun(settings: settings, directory: cut)
        run.output = { _ in }
        let resumed = try run.run(resumingFrom: run.latestCheckpoint())

        #expect(resumed.epochs == uninterrupted.epochs)
        #expect(resumed.epochs.allSatisfy { $0.validationAUC != nil })
        #expect(resumed.testAccuracy == uninterrupted.testAccuracy && resumed.testLoss == uninterrupted.testLoss)
        #expect(resumed.tabular == uninterrupted.tabular)
        let a = try Safetensors.read(contentsOf: whole.appendingPathComponent("model.safetensors")).tensors
        let b = try Safetensors.read(contentsOf: cut.appendingPathComponent("model.safetensors")).tensors
        #expect(a.keys.sorted() == b.keys.sorted())
        for (name, tensor) in a {
            #expect(tensor.scalars(as: Float.self).map(\.bitPattern) == b[name]!.scalars(as: Float.self).map(\.bitPattern), "\(name)")
        }
    }
}
