import ArgumentParser
import Foundation
import Strata
import StrataDistributed
import StrataNN
import StrataOptimizers

/// Trains the same model for a few steps twice, with SGD (momentum) and with Adam: once as the
/// whole world in data parallel (each rank its share of the global batch, gradients averaged in
/// buckets whose allreduces overlap backward, or after it with `--overlap false`), once in this
/// process alone on the whole batch; checks that every rank ends with the same parameters and
/// buffers as rank 0, and that they equal the single-process ones within `--tolerance`
/// (relative, per element). The ResNet trains with synchronized batch normalization (one process:
/// plain batch normalization of the whole batch), and its running statistics are compared too.
struct Equivalence: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Data-parallel training equals training on the whole batch.")

    @Option(help: "mlp, lenet or resnet.") var model: String = "mlp"
    @Option(help: "Optimizer steps.") var steps: Int = 4
    @Option(help: "Largest allowed |a - b| / max(|a|, |b|, 1e-12).") var tolerance: Double = 1e-6
    @Option(help: "Bucket size in bytes (small, so the models span several buckets).") var bucketBytes: Int = 4096
    @Option(help: "Overlap the buckets' allreduces with backward.") var overlap: Bool = true

    func run() throws {
        guard let kind = CheckModel(rawValue: model) else { throw ValidationError("unknown model \(model)") }
        let group = try detectedProcessGroup()
        var failed = false
        for (name, rule, rate) in [("sgd", SGD(momentum: 0.9) as any OptimizerRule, 0.1), ("adam", Adam(), 0.01)] {
            // Each rank starts from its own weights; synchronize must replace them with rank 0's.
            var parallel = DataParallel(group: group, bucketBytes: bucketBytes, overlapsBackward: overlap,
                                        synchronizesBatchNorm: kind.hasBatchNorm)
            var distributed = kind.build(seed: 1 + UInt64(group.rank) * 1000)
            try parallel.synchronize(&distributed)
            var single = kind.build(seed: 1)
            var (distributedOptimizer, singleOptimizer) = (Optimizer(rule, learningRate: rate), Optimizer(rule, learningRate: rate))
            for step in 0..<steps {
                let batch = kind.batch(seed: 100 + UInt64(step))
                let local = parallel.localRange(ofBatch: batch.labels.shape[0])
                let averaged = try withTrainingMode(true) {
                    try withStatisticsUpdates(of: &distributed) { model in
                        try parallel.valueAndAveragedGradient(at: model) { model in
                            (crossEntropy(logits: model(batch.inputs[local]), labels: batch.labels[local]), local.count)
                        }
                    }
                }.gradient
                distributedOptimizer.update(&distributed, along: averaged)
                let (_, wholeGradients) = withTrainingMode(true) {
                    withStatisticsUpdates(of: &single) { model in
                        valueAndGradient(at: model) { model in crossEntropy(logits: model(batch.inputs), labels: batch.labels) }
                    }
                }
                singleOptimizer.update(&single, along: wholeGradients)
            }
            let (difference, ranksAgree) = try compare(distributed, single, group: group)
            let passed = difference <= tolerance && ranksAgree
            failed = failed || !passed
            if group.isLeader {
                print("equivalence \(model) \(name)\(kind.hasBatchNorm ? " (synchronized batch norm)" : ""): \(group.size) ranks, "
                      + "\(steps) steps, overlap \(overlap), max relative difference \(difference) (tolerance \(tolerance)), "
                      + "ranks identical: \(ranksAgree): \(passed ? "ok" : "FAILED")")
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// The largest relative difference between the two models, and whether every rank's
    /// distributed parameters equal rank 0's bit for bit.
    private func compare(_ distributed: Sequential, _ single: Sequential, group: any ProcessGroup) throws -> (Double, Bool) {
        let (a, b) = (distributed.stateDictionary(), single.stateDictionary())
        var largest = 0.0
        var mismatches = 0.0
        for path in a.keys.sorted() {
            let (x, y) = (a[path]!.cast(to: .float64).scalars(as: Double.self), b[path]!.cast(to: .float64).scalars(as: Double.self))
            for (p, q) in zip(x, y) { largest = max(largest, abs(p - q) / max(abs(p), abs(q), 1e-12)) }
            let leader = try group.broadcast(a[path]!, from: 0).cast(to: .float64).scalars(as: Double.self)
            mismatches += leader == x ? 0 : 1
        }
        let total = try group.allReduceSum([mismatches, largest])
        let worst = try group.allGather(Tensor(largest)).scalars(as: Double.self).max()!
        return (worst, total[0] == 0)
    }
}
