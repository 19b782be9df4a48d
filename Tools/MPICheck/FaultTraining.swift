import ArgumentParser
import Foundation
import Strata
import StrataDistributed
import StrataIO
import StrataNN
import StrataOptimizers

/// Data-parallel training of the MLP with Adam, rank 0 writing a checkpoint after every step;
/// resumes from `DIR/checkpoint.safetensors` when it exists (with any number of ranks: every
/// step's global batch is the same whatever the world's size). `--kill-rank R --kill-at-step S`
/// makes rank R kill itself with SIGKILL before step S, as a crashed machine would. At the end
/// rank 0 writes the parameters to `DIR/final.safetensors`.
struct FaultTraining: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fault-training",
                                                    abstract: "Train with a checkpoint per step; optionally kill a rank.")

    @Option(help: "The run's directory.") var directory: String
    @Option(help: "Total optimizer steps.") var steps: Int = 8
    @Option(help: "The rank that kills itself.") var killRank: Int?
    @Option(help: "The step before which it does.") var killAtStep: Int = 0

    func run() throws {
        let group = try detectedProcessGroup()
        let folder = URL(fileURLWithPath: directory)
        let checkpointURL = folder.appendingPathComponent("checkpoint.safetensors")
        var parallel = DataParallel(group: group)
        var model = CheckModel.mlp.build(seed: 1)
        var optimizer = Optimizer(Adam(), learningRate: 0.01)
        var first = 0
        if FileManager.default.fileExists(atPath: checkpointURL.path) {
            let checkpoint = try Checkpoint.read(contentsOf: checkpointURL)
            try model.loadStateDictionary(try checkpoint.section("model"))
            try optimizer.importState(try checkpoint.section("optimizer"), for: model)
            first = try checkpoint.metadata("step", as: Int.self) + 1
            if group.isLeader { print("resumed after step \(first - 1) on \(group.size) ranks") }
        } else {
            try parallel.synchronize(&model)
        }
        for step in first..<steps {
            if step == killAtStep && killRank == group.rank {
                print("rank \(group.rank): killing itself before step \(step)")
                kill(getpid(), SIGKILL)
            }
            let batch = CheckModel.mlp.batch(seed: 100 + UInt64(step))
            let local = parallel.localRange(ofBatch: batch.labels.shape[0])
            let (_, gradients) = valueAndGradient(at: model) { model in
                crossEntropy(logits: model(batch.inputs[local]), labels: batch.labels[local])
            }
            optimizer.update(&model, along: try parallel.averageGradients(gradients, of: model, sampleCount: local.count))
            if group.isLeader {
                var checkpoint = Checkpoint(sections: ["model": model.stateDictionary().keyedByName, "optimizer": optimizer.exportState()])
                checkpoint.setMetadata(String(step), for: "step")
                try checkpoint.write(to: checkpointURL)
            }
        }
        if group.isLeader {
            try Checkpoint(sections: ["model": model.stateDictionary().keyedByName]).write(to: folder.appendingPathComponent("final.safetensors"))
            print("finished \(steps) steps on \(group.size) ranks")
        }
    }
}
