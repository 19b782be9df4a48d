import ArgumentParser
import Foundation
import StrataData

/// What `strata train`, `resume`, `evaluate` and `predict` do differently for a kind of model:
/// read its data, build it and its `Trainer` (which `TrainingRun.fit` then drives the same way for
/// every model), and read its saved weights back. Chosen once from the model name
/// (`ModelName.runTask`); the commands hold no per-model branches.
protocol RunTask: Sendable {
    /// Reads the data, builds the model and trains it with `run.fit`, then writes the weights,
    /// plots and summary into the run's directory (holding its lock). Returns the summary.
    func train(_ run: TrainingRun, resumingFrom checkpoint: URL?) throws -> RunSummary

    /// Rejects the flags of `evaluate` and `predict` that are for the other kind of model.
    func validateInputOptions(nonFinite: NonFiniteNumbers?, classes: [Int]?) throws(ValidationError)

    /// Prints `strata evaluate`'s report.
    func evaluate(_ command: EvaluateCommand) throws

    /// Prints `strata predict`'s predictions.
    func predict(_ command: PredictCommand) throws

    /// Whether the model reads a table, so `--target` and the other tabular flags apply.
    var readsTables: Bool { get }
}

extension ModelName {
    /// The task behind this model's commands: the image models classify images
    /// (`ImageRunTask`), `wide-deep` predicts a binary column of a table (`TabularRunTask`).
    var runTask: any RunTask {
        switch self {
        case .mlp, .lenet, .resnet, .inception, .resnet18: ImageRunTask()
        case .wideDeep: TabularRunTask()
        }
    }
}
