import ArgumentParser
import Foundation
import Strata
import StrataDistributed
import StrataNN

/// A float64 finite-difference check of synchronized batch normalization across the world: a
/// Linear, BatchNorm1d, Tanh, Linear model on a global batch of 5 (3 + 2 over two ranks, so the
/// ranks' weights differ), the gradient averaged by `DataParallel` (synchronized batch norm,
/// overlapped buckets) against central differences of the global mean loss
/// `Σ_r n_r L_r / N`, each parameter element moved by ±h on every rank. Also runs in a world of
/// one (no mpirun), where the synchronized statistics are the batch's own.
struct SyncBatchNormGradient: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync-batch-norm-gradient",
                                                    abstract: "Finite-difference check of synchronized batch norm's gradient.")

    @Option(help: "The finite-difference step.") var step: Double = 1e-6
    @Option(help: "Allowed |analytic - numeric| / max(|analytic|, |numeric|, 1e-3).") var tolerance: Double = 1e-6

    func run() throws {
        let group = try detectedProcessGroup()
        let generator = RandomGenerator(seed: 3)
        var model = Sequential([Linear(inputSize: 4, outputSize: 3, generator: generator), BatchNorm1d(featureCount: 3), Tanh(),
                                Linear(inputSize: 3, outputSize: 2, generator: generator)])
        model.visitParameters(path: .root) { _, tensor, _ in tensor = tensor.cast(to: .float64) }
        // Weight and bias of the batch norm away from 1 and 0, so their gradients are generic.
        model.visitParameters(path: .root) { path, tensor, kind in
            guard kind == .parameter, path.description.hasPrefix("1.") else { return }
            tensor = tensor + Tensor.uniform(tensor.shape, low: -0.5, high: 0.5, dtype: .float64, generator: generator)
        }
        let inputs = Tensor.normal([5, 4], dtype: .float64, generator: generator) * 2 + 0.5
        let labels = Tensor([0, 1, 1, 0, 1] as [Int64], shape: [5])
        var parallel = DataParallel(group: group, bucketBytes: 64, synchronizesBatchNorm: true)
        let local = parallel.localRange(ofBatch: 5)
        let analytic = try withTrainingMode(true) {
            try parallel.valueAndAveragedGradient(at: model) { model in
                (crossEntropy(logits: model(inputs[local]), labels: labels[local]), local.count)
            }
        }.gradient

        let summation = ProcessGroupSum(group: group)
        func globalLoss(_ model: Sequential) throws -> Double {
            let loss = withTrainingMode(true) {
                withoutGradients {
                    withCrossProcessSum(summation) { crossEntropy(logits: model(inputs[local]), labels: labels[local]) }
                }
            }.scalar(as: Double.self)
            if let failure = summation.failure { throw failure }
            return try group.allReduceSum([loss * Double(local.count)])[0] / 5
        }
        var worst = (difference: 0.0, path: "")
        for path in analytic.keys.sorted(by: { $0.description < $1.description }) {
            let expected = analytic[path]!.scalars(as: Double.self)
            for index in expected.indices {
                let plus = try globalLoss(Self.moving(model, path, index, by: step))
                let minus = try globalLoss(Self.moving(model, path, index, by: -step))
                let numeric = (plus - minus) / (2 * step)
                let difference = abs(numeric - expected[index]) / max(abs(numeric), abs(expected[index]), 1e-3)
                if difference > worst.difference { worst = (difference, "\(path)[\(index)]") }
            }
        }
        let passed = worst.difference <= tolerance
        if group.isLeader {
            print("sync batch norm gradient: \(group.size) ranks, \(analytic.count) parameters, max relative difference "
                  + "\(worst.difference) at \(worst.path) (tolerance \(tolerance)): \(passed ? "ok" : "FAILED")")
        }
        if !passed { throw ExitCode(1) }
    }

    /// `model` with element `index` of the parameter at `path` moved by `delta`.
    private static func moving(_ model: Sequential, _ path: ParameterPath, _ index: Int, by delta: Double) -> Sequential {
        var copy = model
        copy.visitParameters(path: .root) { visited, tensor, _ in
            guard visited == path else { return }
            var values = tensor.scalars(as: Double.self)
            values[index] += delta
            tensor = Tensor(values, shape: tensor.shape)
        }
        return copy
    }
}
